-- The documents of batch $batch: each instrument's figure per fiscal year (levels only:
-- realisatie, stand, ontwerpbegroting, raming; never mutaties or verschillen), summed over
-- artikelonderdelen.
SELECT document_id, instrument, fiscal_year, sum(amount_thousand_eur)::BIGINT AS amount
FROM report_figures
WHERE batch = $batch
  AND level = 'instrument' AND measure = 'uitgaven'
  AND column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming')
GROUP BY ALL
ORDER BY document_id, instrument, fiscal_year
