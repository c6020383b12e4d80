-- search_budget(query): the budget lines whose explanations contain every word of `query`,
-- best first, with the line's label, instrument and amounts. Plain SQL (DuckDB 1.4 and 2.0, no
-- extension): the index is two tables the pipeline builds from the explanations
-- (pipeline.core.explanations): search_word_form maps each word form, lower case without
-- accents, to its stem ('klokkenluiders' and 'klokkenluider' -> 'klokkenluider'), and
-- explanation_term holds the stems of each section. The query is folded the same way here.
-- Score: per matching section, occurrences x ln(1 + sections / sections with the stem), summed
-- per line. Columns and their comments: pipeline.core.schemas.SearchBudgetResult.
CREATE OR REPLACE MACRO search_budget(query) AS TABLE
WITH query_word AS (
    SELECT DISTINCT word
    FROM (SELECT unnest(regexp_split_to_array(lower(strip_accents(query)), '[^a-z0-9]+')) AS word)
    WHERE word <> ''
),
query_stem AS (
    SELECT DISTINCT q.word, f.stem
    FROM query_word AS q JOIN search_word_form AS f ON f.word_form = q.word
),
stem_frequency AS (
    SELECT stem, count(DISTINCT explanation_id) AS sections
    FROM explanation_term
    WHERE stem IN (SELECT stem FROM query_stem)
    GROUP BY stem
),
section_hit AS (
    SELECT t.explanation_id, q.word,
           sum(t.occurrences * ln(1 + (SELECT count(*) FROM budget_explanation) / s.sections)) AS score
    FROM explanation_term AS t
    JOIN query_stem AS q ON q.stem = t.stem
    JOIN stem_frequency AS s ON s.stem = t.stem
    GROUP BY ALL
),
line_hit AS (
    SELECT e.document_id, e.line_id, sum(h.score) AS score, count(DISTINCT h.word) AS words,
           string_agg(DISTINCT e.heading_path, ' | ') AS heading_path,
           arg_max(e.text, h.score) AS explanation
    FROM section_hit AS h JOIN budget_explanation AS e USING (explanation_id)
    WHERE e.line_id IS NOT NULL
    GROUP BY e.document_id, e.line_id
),
line_amounts AS (
    SELECT v.document_id, v.line_id,
           list(struct_pack(fiscal_year := v.fiscal_year, column_kind := v.column_kind, amount_thousand_eur := v.amount_thousand_eur)
                ORDER BY v.fiscal_year) AS amounts,
           max(v.amount_thousand_eur) FILTER (WHERE v.fiscal_year = v.budget_year) AS amount_thousand_eur
    FROM budget_vintages AS v
    JOIN (SELECT DISTINCT document_id, line_id FROM line_hit) AS h ON h.document_id = v.document_id AND h.line_id = v.line_id
    GROUP BY v.document_id, v.line_id
)
SELECT
    row_number() OVER (ORDER BY h.score DESC, d.budget_year DESC, l.label, h.document_id)::INTEGER AS rank,
    round(h.score, 3) AS score,
    d.chapter, d.budget_year, d.phase, l.article_code, l.sub_article_code,
    l.label, l.level, l.instrument, l.regeling,
    a.amount_thousand_eur, a.amounts,
    h.heading_path, h.explanation,
    h.document_id, h.line_id, d.source_file
FROM line_hit AS h
JOIN dim_document AS d USING (document_id)
JOIN dim_budget_line AS l USING (line_id)
LEFT JOIN line_amounts AS a ON a.document_id = h.document_id AND a.line_id = h.line_id
WHERE h.words = (SELECT count(*) FROM query_word)
ORDER BY rank;
