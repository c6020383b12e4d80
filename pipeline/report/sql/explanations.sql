-- The documents of the batch ($documents, a list of document ids): their explanation sections,
-- in page order.
SELECT document_id, line_id, heading_path, text, link_method, link_score, unmatched_reason
FROM budget_explanation
WHERE document_id IN (SELECT unnest($documents))
ORDER BY document_id, section_number
