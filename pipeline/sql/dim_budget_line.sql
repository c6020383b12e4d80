-- One row per budget line, conformed across documents. A line's attributes come from the
-- latest document that prints it (budget year, then phase in budget-cycle order), so a renamed
-- article shows its current name everywhere.
-- Computes the lines in the temporary table lines_in_part (pipeline.store.increment.line_parts:
-- every line in a full build, in parts; in a small publication the lines its pages print).
INSERT INTO dim_budget_line
WITH ordered_tables AS (
    -- The document order, per table: year, then phase order, then document id, then table id
    -- (the row within the table breaks the tie below: deterministic, whichever lines are
    -- computed). Ranked per table rather than per line, so each line's rank is a number
    -- (table rank * 10^9 + row): each arg_max keeps its key per line, and a string key, or a
    -- sort of every line by one, does not fit a small memory limit at 10,000 pages.
    SELECT t.document_id, t.table_id,
           dense_rank() OVER (ORDER BY coalesce(d.budget_year, 0) * 100 + coalesce(p.phase_order, 0), t.document_id, t.table_id) AS table_rank
    FROM (SELECT DISTINCT document_id, table_id FROM staging.stg_budget_line WHERE line_id IN (SELECT line_id FROM lines_in_part)) AS t
    JOIN staging.dim_document AS d USING (document_id)
    LEFT JOIN dim_phase AS p ON p.phase = d.phase
)
SELECT
    line_id,
    arg_max(path, doc_rank) AS path,
    arg_max(chapter, doc_rank) AS chapter,
    arg_max(article_code, doc_rank) AS article_code,
    arg_max(article_name, doc_rank) FILTER (WHERE article_name IS NOT NULL) AS article_name,
    arg_max(measure, doc_rank) AS measure,
    arg_max(sub_article_code, doc_rank) AS sub_article_code,
    arg_max(sub_article_name, doc_rank) AS sub_article_name,
    arg_max(instrument, doc_rank) AS instrument,
    arg_max(regeling, doc_rank) AS regeling,
    arg_max(label, doc_rank) AS label,
    arg_max(level, doc_rank) AS level,
    bool_and(is_additive) AS is_additive,
    arg_max(parent_line_id, doc_rank) AS parent_line_id,
    -- A leaf: additive, and no document prints an additive child of it.
    bool_and(is_additive) AND line_id NOT IN (
        SELECT parent_line_id FROM staging.stg_budget_line WHERE is_additive AND parent_line_id IS NOT NULL
    ) AS is_leaf
FROM (
    SELECT l.*, o.table_rank * 1000000000 + l.row_number AS doc_rank
    FROM staging.stg_budget_line AS l
    JOIN ordered_tables AS o USING (document_id, table_id)
    WHERE l.line_id IN (SELECT line_id FROM lines_in_part)
)
GROUP BY line_id
-- A stable row order: the same rows make the same file (exports, hard links of unchanged partitions).
ORDER BY line_id;
