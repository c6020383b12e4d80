-- One row per budget line, conformed across documents. A line's attributes come from the
-- latest document that prints it (budget year, then phase in budget-cycle order), so a renamed
-- article shows its current name everywhere.
INSERT INTO dim_budget_line
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
    -- The document order as a number (its rank): each arg_max keeps its key per line, and 12
    -- copies of a long string key per line do not fit a small memory limit at 10,000 pages.
    SELECT *, dense_rank() OVER (ORDER BY doc_order) AS doc_rank
    FROM (
    SELECT
        l.*,
        -- Latest document first: year, then phase order, then id, then the row within the
        -- document (a deterministic tie-break, whichever lines are computed).
        coalesce(d.budget_year, 0) * 100 + coalesce(p.phase_order, 0) AS doc_order_major,
        lpad(doc_order_major::VARCHAR, 8, '0') || l.document_id || '|' || l.table_id || '|' || lpad(l.row_number::VARCHAR, 9, '0') AS doc_order
    FROM staging.stg_budget_line AS l
    JOIN staging.dim_document AS d USING (document_id)
    LEFT JOIN dim_phase AS p ON p.phase = d.phase
    -- Every line in a full build; in a small publication the lines its pages print, printed or
    -- as parents, before and after (pipeline.store.increment.lines_to_compute).
    WHERE l.line_id IN (SELECT line_id FROM lines_to_compute)
    )
)
GROUP BY line_id
-- A stable row order: the same rows make the same file (exports, hard links of unchanged partitions).
ORDER BY line_id;
