-- dutch_stem(word): a light Dutch suffix stemmer, stored in the warehouse with the index. A
-- plural or inflection ending comes off (-en, with a doubled consonant undone; -s after -er,
-- -el, -em, -en, -ie, -je; then -e), -heden becomes -heid; words of four letters or fewer and
-- numbers stay: 'klokkenluiders' -> 'klokkenluider', 'misstanden' -> 'misstand', 'stukken' ->
-- 'stuk', 'subsidies' and 'subsidie' -> 'subsidi', 'proces' stays. The view search_word_form
-- adds the endings back, so a query in another form than the text finds the same stem.
-- Registered in pipeline.store.catalog.MACROS; explanation_term.sql calls it.
CREATE OR REPLACE MACRO dutch_stem_undouble(w) AS
    CASE WHEN length(w) >= 2 AND right(w, 1) = left(right(w, 2), 1) AND right(w, 1) NOT IN ('a', 'e', 'i', 'o', 'u')
         THEN left(w, length(w) - 1) ELSE w END;
CREATE OR REPLACE MACRO dutch_stem_plural(w) AS
    CASE WHEN suffix(w, 'en') AND length(w) >= 6 THEN dutch_stem_undouble(left(w, length(w) - 2))
         WHEN length(w) >= 5 AND regexp_matches(w, '(?:[rlmn]s|ies|jes)$') THEN left(w, length(w) - 1)
         ELSE w END;
CREATE OR REPLACE MACRO dutch_stem_e(w) AS
    CASE WHEN suffix(w, 'e') AND length(w) >= 5 THEN left(w, length(w) - 1) ELSE w END;
CREATE OR REPLACE MACRO dutch_stem(word) AS
    CASE WHEN length(word) <= 4 OR regexp_full_match(word, '[0-9]+') THEN word
         WHEN suffix(word, 'heden') THEN left(word, length(word) - 5) || 'heid'
         ELSE dutch_stem_e(dutch_stem_plural(word)) END;
