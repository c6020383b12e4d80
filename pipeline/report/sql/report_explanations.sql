-- The explanation sections of every rendered document, texts as HTML, written once into
-- $directory as Parquet, one directory per batch (batch=N): budget_explanation's texts are
-- compressed (zstd) and a batch's documents are spread over the whole table, so a query per batch
-- decompressed every text again (10,000 pages: 0.35 s CPU a batch, 21 batches). Read back by
-- explanations.sql.
COPY (
    SELECT r.batch, e.document_id, e.section_number, e.line_id, html_escape(e.heading_path) AS heading_path_html,
           html_escape(e.text) AS text_html, html_escape(e.link_method) AS link_method_html, e.link_method, e.link_score,
           html_escape(coalesce(e.unmatched_reason, '')) AS unmatched_reason_html
    FROM budget_explanation AS e
    JOIN report_documents AS r USING (document_id)
) TO $directory (FORMAT parquet, PARTITION_BY (batch), ROW_GROUP_SIZE 2048, COMPRESSION lz4)
