-- Parents whose printed amount differs from the sum of their additive children by more than
-- the rounding tolerance max(1, n/2). A blank or not-available child counts as 0; a group row
-- (printed without values) stands for the sum of its own children, however deeply groups
-- nest; breakdowns never count, except the waarvan rows of a complete split (is_additive: the
-- only children of a group row without values, which stands for their sum).
WITH RECURSIVE f AS (
    SELECT a.table_id, a.line_id, a.column_position, a.amount_thousand_eur AS amount,
           a.value_status, l.parent_line_id, l.is_additive, a.source_line
    FROM fact_budget_amount AS a
    -- The hierarchy as the table prints it, from the rows the new file is made from: a line is
    -- conformed across documents (dim_budget_line keeps its latest parent and is additive only
    -- where every document says so), and another document may hang it elsewhere. Staging's
    -- stg_budget_line, as pipeline.store.checks.violations gives it: the documents checked.
    JOIN stg_budget_line AS l USING (document_id, table_id, row_number, line_id)
),
group_rows AS (
    SELECT table_id, line_id FROM f GROUP BY ALL HAVING bool_and(value_status = 'blank')
),
edges AS (
    SELECT DISTINCT table_id, parent_line_id AS ancestor, line_id AS descendant
    FROM f WHERE is_additive AND parent_line_id IS NOT NULL
),
-- Descendants a group row reaches through group rows only.
reach(table_id, ancestor, descendant) AS (
    SELECT e.table_id, e.ancestor, e.descendant
    FROM edges AS e JOIN group_rows AS g ON g.table_id = e.table_id AND g.line_id = e.ancestor
    UNION ALL
    SELECT r.table_id, r.ancestor, e.descendant
    FROM reach AS r
    JOIN group_rows AS g ON g.table_id = r.table_id AND g.line_id = r.descendant
    JOIN edges AS e ON e.table_id = r.table_id AND e.ancestor = r.descendant
),
group_values AS (
    SELECT r.table_id, r.ancestor AS line_id, f.column_position, sum(coalesce(f.amount, 0)) AS total
    FROM reach AS r
    JOIN f ON f.table_id = r.table_id AND f.line_id = r.descendant
    LEFT JOIN group_rows AS g ON g.table_id = r.table_id AND g.line_id = r.descendant
    WHERE g.line_id IS NULL
    GROUP BY ALL
),
effective AS (
    SELECT f.table_id, f.line_id, f.column_position, f.parent_line_id, f.is_additive,
           CASE WHEN g.line_id IS NULL THEN coalesce(f.amount, 0) ELSE coalesce(v.total, 0) END AS amount
    FROM f
    LEFT JOIN group_rows AS g ON g.table_id = f.table_id AND g.line_id = f.line_id
    LEFT JOIN group_values AS v ON v.table_id = f.table_id AND v.line_id = f.line_id AND v.column_position = f.column_position
),
child_sums AS (
    SELECT table_id, parent_line_id AS line_id, column_position, sum(amount) AS children_sum, count(*) AS n_children
    FROM effective WHERE is_additive AND parent_line_id IS NOT NULL GROUP BY ALL
)
SELECT p.table_id, p.line_id, p.column_position, p.source_line, p.amount AS printed, s.children_sum, s.n_children
FROM f AS p
JOIN child_sums AS s USING (table_id, line_id, column_position)
LEFT JOIN group_rows AS g ON g.table_id = p.table_id AND g.line_id = p.line_id
WHERE g.line_id IS NULL
  AND abs(coalesce(p.amount, 0) - s.children_sum) > greatest(1, s.n_children / 2.0)
ORDER BY p.table_id, p.source_line, p.column_position
