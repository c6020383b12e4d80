-- The word forms of the search: every word of the explanations (explanation_term.word, folded)
-- with its stem, and every stem with the endings the stemmer (pipeline.core.explanations.stem)
-- takes off, so that 'klokkenluiders' finds the stem of a text that only says 'klokkenluider'
-- and the other way round. Columns and their comments: pipeline.core.schemas.SearchWordForm.
CREATE OR REPLACE VIEW search_word_form AS
WITH stems AS (SELECT DISTINCT stem FROM explanation_term)
SELECT DISTINCT word AS word_form, stem FROM explanation_term
UNION
SELECT stem || ending, stem FROM stems, (VALUES (''), ('s'), ('e'), ('en'), ('es'), ('n')) AS endings(ending)
UNION
SELECT stem || right(stem, 1) || 'en', stem FROM stems  -- 'stuk' -> 'stukken'
UNION
SELECT left(stem, -4) || 'heden', stem FROM stems WHERE stem LIKE '%heid';
