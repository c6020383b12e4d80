-- The rows and the placed printed columns of budgettaire_tabellen.csv (pipeline.store.open_data_csv),
-- as two temporary tables: csv_rows (one per document, table and budget line; 'waarvan' breakdowns
-- left out, except the additive ones of a complete split) and csv_columns (each printed column with
-- the CSV column its figures go in: a few per table, where one row per figure held 3.7 M rows at
-- 10,000 pages, and the memory the CSV's query needs).
-- Needs the staging database attached as `staging` (for the rows' printed codes and parents),
-- the relation csv_layout (open_data_csv.layout_frame(): where each printed column goes) and
-- the table csv_chunks(budget_year, phase): the chunks of the file to compute, each the rows of
-- the documents of one budget year and phase (every chunk, or those a small publication changed).
CREATE OR REPLACE TEMP TABLE csv_documents AS
SELECT d.document_id, d.budget_year, d.phase
FROM dim_document AS d
JOIN csv_chunks AS c ON c.budget_year = d.budget_year AND c.phase = d.phase;

CREATE OR REPLACE TEMP TABLE csv_rows AS
WITH children AS (
    SELECT DISTINCT table_id, parent_line_id AS line_id
    FROM staging.stg_budget_line
    WHERE is_additive AND parent_line_id IS NOT NULL AND document_id IN (SELECT document_id FROM csv_documents)
),
unnamed AS (
    -- The latest name (dim_budget_line) of the lines a row prints without one: joining every
    -- row to dim_budget_line cost half of this statement (10,000 generated pages, where every
    -- row has its name: 1.3 -> 0.7 CPU-s).
    SELECT line_id, article_name
    FROM dim_budget_line
    WHERE line_id IN (SELECT line_id FROM staging.stg_budget_line
                      WHERE article_name IS NULL AND document_id IN (SELECT document_id FROM csv_documents))
)
SELECT
    l.document_id, l.table_id, l.row_number, l.measure,
    d.budget_year, d.phase, p.phase_order, p.open_data_code,
    ch.sort_order AS chapter_order,
    l.chapter, ch.chapter_name,
    try_cast(regexp_extract(l.article_code, '^\d+') AS INTEGER) AS article_order,
    l.article_code,
    coalesce(l.article_name, b.article_name) AS article_name,
    l.sub_article_code, l.sub_article_name, l.instrument,
    CASE WHEN l.level IN ('regeling', 'detail') THEN l.printed_code END AS regeling_code,
    CASE WHEN l.level IN ('detail', 'breakdown') THEN coalesce(l.regeling || ' - ', '') || l.label ELSE l.regeling END AS regeling_name,
    c.line_id IS NOT NULL AS has_children
FROM staging.stg_budget_line AS l
JOIN csv_documents AS d USING (document_id)
JOIN dim_phase AS p ON p.phase = d.phase
JOIN dim_table AS t ON t.table_id = l.table_id AND t.status = 'loaded'
LEFT JOIN dim_chapter AS ch ON ch.chapter = l.chapter
LEFT JOIN unnamed AS b ON b.line_id = l.line_id
LEFT JOIN children AS c ON c.table_id = l.table_id AND c.line_id = l.line_id
WHERE l.level <> 'breakdown' OR l.is_additive;

CREATE OR REPLACE TEMP TABLE csv_columns AS
WITH cols AS (
    -- The printed columns of each table, placed relative to the document's year T.
    SELECT DISTINCT f.table_id, f.column_position, f.column_kind, d.phase, d.budget_year,
           (f.fiscal_year - d.budget_year)::INTEGER AS t_offset
    FROM fact_budget_amount AS f
    JOIN csv_documents AS d USING (document_id)
    WHERE f.fiscal_year IS NOT NULL
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY table_id, column_kind, t_offset ORDER BY column_position DESC) AS kind_rank
    FROM cols
),
fed AS (
    -- A mutatie leads to the next level column to its right in the same year.
    SELECT m.table_id, m.column_position,
           arg_min(l.column_kind, l.column_position) AS fed_kind,
           arg_min(l.kind_rank, l.column_position) AS fed_rank
    FROM ranked AS m
    JOIN ranked AS l
      ON l.table_id = m.table_id AND l.t_offset = m.t_offset AND l.column_position > m.column_position
     AND l.column_kind NOT IN ('mutatie', 'verschil')
    WHERE m.column_kind = 'mutatie'
    GROUP BY m.table_id, m.column_position
),
placed AS (
    SELECT r.table_id, r.column_position, r.column_kind, r.phase, r.budget_year, r.t_offset,
           CASE WHEN r.column_kind = 'mutatie' THEN NULL ELSE r.kind_rank END AS kind_rank,
           fed.fed_kind, fed.fed_rank,
           CASE WHEN r.column_kind = 'mutatie' AND count(*) OVER mutations > 1
                THEN row_number() OVER (PARTITION BY r.table_id, r.column_kind, r.t_offset, fed.fed_kind, fed.fed_rank ORDER BY r.column_position)
                ELSE 0 END AS part
    FROM ranked AS r
    LEFT JOIN fed USING (table_id, column_position)
    WINDOW mutations AS (PARTITION BY r.table_id, r.column_kind, r.t_offset, fed.fed_kind, fed.fed_rank)
),
headed AS (
    SELECT p.table_id, p.column_position, p.budget_year, p.phase, s.header_order,
           coalesce(
               s.header,
               p.phase || ' ' || p.column_kind || ' '
                   || CASE WHEN p.t_offset = 0 THEN 'T' WHEN p.t_offset > 0 THEN 'T+' || p.t_offset ELSE 'T' || p.t_offset END
                   || ' #' || coalesce(p.kind_rank, p.part)
           ) AS header
    FROM placed AS p
    LEFT JOIN csv_layout AS s
      ON s.phase = p.phase AND s.column_kind = p.column_kind AND s.t_offset = p.t_offset
     AND s.kind_rank IS NOT DISTINCT FROM p.kind_rank
     AND s.fed_kind IS NOT DISTINCT FROM p.fed_kind
     AND s.fed_rank IS NOT DISTINCT FROM p.fed_rank
     AND s.part = p.part
)
SELECT table_id, column_position, budget_year, phase, header, header_order FROM headed;
