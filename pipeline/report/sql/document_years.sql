-- The rendered documents' fiscal years, in order: the columns of their tables of lines (the
-- years of their lines' figures, report_figures). Read once per document rather than gathered
-- from every line's cells while rendering (10,000 pages: ~0.9 CPU-s). Position 0: read into a dict.
-- The distinct years first, then their list: a list of distinct values kept per document cost
-- twice as much (0.19 -> 0.10 CPU-s).
SELECT r.batch, 0 AS position, y.document_id, list(y.fiscal_year ORDER BY y.fiscal_year) AS years
FROM (SELECT DISTINCT document_id, fiscal_year FROM report_figures) AS y
JOIN report_documents AS r USING (document_id)
GROUP BY ALL
