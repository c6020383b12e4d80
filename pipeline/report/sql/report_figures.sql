-- The rendered documents' figures of every line, levels only (realisatie, stand,
-- ontwerpbegroting, raming; never mutaties or verschillen), each with its document's batch: the
-- lines' cells and the instruments' charts. Read once per report, not once per query.
-- A figure is budget_vintages' (pipeline/sql/budget_vintages.sql): per document, line and fiscal
-- year the candidate it prefers (latest phase, then a budget table, then the rightmost column,
-- then the first table), if a number or nihil, of a line of dim_budget_line. Chosen here by an
-- aggregate (arg_min of figure_preference.sql) instead of the view's ranking window, which sorts every
-- amount (10,000 pages: 2.9-3.4 -> 1.9-2.0 CPU-s); a test says both give the same figures.
-- $documents: the rendered documents, or NULL when every one is; $lines: their lines
-- (document_lines.sql), or NULL. $low, $high (or NULL): the part of the lines (line_id > $low,
-- <= $high) this statement adds: the aggregate of every line at once spills under the memory limit.
-- The lines of dim_budget_line (of $lines) are kept before the aggregate rather than after it: the
-- semi-join's table is of those lines, not of the chosen figures (10,000 pages: every document
-- 2.69 -> 2.53 CPU-s, 2 documents 0.097 -> 0.060).
INSERT INTO report_figures
SELECT r.batch, f.document_id, f.line_id, f.fiscal_year, f.figure.amount_thousand_eur
FROM (
    SELECT document_id, line_id, fiscal_year,
           arg_min({'shown': value_status IN ('number', 'nihil') AND column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming'),
                    'amount_thousand_eur': amount_thousand_eur},
                   figure_preference(fdp_phase, table_kind, column_position, table_id)) AS figure
    FROM fact_budget_amount
    WHERE fdp_phase IS NOT NULL AND fiscal_year IS NOT NULL
      AND ($documents::VARCHAR[] IS NULL OR list_contains($documents, document_id))
      AND ($lines::VARCHAR[] IS NULL OR list_contains($lines, line_id))
      AND ($low::VARCHAR IS NULL OR line_id > $low) AND ($high::VARCHAR IS NULL OR line_id <= $high)
      AND line_id IN (SELECT line_id FROM dim_budget_line WHERE ($lines::VARCHAR[] IS NULL OR list_contains($lines, line_id)))
    GROUP BY document_id, line_id, fiscal_year
) AS f
JOIN report_documents AS r USING (document_id)
WHERE f.figure.shown
