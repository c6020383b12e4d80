-- html_escape(text): the text as Python's html.escape writes it (& first, then < > " '), done by
-- DuckDB for the report's half a million labels and 400 MB of explanations (10,000 pages). A
-- text with none of those characters is itself: looking for them is cheaper than five replaces
-- that copy it (400 MB of explanations: 0.9 -> 0.4 CPU-s).
CREATE OR REPLACE TEMP MACRO html_escape(text) AS
    CASE WHEN contains(text, '&') OR contains(text, '<') OR contains(text, '>') OR contains(text, '"') OR contains(text, '''')
         THEN replace(replace(replace(replace(replace(text, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#x27;')
         ELSE text
    END
