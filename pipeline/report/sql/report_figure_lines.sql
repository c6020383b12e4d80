-- The budget lines whose figures a report that renders only some articles reads: the lines of
-- the rendered documents (report_lines) and every article's Uitgaven line (the summary chart
-- and the vintages of each rendered article, which other documents state too).
SELECT coalesce(list(DISTINCT line_id ORDER BY line_id), []::VARCHAR[]) FROM (
    SELECT line_id FROM report_lines
    UNION ALL
    SELECT line_id FROM dim_budget_line WHERE level = 'article' AND measure = 'uitgaven'
)
