-- search_budget(query): the budget lines whose explanations contain every word of `query`,
-- best first, with the line's label, instrument and amounts. Plain SQL (DuckDB 1.4 and 2.0, no
-- extension): the index is built by the pipeline (pipeline.core.explanations):
-- explanation_term holds the words of each line's explanations with their stems, and the view
-- search_word_form maps every form a query may use, lower case without accents, to those stems
-- ('klokkenluiders' and 'klokkenluider' -> 'klokkenluider'). The query is folded the same way.
-- Score: occurrences x ln(1 + lines / lines with the stem), summed over the query's words.
-- One row per document and line; amounts: the document's figure per fiscal year (as in
-- budget_vintages: levels, never mutaties), amount_thousand_eur: the one for its budget year.
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
indexed AS (
    SELECT count(*) AS lines FROM (SELECT DISTINCT document_id, line_id FROM explanation_term)
),
stem_frequency AS (
    SELECT stem, count(*) AS lines
    FROM (SELECT DISTINCT stem, document_id, line_id FROM explanation_term WHERE stem IN (SELECT stem FROM query_stem))
    GROUP BY stem
),
line_hit AS (
    SELECT t.document_id, t.line_id, count(DISTINCT q.word) AS words,
           sum(t.occurrences * ln(1 + (SELECT lines FROM indexed) / s.lines)) AS score
    FROM explanation_term AS t
    JOIN query_stem AS q ON q.stem = t.stem
    JOIN stem_frequency AS s ON s.stem = t.stem
    GROUP BY t.document_id, t.line_id
),
line_text AS (
    SELECT e.document_id, e.line_id,
           string_agg(e.heading_path, ' | ' ORDER BY e.section_number) AS heading_path,
           string_agg(e.text, chr(10) || chr(10) ORDER BY e.section_number) AS explanation
    FROM budget_explanation AS e
    JOIN line_hit AS h ON h.document_id = e.document_id AND h.line_id = e.line_id
    GROUP BY e.document_id, e.line_id
),
line_amounts AS (
    SELECT v.document_id, v.line_id,
           list(struct_pack(fiscal_year := v.fiscal_year, column_kind := v.column_kind, amount_thousand_eur := v.amount_thousand_eur)
                ORDER BY v.fiscal_year) AS amounts,
           max(v.amount_thousand_eur) FILTER (WHERE v.fiscal_year = v.budget_year) AS amount_thousand_eur
    FROM budget_vintages AS v
    JOIN line_hit AS h ON h.document_id = v.document_id AND h.line_id = v.line_id
    GROUP BY v.document_id, v.line_id
)
SELECT
    row_number() OVER (ORDER BY h.score DESC, d.budget_year DESC, l.label, h.document_id)::INTEGER AS rank,
    round(h.score, 3) AS score,
    d.chapter, d.budget_year, d.phase, l.article_code, l.sub_article_code,
    l.label, l.level, l.instrument, l.regeling,
    a.amount_thousand_eur, a.amounts,
    x.heading_path, x.explanation,
    h.document_id, h.line_id, d.source_file
FROM line_hit AS h
JOIN dim_document AS d USING (document_id)
JOIN dim_budget_line AS l USING (line_id)
LEFT JOIN line_text AS x ON x.document_id = h.document_id AND x.line_id = h.line_id
LEFT JOIN line_amounts AS a ON a.document_id = h.document_id AND a.line_id = h.line_id
WHERE h.words = (SELECT count(*) FROM query_word)
ORDER BY rank;
