-- The rendered documents: each line's figure per fiscal year (levels only: report_figures) as
-- the cell of the report's table ('12.345', as the pages print amounts): flat rows, which the
-- report reads faster than a list per line. In no order (position 0): they are read into a dict.
SELECT batch, 0 AS position, document_id, line_id, fiscal_year,
       '<td class="num">' || replace(format('{:,}', amount_thousand_eur), ',', '.') || '</td>' AS cell
FROM report_figures
