-- Per article: its documents, each with the fingerprint of the page it was loaded from (bytes,
-- manifest row, parser), in one string: an article page changes only when this does.
SELECT d.chapter, d.article_code,
       string_agg(d.document_id || ':' || coalesce(p.fingerprint, ''), ',' ORDER BY d.document_id) AS documents
FROM dim_document AS d
LEFT JOIN _publication.page AS p ON p.source_file = d.source_file
GROUP BY ALL
