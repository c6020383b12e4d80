-- The figures every part of the report reads (budget_vintages, computed once per report rather
-- than once per query: the view ranks every amount of the warehouse), with the batch of their
-- document when it is rendered.
CREATE OR REPLACE TEMP TABLE report_figures AS
SELECT v.chapter, v.article_code, v.line_id, v.level, v.measure, v.instrument, v.fiscal_year, v.vintage_number,
       v.phase, v.budget_year, v.document_id, v.column_kind, v.amount_thousand_eur, r.batch
FROM budget_vintages AS v
LEFT JOIN report_documents AS r USING (document_id)
