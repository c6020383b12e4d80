-- The batch's documents ($documents): their budget lines in table order (the line_id orders two
-- lines first printed at the same place). Their figures: line_figures.sql.
WITH printed AS (
    SELECT document_id, line_id, min(table_id) AS table_id, min(row_number) AS row_number
    FROM fact_budget_amount
    WHERE document_id IN (SELECT unnest($documents))
    GROUP BY document_id, line_id
)
SELECT p.document_id, p.line_id, l.label, l.level, l.measure
FROM printed AS p
JOIN dim_budget_line AS l USING (line_id)
ORDER BY p.document_id, p.table_id, p.row_number, p.line_id
