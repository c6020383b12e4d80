-- For each budget line, measure and fiscal year: the figure in every document that states it,
-- in budget-cycle order, with the change from the previous vintage.
-- Columns and their comments: pipeline.core.schemas.BudgetVintage.
--
-- A document's figure for a year is its latest word on that year: the column with the latest
-- Fiscal Data Package phase (executed > adjusted > approved > proposed), the rightmost one when
-- two qualify. So: the 'Stand 1e suppletoire' of a 1SUPP, the 'Stand 2e suppletoire' of a
-- 2SUPP, the realisatie of a JV, the column of that year in an OWB. Mutaties and verschillen
-- have no phase and are never a figure. A chosen cell without a number (blank, pm, not
-- available) states no figure: the document is left out for that year, never replaced by an
-- older column of it.
-- Vintages are ordered by when their document appears (dim_phase.publication_month counted
-- from the document's budget year), then budget year and document: the OWB of t+1 (September
-- of t) comes before the 2SUPP of t (November of t), the JV of t (May of t+1) after both.
CREATE OR REPLACE VIEW budget_vintages AS
WITH candidates AS (
    SELECT
        f.document_id, f.line_id, f.measure, f.fiscal_year, f.column_label, f.column_kind, f.fdp_phase,
        f.printed_label, f.amount_thousand_eur, f.value_status, f.source_line, f.table_id, f.row_number,
        row_number() OVER (
            PARTITION BY f.document_id, f.line_id, f.fiscal_year
            ORDER BY
                CASE f.fdp_phase WHEN 'executed' THEN 4 WHEN 'adjusted' THEN 3 WHEN 'approved' THEN 2 ELSE 1 END DESC,
                f.table_kind = 'budget' DESC,
                f.column_position DESC,
                f.table_id
        ) AS preference
    FROM fact_budget_amount AS f
    WHERE f.fdp_phase IS NOT NULL AND f.fiscal_year IS NOT NULL
),
figures AS (
    SELECT
        c.*, d.phase, d.budget_year, d.source_file,
        d.budget_year * 12 + p.publication_month AS published
    FROM candidates AS c
    JOIN dim_document AS d USING (document_id)
    LEFT JOIN dim_phase AS p ON p.phase = d.phase
    WHERE c.preference = 1 AND c.value_status IN ('number', 'nihil')
),
ordered AS (
    SELECT
        *,
        row_number() OVER vintages AS vintage_number,
        lag(amount_thousand_eur) OVER vintages AS previous_amount_thousand_eur
    FROM figures
    WINDOW vintages AS (
        PARTITION BY line_id, fiscal_year
        ORDER BY published NULLS LAST, budget_year NULLS LAST, document_id
    )
)
SELECT
    l.chapter,
    ch.chapter_name,
    l.article_code,
    l.article_name,
    o.line_id,
    l.path,
    l.label,
    l.level,
    l.sub_article_code,
    l.instrument,
    l.regeling,
    o.measure,
    o.fiscal_year::INTEGER AS fiscal_year,
    o.vintage_number,
    o.phase,
    o.budget_year,
    o.document_id,
    o.column_label,
    o.column_kind,
    o.fdp_phase,
    o.printed_label,
    o.amount_thousand_eur,
    o.previous_amount_thousand_eur,
    o.amount_thousand_eur - o.previous_amount_thousand_eur AS change_thousand_eur,
    o.source_file,
    o.source_line,
    o.table_id,
    o.row_number
FROM ordered AS o
JOIN dim_budget_line AS l USING (line_id)
LEFT JOIN dim_chapter AS ch ON ch.chapter = l.chapter;
