-- Per printed heading (the rows of pipeline/sql/table_headings.sql, in place of the marker below): where it is
-- first printed (table id, then position), the earliest position it is printed at in any table,
-- and the headings printed just before it in some table. pipeline.store.printed_tables orders the
-- heading columns of v_table_as_printed from these: ~600 rows rather than the ~80,000 headings
-- of 10,000 pages.
WITH headings AS (
    /*table headings*/
),
printed AS (
    SELECT table_id, column_position, heading,
           lag(heading) OVER (PARTITION BY table_id ORDER BY column_position) AS printed_after
    FROM headings
)
SELECT heading,
       min(column_position) AS earliest_position,
       coalesce(list(DISTINCT printed_after) FILTER (WHERE printed_after IS NOT NULL), []) AS printed_after
FROM printed
GROUP BY heading
ORDER BY min((table_id, column_position))
