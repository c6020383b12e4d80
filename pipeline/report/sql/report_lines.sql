-- The rendered documents: their budget lines in table order (where each is first printed; the
-- line_id orders two lines first printed at the same place), numbered per batch, labels as HTML
-- (article lines with their measure). Their figures (line_figures.sql) name their line by its
-- number. Read by lines.sql.
CREATE OR REPLACE TEMP TABLE report_lines AS
WITH printed AS (
    SELECT document_id, line_id, min(table_id) AS table_id, min(row_number) AS row_number
    FROM fact_budget_amount
    WHERE document_id IN (SELECT document_id FROM report_documents)
    GROUP BY document_id, line_id
)
SELECT r.batch, row_number() OVER (PARTITION BY r.batch ORDER BY p.document_id, p.table_id, p.row_number, p.line_id) AS position,
       p.document_id, p.line_id, l.level,
       html_escape(CASE WHEN l.level = 'article' THEN l.label || ' (' || l.measure || ')' ELSE l.label END) AS label_html
FROM printed AS p
JOIN report_documents AS r USING (document_id)
JOIN dim_budget_line AS l USING (line_id)
