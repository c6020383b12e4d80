-- One figure per leaf line, document, measure and fiscal year, with the document's and the
-- line's attributes: any SUM over any filter of it is the true total of what the filter selects.
-- Columns and their comments: pipeline.core.schemas.VBudgetSummable.
--
-- The figure is the one budget_vintages picks for the document and year (never a mutatie or a
-- verschil), so one column per year and never a parent beside its children. A leaf is decided
-- within its table: an additive line (no 'waarvan' breakdown) of which the table prints no
-- additive child. A row printed without values stands for its children, which are here.
-- Per document and measure one table counts: a page can print its apparaat table beside the
-- budget table whose instruments it details, so the budget table, else the apparaat table (the
-- first on the page when there are more).
CREATE OR REPLACE VIEW v_budget_summable AS
WITH printed AS (
    SELECT DISTINCT table_id, line_id FROM fact_budget_amount
),
table_parents AS (
    SELECT DISTINCT p.table_id, l.parent_line_id AS line_id
    FROM printed AS p
    JOIN dim_budget_line AS l USING (line_id)
    WHERE l.is_additive AND l.parent_line_id IS NOT NULL
),
counted_tables AS (
    SELECT f.document_id, f.measure,
           arg_min(f.table_id, CASE WHEN t.table_kind = 'budget' THEN 0 ELSE 1 END * 1000000 + t.table_ordinal) AS table_id
    FROM (SELECT DISTINCT document_id, measure, table_id FROM fact_budget_amount) AS f
    JOIN dim_table AS t USING (table_id)
    GROUP BY f.document_id, f.measure
)
SELECT
    d.chapter,
    ch.chapter_name,
    d.budget_year,
    d.phase,
    d.article_code,
    d.article_name,
    v.measure,
    l.sub_article_code,
    l.sub_article_name,
    l.instrument,
    l.regeling,
    l.label,
    l.level,
    l.path,
    v.fiscal_year,
    v.column_label,
    v.column_kind,
    v.fdp_phase,
    v.amount_thousand_eur,
    v.printed_label,
    v.source_file,
    v.source_line,
    v.document_id,
    v.table_id,
    v.row_number,
    v.line_id
FROM budget_vintages AS v
JOIN counted_tables AS c ON c.document_id = v.document_id AND c.measure = v.measure AND c.table_id = v.table_id
JOIN dim_document AS d ON d.document_id = v.document_id
LEFT JOIN dim_chapter AS ch ON ch.chapter = d.chapter
JOIN dim_budget_line AS l ON l.line_id = v.line_id
LEFT JOIN table_parents AS p ON p.table_id = v.table_id AND p.line_id = v.line_id
WHERE l.is_additive AND p.line_id IS NULL;
