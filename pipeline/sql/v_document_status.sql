-- One row per page file of the sources, refused ones included: what loaded, what did not and why.
-- Columns and their comments: pipeline.core.schemas.VDocumentStatus.
--
-- Every page file is in one of three places: dim_document (a page that loaded, wholly or in
-- part), load_rejections (a page refused whole has only its rejection) or load_warnings (a
-- duplicate of another file has only its warning). A duplicate counts none of the tables or
-- figures of the page it repeats (they count once, on the file loaded); it shows the identity of
-- its document when that is loaded from another file (the same page under another name).
CREATE OR REPLACE VIEW v_document_status AS
WITH pages AS (
    SELECT source_file, document_id FROM dim_document
    UNION
    SELECT source_file, any_value(document_id) FROM load_rejections
    WHERE source_file NOT IN (SELECT source_file FROM dim_document) GROUP BY source_file
    UNION
    SELECT source_file, any_value(document_id) FROM load_warnings
    WHERE source_file NOT IN (SELECT source_file FROM dim_document)
      AND source_file NOT IN (SELECT source_file FROM load_rejections)
    GROUP BY source_file
),
tables AS (
    SELECT document_id,
           count(*) FILTER (WHERE status = 'loaded') AS tables_loaded,
           count(*) FILTER (WHERE status = 'kept_as_cells') AS tables_kept_as_cells,
           count(*) FILTER (WHERE status = 'rejected') AS tables_rejected
    FROM dim_table GROUP BY document_id
),
figures AS (
    SELECT document_id, count(*) AS figures_loaded FROM fact_budget_amount GROUP BY document_id
),
warned AS (
    SELECT source_file, list(message ORDER BY field, message) AS warnings,
           bool_or(field = 'duplicate') AS is_duplicate
    FROM load_warnings GROUP BY source_file
),
refused AS (
    SELECT source_file, list(reason ORDER BY source_line NULLS FIRST, reason) AS rejections,
           bool_or(table_id IS NULL AND stage = 'identify') AS page_refused
    FROM load_rejections GROUP BY source_file
),
unloaded_rows AS (
    SELECT c.document_id, list(trim(c.raw_text) ORDER BY t.table_ordinal, c.cell_order) AS unloaded_row_labels
    FROM table_cell AS c
    JOIN dim_table AS t USING (table_id)
    WHERE t.status = 'rejected' AND c.cell_role = 'label'
    GROUP BY c.document_id
)
SELECT
    p.source_file,
    CASE
        WHEN w.is_duplicate AND loaded.document_id IS NULL THEN 'duplicate'
        WHEN loaded.document_id IS NULL OR r.page_refused THEN 'refused'
        WHEN coalesce(t.tables_rejected, 0) > 0 AND coalesce(t.tables_loaded, 0) = 0 THEN 'refused'
        WHEN coalesce(t.tables_rejected, 0) > 0 THEN 'partly_loaded'
        WHEN coalesce(t.tables_loaded, 0) + coalesce(t.tables_kept_as_cells, 0) = 0 THEN 'no_tables'
        ELSE 'loaded'
    END AS status,
    p.document_id,
    d.source_url,
    d.chapter,
    d.budget_year,
    d.phase,
    d.article_code,
    d.article_name,
    coalesce(t.tables_loaded, 0) AS tables_loaded,
    coalesce(t.tables_kept_as_cells, 0) AS tables_kept_as_cells,
    coalesce(t.tables_rejected, 0) AS tables_rejected,
    coalesce(f.figures_loaded, 0) AS figures_loaded,
    CASE WHEN d.document_id IS NULL THEN ['chapter', 'budget_year', 'phase', 'article_code', 'article_name']
         ELSE list_filter(
             [CASE WHEN d.chapter IS NULL THEN 'chapter' END,
              CASE WHEN d.budget_year IS NULL THEN 'budget_year' END,
              CASE WHEN d.phase IS NULL THEN 'phase' END,
              CASE WHEN d.article_code IS NULL THEN 'article_code' END,
              CASE WHEN d.article_name IS NULL THEN 'article_name' END],
             lambda x: x IS NOT NULL)
    END AS missing_metadata,
    coalesce(w.warnings, []::VARCHAR[]) AS warnings,
    coalesce(r.rejections, []::VARCHAR[]) AS rejections,
    coalesce(u.unloaded_row_labels, []::VARCHAR[]) AS unloaded_row_labels
FROM pages AS p
LEFT JOIN dim_document AS d ON d.document_id = p.document_id
LEFT JOIN dim_document AS loaded ON loaded.source_file = p.source_file
LEFT JOIN tables AS t ON t.document_id = loaded.document_id
LEFT JOIN figures AS f ON f.document_id = loaded.document_id
LEFT JOIN warned AS w ON w.source_file = p.source_file
LEFT JOIN refused AS r ON r.source_file = p.source_file
LEFT JOIN unloaded_rows AS u ON u.document_id = loaded.document_id;
