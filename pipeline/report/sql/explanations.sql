-- A document's explanation sections, in page order.
SELECT line_id, heading_path, text, link_method, link_score, unmatched_reason, first_source_line
FROM budget_explanation WHERE document_id = $document_id ORDER BY section_number
