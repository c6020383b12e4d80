-- The documents of batch $batch: their explanation sections in page order, texts as HTML.
SELECT document_id, line_id, html_escape(heading_path) AS heading_path_html, html_escape(text) AS text_html,
       html_escape(link_method) AS link_method_html, link_method, link_score,
       html_escape(coalesce(unmatched_reason, '')) AS unmatched_reason_html
FROM budget_explanation
WHERE document_id IN (SELECT document_id FROM report_documents WHERE batch = $batch)
ORDER BY document_id, section_number
