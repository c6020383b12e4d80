-- The rendered documents' explanation sections in page order, texts as HTML. The order is
-- numbered on the sections' keys alone: a window over the texts (400 MB for 10,000 pages) would
-- sort them all. Texts as UTF-8 bytes (a BLOB): the pages are written as bytes, and a text read
-- as a Python str is decoded and then encoded again (400 MB: ~0.75 CPU-s over the processes).
WITH sections AS (
    SELECT r.batch, e.rowid AS row_id, row_number() OVER (PARTITION BY r.batch ORDER BY e.document_id, e.section_number) AS position
    FROM budget_explanation AS e
    JOIN report_documents AS r USING (document_id)
)
SELECT s.batch, s.position, e.document_id, e.line_id, html_escape(e.heading_path) AS heading_path_html, encode(html_escape(e.text)) AS text_html,
       html_escape(e.link_method) AS link_method_html, e.link_method, e.link_score,
       html_escape(coalesce(e.unmatched_reason, '')) AS unmatched_reason_html
FROM budget_explanation AS e
JOIN sections AS s ON s.row_id = e.rowid
