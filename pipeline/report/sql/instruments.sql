-- Per document: each instrument's figure per fiscal year (levels only: realisatie, stand,
-- ontwerpbegroting, raming; never mutaties or verschillen), summed over artikelonderdelen.
SELECT instrument, fiscal_year, sum(amount_thousand_eur)::BIGINT AS amount
FROM budget_vintages
WHERE document_id = $document_id AND level = 'instrument' AND measure = 'uitgaven'
  AND column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming')
GROUP BY ALL
ORDER BY instrument, fiscal_year
