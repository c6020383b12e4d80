-- Estimated budget flexibility per article and fiscal year: the shares of each category side
-- by side, with the article's uitgaven for that year in the same document.
-- Columns and their comments: pipeline.core.schemas.BudgetFlexibility. The categories are the
-- canonical ones of the parser (pipeline.core.parse.FLEX_CATEGORIES); any other lands in other_pct.
CREATE OR REPLACE VIEW budget_flexibility AS
WITH shares AS (
    SELECT
        document_id,
        table_id,
        article_code,
        fiscal_year,
        sum(share_pct) FILTER (WHERE category = 'juridisch verplicht') AS juridisch_verplicht_pct,
        sum(share_pct) FILTER (WHERE category = 'complementair noodzakelijk') AS complementair_noodzakelijk_pct,
        sum(share_pct) FILTER (WHERE category = 'bestuurlijk gebonden') AS bestuurlijk_gebonden_pct,
        sum(share_pct) FILTER (WHERE category = 'beleidsmatig gereserveerd') AS beleidsmatig_gereserveerd_pct,
        sum(share_pct) FILTER (WHERE category = 'nog niet ingevuld/vrij te besteden') AS vrij_te_besteden_pct,
        sum(share_pct) FILTER (WHERE category NOT IN (
            'juridisch verplicht', 'complementair noodzakelijk', 'bestuurlijk gebonden',
            'beleidsmatig gereserveerd', 'nog niet ingevuld/vrij te besteden'
        )) AS other_pct,
        sum(share_pct) AS total_pct
    FROM fact_budget_flexibility
    GROUP BY document_id, table_id, article_code, fiscal_year
),
uitgaven AS (
    SELECT document_id, article_code, fiscal_year, amount_thousand_eur
    FROM budget_vintages
    WHERE level = 'article' AND measure = 'uitgaven'
    QUALIFY row_number() OVER (PARTITION BY document_id, article_code, fiscal_year ORDER BY line_id) = 1
)
SELECT
    d.chapter,
    ch.chapter_name,
    s.article_code,
    d.article_name,
    s.fiscal_year,
    d.phase,
    d.budget_year,
    s.document_id,
    s.juridisch_verplicht_pct,
    s.complementair_noodzakelijk_pct,
    s.bestuurlijk_gebonden_pct,
    s.beleidsmatig_gereserveerd_pct,
    s.vrij_te_besteden_pct,
    s.other_pct,
    s.total_pct,
    u.amount_thousand_eur AS uitgaven_thousand_eur,
    s.table_id
FROM shares AS s
JOIN dim_document AS d USING (document_id)
LEFT JOIN dim_chapter AS ch ON ch.chapter = d.chapter
LEFT JOIN uitgaven AS u
  ON u.document_id = s.document_id AND u.fiscal_year = s.fiscal_year
 AND u.article_code IS NOT DISTINCT FROM s.article_code;
