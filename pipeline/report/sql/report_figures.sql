-- The figures every part of the report reads (budget_vintages, computed once per report rather
-- than once per query: the view ranks every amount of the warehouse).
CREATE TEMP TABLE report_figures AS
SELECT chapter, article_code, line_id, level, measure, instrument, fiscal_year, vintage_number,
       phase, budget_year, document_id, column_kind, amount_thousand_eur
FROM budget_vintages
