-- The rendered documents' fiscal years, in order: the columns of their tables of lines (the
-- years of their lines' figures, report_figures). Read once per document rather than gathered
-- from every line's cells while rendering (10,000 pages: ~0.9 CPU-s). Position 0: read into a dict.
SELECT r.batch, 0 AS position, f.document_id, list(DISTINCT f.fiscal_year ORDER BY f.fiscal_year) AS years
FROM report_figures AS f
JOIN report_documents AS r USING (document_id)
GROUP BY ALL
