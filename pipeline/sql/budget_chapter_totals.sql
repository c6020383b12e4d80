-- Per chapter, budget year, phase, measure and fiscal year: the total over the articles loaded
-- (one page per article), with how many and which articles it covers.
-- Columns and their comments: pipeline.core.schemas.BudgetChapterTotal.
--
-- Each document (article) counts once per measure and year, never its parents and children
-- both: its printed roots (the Uitgaven, Verplichtingen or Ontvangsten total, as budget_vintages
-- picks it) when its summed table prints all of them for the year, else the sum of its leaf
-- figures in v_budget_summable (a total printed without values, or left blank for a year).
CREATE OR REPLACE VIEW budget_chapter_totals AS
WITH leaves AS (
    SELECT document_id, measure, fiscal_year, table_id, sum(amount_thousand_eur) AS leaf_sum
    FROM v_budget_summable
    GROUP BY ALL
),
table_roots AS (
    SELECT DISTINCT f.table_id, f.line_id
    FROM fact_budget_amount AS f JOIN dim_budget_line AS l USING (line_id)
    WHERE l.parent_line_id IS NULL
),
roots AS (
    SELECT s.document_id, s.measure, s.fiscal_year,
           sum(v.amount_thousand_eur) AS root_sum,
           count(v.line_id) = count(*) AS complete
    FROM (SELECT DISTINCT document_id, measure, fiscal_year, table_id FROM leaves) AS s
    JOIN table_roots AS r ON r.table_id = s.table_id
    JOIN dim_budget_line AS l ON l.line_id = r.line_id AND l.measure = s.measure
    LEFT JOIN budget_vintages AS v
      ON v.document_id = s.document_id AND v.line_id = r.line_id AND v.fiscal_year = s.fiscal_year AND v.table_id = s.table_id
    GROUP BY ALL
),
articles AS (
    SELECT d.chapter, d.budget_year, d.phase, x.measure, x.fiscal_year, x.document_id,
           coalesce(d.article_code, '?') AS article,
           CASE WHEN r.complete THEN r.root_sum ELSE x.leaf_sum END AS amount,
           NOT coalesce(r.complete, false) AS from_leaves
    FROM leaves AS x
    JOIN dim_document AS d USING (document_id)
    LEFT JOIN roots AS r USING (document_id, measure, fiscal_year)
)
SELECT
    a.chapter,
    ch.chapter_name,
    a.budget_year,
    a.phase,
    a.measure,
    a.fiscal_year,
    sum(a.amount)::BIGINT AS total_thousand_eur,
    count(*) AS n_articles,
    list(a.article ORDER BY try_cast(regexp_extract(a.article, '^\d+') AS INTEGER) NULLS LAST, a.article) AS articles,
    coalesce(list(a.article ORDER BY try_cast(regexp_extract(a.article, '^\d+') AS INTEGER) NULLS LAST, a.article)
             FILTER (WHERE a.from_leaves), []::VARCHAR[]) AS from_leaves
FROM articles AS a
LEFT JOIN dim_chapter AS ch ON ch.chapter = a.chapter
GROUP BY a.chapter, ch.chapter_name, a.budget_year, a.phase, a.measure, a.fiscal_year;
