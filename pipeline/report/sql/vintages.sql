-- The rendered articles: their Uitgaven in every document that states them, one series per
-- document, in budget-cycle order.
WITH articles AS (
    SELECT DISTINCT d.chapter, d.article_code, r.batch FROM dim_document AS d JOIN report_documents AS r USING (document_id)
)
SELECT a.batch, row_number() OVER (PARTITION BY a.batch ORDER BY v.budget_year + p.publication_month / 12.0, v.document_id, v.fiscal_year) AS position,
       v.chapter, v.article_code, v.phase || ' ' || v.budget_year AS vintage, v.fiscal_year, v.amount_thousand_eur AS amount
FROM report_article_figures AS v
JOIN articles AS a ON v.chapter IS NOT DISTINCT FROM a.chapter AND v.article_code IS NOT DISTINCT FROM a.article_code
JOIN dim_phase AS p USING (phase)
