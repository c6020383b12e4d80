-- The rendered documents' budget lines (report_lines.sql) in table order, each with its number.
SELECT batch, position, document_id, position AS line_number, line_id, level, label_html FROM report_lines
