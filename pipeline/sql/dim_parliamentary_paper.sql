-- One row per parliamentary paper (Kamerstuk) the explanations cite, with its usual notation.
-- Columns and their comments: pipeline.core.schemas.DimParliamentaryPaper. The citations (and
-- the sections that make them) are in parliamentary_paper_citation.
CREATE OR REPLACE VIEW dim_parliamentary_paper AS
WITH paper AS (
    SELECT
        paper_id,
        max(chamber) AS chamber,
        max(session_year) AS session_year,
        any_value(dossier_number) AS dossier_number,
        any_value(paper_number) AS paper_number,
        count(DISTINCT explanation_id) AS citing_sections
    FROM parliamentary_paper_citation
    GROUP BY paper_id
)
SELECT
    paper_id, chamber, session_year, dossier_number, paper_number,
    CASE chamber WHEN 'Eerste Kamer' THEN 'Kamerstukken I ' WHEN 'Tweede Kamer' THEN 'Kamerstukken II ' ELSE 'Kamerstuk ' END
        || coalesce(left(session_year, 4) || '/' || right(session_year, 2) || ', ', '')
        || dossier_number || ', nr. ' || paper_number AS reference,
    citing_sections
FROM paper;
