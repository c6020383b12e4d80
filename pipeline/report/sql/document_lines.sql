-- The budget lines of the rendered documents ($documents): report_figures.sql reads only these.
-- budget_vintages ranks by line, so a list of lines given as a value reaches into its windows,
-- where a list of documents alone does not (10,000 pages, 3 documents: 0.95 s, with their lines 0.08 s).
SELECT coalesce(list(DISTINCT line_id ORDER BY line_id), []::VARCHAR[]) FROM fact_budget_amount WHERE list_contains($documents, document_id)
