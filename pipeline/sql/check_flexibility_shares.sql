-- Flexibility tables whose category shares for a year do not add up to 100% (rounding: 1 point).
SELECT document_id, table_id, article_code, fiscal_year, sum(share_pct) AS total_pct, count(*) AS n_categories
FROM fact_budget_flexibility
GROUP BY ALL
HAVING abs(sum(share_pct) - 100) > 1
ORDER BY document_id, fiscal_year
