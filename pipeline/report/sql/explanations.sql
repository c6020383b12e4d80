-- The documents of one batch: their explanation sections in page order, texts as HTML, from the
-- batch's files ($files) written by report_explanations.sql.
SELECT document_id, line_id, heading_path_html, text_html, link_method_html, link_method, link_score, unmatched_reason_html
FROM read_parquet($files, hive_partitioning = false)
ORDER BY document_id, section_number
