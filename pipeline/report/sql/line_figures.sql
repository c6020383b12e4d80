-- The rendered documents: each line's figure per fiscal year (levels only: report_figures) as
-- the cell of the report's table ('12.345', as the pages print amounts), its line named by its
-- number in the batch (report_lines.sql): flat rows, which the report reads faster than a list
-- per line, and an integer rather than the document's and the line's ids (10,000 pages: 1.65
-- million rows). In no order (position 0): they are read into a dict. One format with the Dutch
-- grouping ('{:t.}') rather than '{:,}', a replace and two concatenations (0.15 CPU-s less).
SELECT f.batch, 0 AS position, l.position AS line_number, f.fiscal_year,
       format('<td class="num">{:t.}</td>', f.amount_thousand_eur) AS cell
FROM report_figures AS f
JOIN report_lines AS l USING (document_id, line_id)
