-- An article's budget flexibility: the table's shares and the prose's per-instrument shares.
SELECT 'article' AS kind, f.fiscal_year, d.phase, f.category AS name, f.share_pct
FROM fact_budget_flexibility AS f JOIN dim_document AS d USING (document_id)
WHERE d.chapter IS NOT DISTINCT FROM $chapter AND f.article_code IS NOT DISTINCT FROM $article_code
UNION ALL
SELECT 'instrument', c.fiscal_year, d.phase, coalesce(c.instrument, c.printed_instrument) || ' (' || c.category || ')', c.share_pct
FROM fact_instrument_commitment AS c JOIN dim_document AS d USING (document_id)
WHERE d.chapter IS NOT DISTINCT FROM $chapter AND c.article_code IS NOT DISTINCT FROM $article_code
ORDER BY 2, 3, 1, 4
