-- The rendered documents: each instrument's figure per fiscal year (levels only: realisatie,
-- stand, ontwerpbegroting, raming; never mutaties or verschillen), summed over artikelonderdelen.
SELECT batch, row_number() OVER (PARTITION BY batch ORDER BY document_id, instrument, fiscal_year) AS position,
       document_id, instrument, fiscal_year, amount
FROM (
    SELECT batch, document_id, instrument, fiscal_year, sum(amount_thousand_eur)::BIGINT AS amount
    FROM report_figures
    WHERE batch IS NOT NULL
      AND level = 'instrument' AND measure = 'uitgaven'
      AND column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming')
    GROUP BY ALL
)
