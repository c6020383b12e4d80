-- The budget lines of every rendered document, each with its batch, its label as HTML (article
-- lines with their measure) and where it is first printed: fact_budget_amount is read once per
-- report, not once per batch.
CREATE OR REPLACE TEMP TABLE report_lines AS
WITH printed AS (
    SELECT document_id, line_id, min(table_id) AS table_id, min(row_number) AS row_number
    FROM fact_budget_amount
    WHERE document_id IN (SELECT document_id FROM report_documents)
    GROUP BY document_id, line_id
)
SELECT r.batch, p.document_id, p.line_id, p.table_id, p.row_number, l.level,
       html_escape(CASE WHEN l.level = 'article' THEN l.label || ' (' || l.measure || ')' ELSE l.label END) AS label_html
FROM printed AS p
JOIN report_documents AS r USING (document_id)
JOIN dim_budget_line AS l USING (line_id)
