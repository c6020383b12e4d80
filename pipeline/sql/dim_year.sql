-- Every year from the earliest to the latest that a document (its budget year) or a figure
-- (its fiscal year) refers to, without gaps, so BI tools can use it as a calendar.
INSERT INTO dim_year
SELECT year, make_date(year, 1, 1) AS first_day, make_date(year, 12, 31) AS last_day
FROM (
    SELECT unnest(range(min(y), max(y) + 1)) AS year
    FROM (
        SELECT budget_year AS y FROM dim_document
        UNION ALL SELECT fiscal_year FROM fact_budget_amount
        UNION ALL SELECT fiscal_year FROM fact_budget_flexibility
    )
    WHERE y IS NOT NULL
    HAVING count(*) > 0
)
ORDER BY year;
