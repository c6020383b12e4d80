-- The documents whose article pages the report renders, each with its batch ($documents and
-- $batches: lists of the same length). The per-batch queries read their batch of it.
CREATE OR REPLACE TEMP TABLE report_documents AS
SELECT unnest($documents::VARCHAR[]) AS document_id, unnest($batches::INTEGER[]) AS batch
