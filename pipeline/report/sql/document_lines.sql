-- The budget lines of the rendered documents ($documents): report_figures.sql reads only these.
-- A list of lines given as a value narrows its scan of the amounts beyond the documents' filter
-- (10,000 pages, 2 documents: 0.08 -> 0.06 CPU-s with their lines).
SELECT coalesce(list(DISTINCT line_id ORDER BY line_id), []::VARCHAR[]) FROM fact_budget_amount WHERE list_contains($documents, document_id)
