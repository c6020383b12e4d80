-- Every printed figure with its document and budget line, in readable form.
-- Columns and their comments: pipeline.core.schemas.VBudgetAmount.
CREATE OR REPLACE VIEW v_budget_amount AS
SELECT
    d.chapter,
    d.budget_year,
    d.phase,
    d.article_code,
    d.article_name,
    f.measure,
    l.sub_article_code,
    l.sub_article_name,
    l.instrument,
    l.regeling,
    l.label,
    l.level,
    l.is_additive,
    f.printed_label,
    f.column_position,
    f.column_label,
    f.column_kind,
    f.fdp_phase,
    f.fiscal_year,
    f.amount_thousand_eur,
    f.value_status,
    f.raw_value,
    f.table_kind,
    t.caption AS table_caption,
    d.source_file,
    f.source_line,
    f.document_id,
    f.table_id,
    f.line_id,
    f.row_number,
    l.path,
    l.parent_line_id
FROM fact_budget_amount AS f
JOIN dim_document AS d USING (document_id)
JOIN dim_budget_line AS l USING (line_id)
JOIN dim_table AS t USING (table_id);
