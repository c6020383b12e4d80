-- Every loaded budget table as printed: one row per printed row, in page order (row_number),
-- with its code, label and level and one column per printed heading.
-- Columns and their comments: pipeline.core.schemas.VTableAsPrinted.
--
-- A view has the same columns for every row, so its heading columns are those of all the tables
-- in the warehouse, one per distinct heading (pipeline.store.printed_tables puts them in at
-- publication in place of the marker below, in an order that keeps every table's page order
-- where the tables agree); a table's own are listed, in page order, in `headings`. The figures
-- are the amounts (NULL for a cell without a number; its text is in v_budget_amount.raw_value).
-- The code is the row's code cell, or the code printed in front of the label in the same cell.
CREATE OR REPLACE VIEW v_table_as_printed AS
WITH headings AS (
    /*table headings*/
),
table_headings AS (
    SELECT table_id, list(heading ORDER BY column_position) AS headings FROM headings GROUP BY table_id
),
row_cells AS (
    SELECT table_id, row_number,
           string_agg(trim(raw_text), ' ' ORDER BY cell_order) FILTER (WHERE cell_role = 'code') AS code_cell,
           string_agg(trim(raw_text), ' ' ORDER BY cell_order) FILTER (WHERE cell_role = 'label') AS label_cell
    FROM table_cell
    WHERE row_number IS NOT NULL AND cell_role IN ('code', 'label')
    GROUP BY table_id, row_number
),
cells AS (
    SELECT f.document_id, f.table_id, f.row_number, f.line_id, f.printed_label, lower(h.heading) AS heading_key,
           max(f.amount_thousand_eur) AS amount_thousand_eur
    FROM fact_budget_amount AS f
    JOIN headings AS h USING (table_id, column_position)
    GROUP BY ALL
),
-- One map per printed row, heading (case folded) -> figure: each heading column is a lookup in
-- it (a filtered aggregate per column would read every cell once per heading in the warehouse).
printed_rows AS (
    SELECT document_id, table_id, row_number, line_id, printed_label,
           map_from_entries(list(struct_pack(k := heading_key, v := amount_thousand_eur))) AS amounts
    FROM cells
    GROUP BY ALL
)
SELECT
    d.source_file,
    d.chapter,
    d.budget_year,
    d.phase,
    d.article_code,
    t.table_ordinal,
    t.table_number,
    t.caption AS table_caption,
    c.row_number,
    coalesce(
        r.code_cell,
        CASE WHEN r.label_cell <> c.printed_label AND ends_with(r.label_cell, c.printed_label)
             THEN nullif(trim(left(r.label_cell, length(r.label_cell) - length(c.printed_label))), '') END
    ) AS code,
    c.printed_label AS label,
    l.level,
    th.headings,
    c.document_id,
    c.table_id,
    c.line_id
    /*heading columns*/
FROM printed_rows AS c
JOIN dim_document AS d USING (document_id)
JOIN dim_table AS t USING (table_id)
JOIN dim_budget_line AS l USING (line_id)
JOIN table_headings AS th USING (table_id)
LEFT JOIN row_cells AS r USING (table_id, row_number);
