-- The budget lines each document prints figures for (the index's count of lines; a document with none has no row).
SELECT document_id, count(DISTINCT line_id) AS lines FROM fact_budget_amount GROUP BY document_id
