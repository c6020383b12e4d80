-- The Uitgaven of every article in every document (report_figures' article lines): the vintages
-- of a batch's articles are read from these few rows (10,000 pages: 30,000 of 1.65 million).
CREATE OR REPLACE TEMP TABLE report_article_figures AS
SELECT *
FROM report_figures
WHERE level = 'article' AND measure = 'uitgaven'
