-- The rendered documents: each instrument's figure per fiscal year (levels only: report_figures),
-- summed over artikelonderdelen.
SELECT batch, row_number() OVER (PARTITION BY batch ORDER BY document_id, instrument, fiscal_year) AS position,
       document_id, instrument, fiscal_year, amount
FROM (
    SELECT f.batch, f.document_id, l.instrument, f.fiscal_year, sum(f.amount_thousand_eur)::BIGINT AS amount
    FROM report_figures AS f
    JOIN dim_budget_line AS l USING (line_id)
    WHERE l.level = 'instrument' AND l.measure = 'uitgaven'
    GROUP BY ALL
)
