-- The search index (search_budget): per document and budget line, the words of the sections
-- that explain it (headings and texts; budget_explanation), lower case without accents, with
-- their stem (the stored macro dutch_stem, dutch_stem.sql) and count. Text that explains no
-- line is not indexed: the search finds lines.
-- Columns and their comments: pipeline.core.schemas.ExplanationTerm.
INSERT INTO explanation_term
WITH separators AS (
    -- The ASCII characters other than letters and digits, which lower() and strip_accents()
    -- leave as they are: the text is cut into pieces at them, and each piece gives the words it
    -- would give in place.
    SELECT string_agg(chr(c::INTEGER), '' ORDER BY c) AS characters
    FROM range(128) AS r(c)
    WHERE NOT regexp_full_match(chr(c::INTEGER), '[A-Za-z0-9]')
),
pieces AS (
    -- The text cut at spaces only; words cuts each distinct piece at the other separators, which
    -- gives the same words: translating all of the text cost more than the rest of the index
    -- (10,000 generated pages: 123 M characters in 16.1 M pieces, 1,027 distinct; the load
    -- 3.9 -> 2.1 CPU-s). A run of spaces leaves empty pieces.
    SELECT document_id, line_id, piece, count(*) AS occurrences
    FROM (
        SELECT e.document_id, e.line_id, unnest(string_split(e.heading || ' ' || e.text, ' ')) AS piece
        FROM budget_explanation AS e
        WHERE e.line_id IS NOT NULL
    )
    WHERE piece <> ''
    GROUP BY ALL
),
words AS (
    -- Each separator made a space then a split at spaces cost less than a split at a character
    -- class; folding (strip_accents, lower) the distinct parts, not the text, saves most of it.
    SELECT piece, unnest(regexp_split_to_array(lower(strip_accents(part)), '[^a-z0-9]+')) AS word
    FROM (
        SELECT piece, unnest(string_split(translate(piece, s.characters, repeat(' ', length(s.characters))), ' ')) AS part
        FROM (SELECT DISTINCT piece FROM pieces), separators AS s
    )
    WHERE part <> ''
),
stems AS (
    SELECT word, dutch_stem(word) AS stem FROM (SELECT DISTINCT word FROM words WHERE word <> '')
)
SELECT p.document_id, p.line_id, w.word, s.stem, sum(p.occurrences)::INTEGER AS occurrences
FROM pieces AS p JOIN words AS w USING (piece) JOIN stems AS s USING (word)
GROUP BY ALL
ORDER BY stem, document_id, line_id, word;
