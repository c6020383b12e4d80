-- The batch's documents ($documents): their budget lines in table order (the line_id orders two
-- lines first printed at the same place), each with its label as HTML (article lines with their
-- measure). Their figures: line_figures.sql.
WITH printed AS (
    SELECT document_id, line_id, min(table_id) AS table_id, min(row_number) AS row_number
    FROM fact_budget_amount
    WHERE document_id IN (SELECT unnest($documents))
    GROUP BY document_id, line_id
)
SELECT p.document_id, p.line_id, l.level,
       html_escape(CASE WHEN l.level = 'article' THEN l.label || ' (' || l.measure || ')' ELSE l.label END) AS label_html
FROM printed AS p
JOIN dim_budget_line AS l USING (line_id)
ORDER BY p.document_id, p.table_id, p.row_number, p.line_id
