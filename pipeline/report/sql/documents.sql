-- The documents of the report's index, with what they hold.
SELECT d.document_id, d.source_file, d.chapter, c.chapter_name, d.budget_year, d.phase, d.article_code, d.article_name,
       (SELECT count(DISTINCT line_id) FROM fact_budget_amount AS f WHERE f.document_id = d.document_id) AS lines,
       (SELECT count(*) FROM budget_explanation AS e WHERE e.document_id = d.document_id) AS sections,
       (SELECT count(*) FROM budget_explanation AS e WHERE e.document_id = d.document_id AND e.line_id IS NOT NULL) AS linked_sections
FROM dim_document AS d
LEFT JOIN dim_chapter AS c USING (chapter)
LEFT JOIN dim_phase AS p USING (phase)
ORDER BY c.sort_order NULLS LAST, d.chapter, try_cast(d.article_code AS INTEGER) NULLS LAST, d.article_code, d.budget_year, p.phase_order, d.source_file
