-- One row per budget line and document, one column per fiscal year: each document's figure for
-- each year (the figure of budget_vintages), for pivoting in BI tools.
-- Columns and their comments: pipeline.core.schemas.BudgetByYear. The year columns y<YYYY>,
-- one per fiscal year in the data, replace the marker below at publication (pipeline.store.year_columns).
CREATE OR REPLACE VIEW budget_by_year AS
SELECT
    v.chapter,
    v.chapter_name,
    v.article_code,
    v.article_name,
    v.line_id,
    v.path,
    v.label,
    v.level,
    v.sub_article_code,
    v.instrument,
    v.regeling,
    v.measure,
    v.phase,
    p.phase_order,
    v.budget_year,
    v.document_id
    /*year columns*/
FROM budget_vintages AS v
LEFT JOIN dim_phase AS p ON p.phase = v.phase
GROUP BY ALL;
