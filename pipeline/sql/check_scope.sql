-- The tables the asset checks re-prove. After a full publication: every table. After an
-- incremental one: the tables of the documents it replaced, and of every document that prints
-- one of their budget lines (a line's place in the tree is shared by the documents printing it).
-- The other tables are byte for byte those an earlier publication's checks passed.
CREATE OR REPLACE TEMP VIEW check_scope AS
WITH incremental AS (
    SELECT count(*) > 0 AS yes FROM _meta.publication WHERE key = 'mode' AND value = 'incremental'
),
changed_lines AS (
    SELECT DISTINCT u.line_id FROM _meta.unit_line AS u JOIN _meta.changed_unit AS c USING (unit)
)
SELECT table_id FROM dim_table WHERE NOT (SELECT yes FROM incremental)
UNION
SELECT t.table_id FROM dim_table AS t
WHERE (SELECT yes FROM incremental)
  AND ('d:' || t.document_id IN (SELECT unit FROM _meta.changed_unit)
       OR t.table_id IN (SELECT a.table_id FROM fact_budget_amount AS a WHERE a.line_id IN (SELECT line_id FROM changed_lines)))
