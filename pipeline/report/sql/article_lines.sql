-- Every article's Uitgaven line: the lines of report_article_figures.sql.
SELECT coalesce(list(line_id ORDER BY line_id), []::VARCHAR[]) FROM dim_budget_line WHERE level = 'article' AND measure = 'uitgaven'
