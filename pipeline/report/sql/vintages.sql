-- The articles of batch $batch: their Uitgaven in every document that
-- states them, one series per document, in budget-cycle order.
SELECT v.chapter, v.article_code, v.phase || ' ' || v.budget_year AS vintage, v.fiscal_year, v.amount_thousand_eur AS amount
FROM report_article_figures AS v
JOIN (SELECT DISTINCT chapter, article_code FROM dim_document WHERE document_id IN (SELECT document_id FROM report_documents WHERE batch = $batch)) AS a
  ON v.chapter IS NOT DISTINCT FROM a.chapter AND v.article_code IS NOT DISTINCT FROM a.article_code
JOIN dim_phase AS p USING (phase)
ORDER BY v.budget_year + p.publication_month / 12.0, v.document_id, v.fiscal_year
