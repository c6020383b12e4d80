-- The rendered articles' budget flexibility, the table's shares and the prose's per-instrument
-- shares. Several documents can state shares for the same year and phase: theirs follow in
-- budget-cycle order (the document's year, then its id).
WITH articles AS (
    SELECT DISTINCT d.chapter, d.article_code, r.batch FROM dim_document AS d JOIN report_documents AS r USING (document_id)
), shares AS (
    SELECT a.batch, a.chapter, a.article_code, 'article' AS kind, f.fiscal_year, d.phase, f.category AS name, f.share_pct,
           d.budget_year AS document_year, d.document_id
    FROM fact_budget_flexibility AS f JOIN dim_document AS d USING (document_id)
    JOIN articles AS a ON d.chapter IS NOT DISTINCT FROM a.chapter AND f.article_code IS NOT DISTINCT FROM a.article_code
    UNION ALL
    SELECT a.batch, a.chapter, a.article_code, 'instrument', c.fiscal_year, d.phase, coalesce(c.instrument, c.printed_instrument) || ' (' || c.category || ')', c.share_pct,
           d.budget_year, d.document_id
    FROM fact_instrument_commitment AS c JOIN dim_document AS d USING (document_id)
    JOIN articles AS a ON d.chapter IS NOT DISTINCT FROM a.chapter AND c.article_code IS NOT DISTINCT FROM a.article_code
)
SELECT batch, row_number() OVER (PARTITION BY batch ORDER BY fiscal_year, phase, kind, name, document_year, document_id) AS position,
       chapter, article_code, kind, fiscal_year, phase, name, share_pct, document_year, document_id
FROM shares
