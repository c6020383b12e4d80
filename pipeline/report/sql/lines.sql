-- The documents of batch $batch: their budget lines in table order, with their figure per
-- fiscal year (levels only).
WITH printed AS (
    SELECT document_id, line_id, min(table_id) AS table_id, min(row_number) AS row_number
    FROM fact_budget_amount
    WHERE document_id IN (SELECT document_id FROM report_documents WHERE batch = $batch)
    GROUP BY document_id, line_id
)
SELECT p.document_id, p.line_id, l.label, l.level, l.measure, l.sub_article_code, l.instrument,
       list(struct_pack(fiscal_year := v.fiscal_year, amount := v.amount_thousand_eur) ORDER BY v.fiscal_year)
           FILTER (WHERE v.fiscal_year IS NOT NULL) AS amounts
FROM printed AS p
JOIN dim_budget_line AS l USING (line_id)
LEFT JOIN report_figures AS v ON v.document_id = p.document_id AND v.line_id = p.line_id
     AND v.column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming')
GROUP BY ALL
ORDER BY p.document_id, min(p.table_id), min(p.row_number)
