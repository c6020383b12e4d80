-- Every article's Uitgaven in every document that states them, with their vintage numbers: the
-- summary chart and the vintages of each rendered article. The rows of budget_vintages
-- (pipeline/sql/budget_vintages.sql) of the article lines' Uitgaven, chosen as report_figures.sql
-- chooses a figure (an aggregate, not the view's ranking window over every candidate) and then
-- numbered in budget-cycle order (10,000 pages: 0.19-0.26 -> 0.13 CPU-s); a test says the rows
-- are the view's.
CREATE OR REPLACE TEMP TABLE report_article_figures AS
WITH lines AS (
    SELECT line_id, chapter, article_code FROM dim_budget_line WHERE level = 'article' AND measure = 'uitgaven'
), figures AS (
    SELECT document_id, line_id, fiscal_year,
           arg_min({'shown': value_status IN ('number', 'nihil'), 'measure': measure, 'amount_thousand_eur': amount_thousand_eur},
                   figure_preference(fdp_phase, table_kind, column_position, table_id)) AS figure
    FROM fact_budget_amount
    WHERE fdp_phase IS NOT NULL AND fiscal_year IS NOT NULL AND line_id IN (SELECT line_id FROM lines)
    GROUP BY document_id, line_id, fiscal_year
)
SELECT chapter, article_code, line_id, fiscal_year, vintage_number, phase, budget_year, document_id, amount_thousand_eur
FROM (
    -- Numbered as the view numbers them: every figure of the line and year, then its Uitgaven.
    SELECT l.chapter, l.article_code, f.line_id, f.fiscal_year,
           row_number() OVER (PARTITION BY f.line_id, f.fiscal_year
                              ORDER BY d.budget_year * 12 + p.publication_month NULLS LAST, d.budget_year NULLS LAST, f.document_id) AS vintage_number,
           d.phase, d.budget_year, f.document_id, f.figure.amount_thousand_eur, f.figure.measure
    FROM figures AS f
    JOIN lines AS l USING (line_id)
    JOIN dim_document AS d USING (document_id)
    LEFT JOIN dim_phase AS p ON p.phase = d.phase
    WHERE f.figure.shown
)
WHERE measure = 'uitgaven'
