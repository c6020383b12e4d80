-- The printed headings of every loaded budget table, made unique within it: the names of the
-- heading columns of v_table_as_printed (pipeline.store.printed_tables makes one column per distinct
-- heading, case aside). A heading printed twice in a table, differing only in case, or named like
-- one of the view's own columns (the marker below lists them) gets ' #2', ' #3' ...
SELECT table_id, column_position,
       CASE WHEN repeat_number > 1 THEN heading || ' #' || repeat_number ELSE heading END AS heading
FROM (
    SELECT table_id, column_position, heading,
           row_number() OVER (PARTITION BY table_id, lower(heading) ORDER BY column_position)
               + CASE WHEN lower(heading) IN (/*fixed columns*/) THEN 1 ELSE 0 END AS repeat_number
    FROM (
        SELECT DISTINCT table_id, column_position,
               coalesce(nullif(trim(column_label), ''), 'column ' || column_position) AS heading
        FROM fact_budget_amount
    )
)
