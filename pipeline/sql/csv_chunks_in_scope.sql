-- The chunks of budgettaire_tabellen.csv a small publication computes again (pipeline.store.open_data_csv),
-- as rows (budget_year, phase): the budget years and phases its documents were in
-- (as served) and are in now, and those of the documents printing, without an article name of
-- their own, a line whose conformed row changed (the CSV takes the article's name from it).
-- Needs the small publication's tables (pipeline.store.increment): scope_served_partitions,
-- scope_documents and changed_lines; and staging attached as `staging`.
SELECT budget_year, phase FROM scope_served_partitions
UNION
SELECT budget_year, phase FROM dim_document WHERE document_id IN (SELECT document_id FROM scope_documents)
UNION
SELECT d.budget_year, d.phase
FROM staging.stg_budget_line AS l
JOIN dim_document AS d USING (document_id)
WHERE l.article_name IS NULL AND l.line_id IN (SELECT line_id FROM changed_lines);
