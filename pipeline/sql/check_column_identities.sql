-- Rows where a column identity (stand = previous stand + mutaties; verschil = realisatie -
-- begroting) fails by more than the rounding tolerance, among rows where every term is present.
WITH terms AS (
    SELECT i.table_id, i.identity_number, i.target_position, t.row_number, t.line_id, t.source_line,
           t.amount_thousand_eur AS target, i.sign * term.amount_thousand_eur AS signed_term,
           term.amount_thousand_eur IS NOT NULL AS present
    FROM table_column_identity AS i
    JOIN fact_budget_amount AS t
      ON t.table_id = i.table_id AND t.column_position = i.target_position
    JOIN fact_budget_amount AS term
      ON term.table_id = i.table_id AND term.row_number = t.row_number AND term.column_position = i.term_position
)
SELECT table_id, identity_number, row_number, line_id, source_line, target,
       sum(signed_term) AS terms_sum, count(*) AS n_terms
FROM terms
GROUP BY ALL
HAVING bool_and(present) AND target IS NOT NULL
   AND abs(target - sum(signed_term)) > greatest(1, count(*) / 2.0)
ORDER BY table_id, row_number, identity_number
