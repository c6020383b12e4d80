-- An article's Uitgaven in every document that states them, one series per document, in
-- budget-cycle order.
SELECT v.phase || ' ' || v.budget_year AS vintage, v.fiscal_year, v.amount_thousand_eur AS amount
FROM budget_vintages AS v
JOIN dim_phase AS p USING (phase)
WHERE v.chapter IS NOT DISTINCT FROM $chapter AND v.article_code IS NOT DISTINCT FROM $article_code
  AND v.level = 'article' AND v.measure = 'uitgaven'
ORDER BY v.budget_year + p.publication_month / 12.0, v.document_id, v.fiscal_year
