-- The search index (search_budget): per document and budget line, the words of the sections
-- that explain it (headings and texts; budget_explanation), lower case without accents, with
-- their stem (the stored macro dutch_stem, dutch_stem.sql) and count. Text that explains no
-- line is not indexed: the search finds lines.
-- Columns and their comments: pipeline.core.schemas.ExplanationTerm.
INSERT INTO explanation_term
WITH pieces AS (
    -- The text cut at ASCII characters other than letters and digits, which lower() and
    -- strip_accents() leave as they are: each piece gives the words it would give in place.
    -- Folding the distinct pieces, not the whole text, saves most of the folding (10,000
    -- generated pages: 123 M characters in 16.6 M pieces, 245 distinct; 6.9 -> 4.8 CPU-s).
    SELECT document_id, line_id, piece, count(*) AS occurrences
    FROM (
        SELECT document_id, line_id,
               unnest(regexp_split_to_array(heading || ' ' || text, '[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+')) AS piece
        FROM budget_explanation
        WHERE line_id IS NOT NULL
    )
    WHERE piece <> ''
    GROUP BY ALL
),
words AS (
    SELECT piece, unnest(regexp_split_to_array(lower(strip_accents(piece)), '[^a-z0-9]+')) AS word
    FROM (SELECT DISTINCT piece FROM pieces)
),
stems AS (
    SELECT word, dutch_stem(word) AS stem FROM (SELECT DISTINCT word FROM words WHERE word <> '')
)
SELECT p.document_id, p.line_id, w.word, s.stem, sum(p.occurrences)::INTEGER AS occurrences
FROM pieces AS p JOIN words AS w USING (piece) JOIN stems AS s USING (word)
GROUP BY ALL
ORDER BY stem, document_id, line_id, word;
