-- The rendered documents' figures (budget_vintages) of every line, levels only (realisatie,
-- stand, ontwerpbegroting, raming; never mutaties or verschillen), each with its document's
-- batch: the lines' cells and the instruments' charts. Read once per report, not once per query,
-- and without the vintage number, which only the article figures need: the view then does not
-- rank every amount of the warehouse across its vintages (10,000 pages: 4.4 instead of 7.6 s).
-- $documents: the rendered documents, or NULL when every one is; $lines: their lines
-- (document_lines.sql), or NULL: a list of lines given as a value reaches into the view's
-- windows, which then rank only those lines' amounts. $low, $high (or NULL): the part of the
-- lines (line_id > $low, <= $high) this statement adds, a range that reaches into the windows too.
INSERT INTO report_figures
SELECT r.batch, v.document_id, v.line_id, v.fiscal_year, v.amount_thousand_eur
FROM budget_vintages AS v
JOIN report_documents AS r USING (document_id)
WHERE v.column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming')
  AND ($documents::VARCHAR[] IS NULL OR list_contains($documents, v.document_id))
  AND ($lines::VARCHAR[] IS NULL OR list_contains($lines, v.line_id))
  AND ($low::VARCHAR IS NULL OR v.line_id > $low) AND ($high::VARCHAR IS NULL OR v.line_id <= $high)
