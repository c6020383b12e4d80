-- A document's budget lines in table order, with their figure per fiscal year (levels only).
WITH printed AS (
    SELECT line_id, min(table_id) AS table_id, min(row_number) AS row_number
    FROM fact_budget_amount WHERE document_id = $document_id GROUP BY line_id
)
SELECT p.line_id, l.label, l.level, l.measure, l.sub_article_code, l.instrument,
       list(struct_pack(fiscal_year := v.fiscal_year, amount := v.amount_thousand_eur) ORDER BY v.fiscal_year)
           FILTER (WHERE v.fiscal_year IS NOT NULL) AS amounts
FROM printed AS p
JOIN dim_budget_line AS l USING (line_id)
LEFT JOIN budget_vintages AS v ON v.document_id = $document_id AND v.line_id = p.line_id
     AND v.column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming')
GROUP BY ALL
ORDER BY min(p.table_id), min(p.row_number)
