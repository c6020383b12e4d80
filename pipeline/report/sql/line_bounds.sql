-- Bounds that split the budget lines into parts of at most $per_part lines each, in line_id
-- order: the last line of every part but the last (none: one part).
WITH numbered AS (
    SELECT line_id, row_number() OVER (ORDER BY line_id) AS n, count(*) OVER () AS lines FROM dim_budget_line
)
SELECT coalesce(list(line_id ORDER BY line_id), []::VARCHAR[])
FROM numbered
WHERE n % ceil(lines / ceil(lines / $per_part)) = 0 AND n < lines
