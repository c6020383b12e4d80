-- The figures every part of the report reads (budget_vintages, computed once per report rather
-- than once per query: the view ranks every amount of the warehouse), with the batch of their
-- document when it is rendered. $lines: the budget lines to read (report_figure_lines.sql), or
-- NULL for all of them; a list given as a value reaches into the view's windows, which then
-- rank only those lines' amounts (10,000 pages: 0.3 s instead of 4.7 s for the summary's lines).
CREATE OR REPLACE TEMP TABLE report_figures AS
SELECT v.chapter, v.article_code, v.line_id, v.level, v.measure, v.instrument, v.fiscal_year, v.vintage_number,
       v.phase, v.budget_year, v.document_id, v.column_kind, v.amount_thousand_eur, r.batch
FROM budget_vintages AS v
LEFT JOIN report_documents AS r USING (document_id)
WHERE $lines::VARCHAR[] IS NULL OR list_contains($lines, v.line_id)
