-- The documents of batch $batch: their explanation sections, in page order.
SELECT document_id, line_id, heading_path, text, link_method, link_score, unmatched_reason, first_source_line
FROM budget_explanation
WHERE document_id IN (SELECT document_id FROM report_documents WHERE batch = $batch)
ORDER BY document_id, section_number
