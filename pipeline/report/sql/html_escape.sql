-- html_escape(text): the text as Python's html.escape writes it (& first, then < > " '), done by
-- DuckDB for the report's half a million labels and 400 MB of explanations (10,000 pages).
CREATE OR REPLACE TEMP MACRO html_escape(text) AS
    replace(replace(replace(replace(replace(text, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#x27;')
