-- The documents of the report's index, with what they hold (but their lines: document_line_counts.sql).
WITH sections AS (
    SELECT document_id, count(*) AS sections, count(line_id) AS linked_sections FROM budget_explanation GROUP BY document_id
)
SELECT d.document_id, d.source_file, d.chapter, c.chapter_name, d.budget_year, d.phase, d.article_code, d.article_name,
       coalesce(s.sections, 0) AS sections, coalesce(s.linked_sections, 0) AS linked_sections
FROM dim_document AS d
LEFT JOIN dim_chapter AS c USING (chapter)
LEFT JOIN dim_phase AS p USING (phase)
LEFT JOIN sections AS s USING (document_id)
ORDER BY c.sort_order NULLS LAST, d.chapter, try_cast(d.article_code AS INTEGER) NULLS LAST, d.article_code, d.budget_year, p.phase_order, d.source_file
