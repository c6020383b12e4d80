-- The search index (search_budget): per document and budget line, the words of the sections
-- that explain it (headings and texts; budget_explanation), lower case without accents, with
-- their stem (the stored macro dutch_stem, dutch_stem.sql) and count. Text that explains no
-- line is not indexed: the search finds lines.
-- Columns and their comments: pipeline.core.schemas.ExplanationTerm.
INSERT INTO explanation_term
SELECT document_id, line_id, word, dutch_stem(word) AS stem, count(*)::INTEGER AS occurrences
FROM (
    SELECT document_id, line_id,
           unnest(regexp_split_to_array(lower(strip_accents(heading || ' ' || text)), '[^a-z0-9]+')) AS word
    FROM budget_explanation
    WHERE line_id IS NOT NULL
)
WHERE word <> ''
GROUP BY ALL
ORDER BY stem, document_id, line_id, word;
