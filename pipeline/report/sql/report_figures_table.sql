-- The rendered documents' figures, filled part by part by report_figures.sql.
CREATE OR REPLACE TEMP TABLE report_figures (batch INTEGER, document_id VARCHAR, line_id VARCHAR, fiscal_year INTEGER, amount_thousand_eur BIGINT)
