-- The summary chart: each chapter's Uitgaven per fiscal year, from the latest document that
-- states each article's figure (latest vintage: no year counted twice).
SELECT chapter, fiscal_year, sum(amount_thousand_eur)::BIGINT AS amount
FROM report_article_figures AS v
WHERE chapter IS NOT NULL
  AND vintage_number = (SELECT max(vintage_number) FROM report_article_figures AS w WHERE w.line_id = v.line_id AND w.fiscal_year = v.fiscal_year)
GROUP BY ALL
ORDER BY chapter, fiscal_year
