-- The rendered documents: their budget lines in table order (the line_id orders two lines first
-- printed at the same place). Their figures: line_figures.sql.
SELECT batch, row_number() OVER (PARTITION BY batch ORDER BY document_id, table_id, row_number, line_id) AS position,
       document_id, line_id, level, label_html
FROM report_lines
