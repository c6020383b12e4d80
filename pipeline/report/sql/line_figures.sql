-- The batch's documents ($documents): each line's figure per fiscal year (levels only), one row
-- per figure: flat rows, which the report reads faster than a list per line.
SELECT document_id, line_id, fiscal_year, amount_thousand_eur AS amount
FROM report_figures
WHERE document_id IN (SELECT unnest($documents))
  AND column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming')
