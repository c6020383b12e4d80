-- figure_preference(fdp_phase, table_kind, column_position, table_id): budget_vintages' order of
-- preference among the candidates for a document's figure of a line and year
-- (pipeline/sql/budget_vintages.sql: the latest phase, then a budget table, then the rightmost
-- column, then the first table), as a value whose least is the preferred candidate: arg_min over
-- it chooses the figure without the view's ranking window, which sorts every amount.
CREATE OR REPLACE TEMP MACRO figure_preference(fdp_phase, table_kind, column_position, table_id) AS
    {'phase': -CASE fdp_phase WHEN 'executed' THEN 4 WHEN 'adjusted' THEN 3 WHEN 'approved' THEN 2 ELSE 1 END,
     'budget': table_kind <> 'budget', 'position': -column_position, 'table_id': table_id}
