-- The documents of batch $batch: each line's figure per fiscal year (levels only) as the cell of
-- the report's table ('12.345', as the pages print amounts): flat rows, which the report reads
-- faster than a list per line.
SELECT document_id, line_id, fiscal_year, '<td class="num">' || replace(format('{:,}', amount_thousand_eur), ',', '.') || '</td>' AS cell
FROM report_figures
WHERE batch = $batch AND column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming')
