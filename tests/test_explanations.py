"""What each line is for (issue 12): the prose of a page split into sections linked to the budget
lines of the same document, per-instrument commitment shares, citations of parliamentary papers,
and a search over the explanations from SQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED, SOURCES
from warehouse_support import build_in_process, query

from pipeline.core import build
from pipeline.core.explanations import similarity
from pipeline.sql import sql_text

# Every instrument and regeling section of "7.1" and "7.2" in the seed that names a line: its
# heading's source line, the heading as printed -> (instrument, label of the line as printed in
# the table, link method). Read off the page by hand.
EXPECTED_LINKS = {
    1151: ("Subsidies (regelingen)", "Subsidies (regelingen)", "Subsidies (regelingen)", "exact"),
    1153: ("Diverse subsidies", "Subsidies (regelingen)", "Diverse subsidies", "exact"),
    1157: ("Overlegstelsel", "Subsidies (regelingen)", "Overlegstelsel", "exact"),
    1161: ("POK Leiderschap, Diversiteit en Inclusie", "Subsidies (regelingen)", "POK - Leiderschap, diversiteit en inclusie", "normalised"),
    1165: ("Ondersteuning koepels implementatie Woo", "Subsidies (regelingen)", "Ondersteuning koepels implementatie Woo", "exact"),
    1169: ("Compensatie Waterschappen Woo (structureel)", "Subsidies (regelingen)", "Compensatie Waterschappen Woo (structureel)", "exact"),
    1173: ("Opdrachten", "Opdrachten", "Opdrachten", "exact"),
    1175: ("Bedrijfsvoeringsbeleid", "Opdrachten", "Bedrijfsvoeringsbeleid", "exact"),
    1197: ("Kwaliteit management Rijksdienst", "Opdrachten", "Kwaliteit Management Rijksdienst", "normalised"),
    1201: ("Werkgeversbeleid", "Opdrachten", "Werkgeversbeleid", "exact"),
    1211: ("Informatiehuishouding", "Opdrachten", "Informatiehuishouding", "exact"),
    1219: ("POK - Ambtelijk Vakmanschap", "Opdrachten", "POK - Ambtelijk Vakmanschap", "exact"),
    1223: ("POK - Leiderschap, diversiteit en inclusie", "Opdrachten", "POK- Leiderschap, diversiteit en inclusie", "normalised"),
    1229: ("POK - Bevorderen veilig werk- en meldklimaat", "Opdrachten", "POK - Bevorderen veilig werk- en meldklimaat", "exact"),
    1233: ("POK - Ondersteuning van melders van misstanden", "Opdrachten", "POK - Ondersteuning van melders van misstanden", "exact"),
    1237: ("Bijdrage aan ZBO's/RWT's", "Bijdrage aan ZBO's/RWT's", "Bijdrage aan ZBO's/RWT's", "exact"),
    1239: ("POK - Ambtelijk Vakmanschap", "Bijdrage aan ZBO's/RWT's", "POK - Ambtelijk Vakmanschap", "exact"),
    1243: ("Werkgeversbeleid", "Bijdrage aan ZBO's/RWT's", "Werkgeversbeleid", "exact"),
    1251: ("POK - Staat van de Uitvoering", "Bijdrage aan ZBO's/RWT's", "POK - Staat van de Uitvoering", "exact"),
    1255: ("Bijdrage aan medeoverheden", "Bijdrage aan medeoverheden", "Bijdrage aan medeoverheden", "exact"),
    1257: ("Compensatie Waterschappen Woo", "Bijdrage aan medeoverheden", "Compensatie Waterschappen Woo (incidenteel)", "fuzzy"),
    1261: ("Bijdrage aan agentschappen", "Bijdrage aan agentschappen", "Bijdrage aan agentschappen", "exact"),
    1263: ("POK – Ambtelijk vakmanschap", "Bijdrage aan agentschappen", "POK - Ambtelijk Vakmanschap", "normalised"),
    1267: ("Organisatie en Personeel Rijk (O&P Rijk) (arbeidsmarkt communicatie)", "Bijdrage aan agentschappen", "O&P Rijk (arbeidsmarkt communicatie)", "fuzzy"),
    1271: ("POK – Leiderschap, Diversiteit en Inclusie", "Bijdrage aan agentschappen", "POK- Leiderschap, diversiteit en inclusie", "normalised"),
    1275: ("Diverse bijdragen", "Bijdrage aan agentschappen", "Diverse bijdragen", "exact"),
    1279: ("KOOP", "Bijdrage aan agentschappen", "KOOP", "exact"),
    1285: ("Bijdrage aan ZBO's/RWT's", "Bijdrage aan ZBO's/RWT's", "Bijdrage aan ZBO's/RWT's", "exact"),
    1287: ("Stichting Administratie Indonesische Pensioenen (SAIP)", "Bijdrage aan ZBO's/RWT's", "Stichting Administratie Indonesische Pensioenen", "fuzzy"),
}
# Topics inside a regeling's text: linked to the regeling above them.
EXPECTED_TOPICS = {
    1177: "Bedrijfsvoeringsbeleid", 1183: "Bedrijfsvoeringsbeleid", 1187: "Bedrijfsvoeringsbeleid",
    1193: "Bedrijfsvoeringsbeleid", 1203: "Werkgeversbeleid", 1207: "Werkgeversbeleid",
}


@pytest.fixture(scope="module")
def seed_page() -> build.ParsedPage:
    return build.parse_source(SEED, (SOURCES / SEED).read_bytes(), None)


def _sections(parsed: build.ParsedPage) -> dict[int, dict]:
    return {s["first_source_line"]: s for s in parsed.result.explanations}


def test_every_instrument_and_regeling_section_of_the_seed_links_to_the_line_it_names(seed_page) -> None:
    lines = {line["line_id"]: line for line in seed_page.result.lines}
    sections = _sections(seed_page)
    found = {}
    for first_line, section in sections.items():
        if first_line in EXPECTED_LINKS:
            line = lines[section["line_id"]]
            found[first_line] = (section["heading"], line["instrument"], line["printed_label"], section["link_method"])
    assert found == EXPECTED_LINKS
    # 7.1 or 7.2 above each: the regeling under two instruments resolved by the instrument heading.
    for first_line in EXPECTED_LINKS:
        code = "7.2" if first_line > 1283 else "7.1"
        assert lines[sections[first_line]["line_id"]]["sub_article_code"] == code
        assert sections[first_line]["heading_path"].startswith(code + " ")


def test_a_heading_in_other_words_than_its_label_is_a_fuzzy_link_with_its_score(seed_page) -> None:
    sections = _sections(seed_page)
    assert sections[1287]["link_score"] == 1.0  # '(SAIP)' left out
    assert all(sections[n]["link_score"] == 1.0 for n in EXPECTED_LINKS if sections[n]["link_method"] != "fuzzy")
    assert similarity("POK - Ondersteuning melders misstanden", "POK - Bevorderen veilig werk- en meldklimaat") < 0.5


def test_topics_inside_a_regeling_link_to_the_regeling_and_keep_their_path(seed_page) -> None:
    lines = {line["line_id"]: line for line in seed_page.result.lines}
    sections = _sections(seed_page)
    for first_line, regeling in EXPECTED_TOPICS.items():
        section = sections[first_line]
        assert section["link_method"] == "topic"
        assert lines[section["line_id"]]["printed_label"] == regeling
        assert lines[section["line_id"]]["instrument"] == "Opdrachten"
    assert sections[1203]["heading_path"] == "7.1 Werkgevers- en bedrijfsvoeringsbeleid > Opdrachten > Werkgeversbeleid > Integriteit"
    assert "agressie- en geweldsvrije werkomgeving" in sections[1207]["text"]


def test_article_and_flexibility_sections_are_kept_unlinked_with_the_reason(seed_page) -> None:
    sections = _sections(seed_page)
    unlinked = {n: s for n, s in sections.items() if s["line_id"] is None}
    assert set(unlinked) == {3, 21, 33, 37, 55, 1131, 1135, 1139, 1145}
    assert all(s["unmatched_reason"] for s in unlinked.values())
    assert sections[1135]["heading_path"] == (
        "3.7 Artikel 7. Werkgevers- en bedrijfsvoeringsbeleid > Geschatte budgetflexibiliteit > Juridisch verplicht > Bijdrage aan ZBO/RWT's")
    assert "flexibility" in sections[1135]["unmatched_reason"]
    # Sections cover the prose, not the tables: nothing between table 25's caption and table 26's last share.
    assert not [n for n in sections if 77 <= n <= 1129]


def test_the_flexibility_prose_gives_a_commitment_share_per_instrument(seed_page) -> None:
    shares = [(c["instrument"], c["printed_instrument"], c["fiscal_year"], c["category"], c["share_pct"], c["source_line"])
              for c in seed_page.result.instrument_commitments]
    assert shares == [
        ("Bijdrage aan ZBO's/RWT's", "Bijdrage aan ZBO/RWT's", 2024, "juridisch verplicht", 56.0, 1137),
        ("Subsidies (regelingen)", "Subsidies (regelingen)", 2024, "juridisch verplicht", 34.0, 1141),
        ("Bijdrage aan agentschappen", "Bijdrage aan agentschappen", 2024, "juridisch verplicht", 66.0, 1147),
    ]


def test_kamerstukken_become_papers_cited_by_their_sections(seed_page) -> None:
    sections = _sections(seed_page)
    cited = [(c["chamber"], c["session_year"], c["dossier_number"], c["paper_number"], c["source_line"])
             for c in seed_page.result.paper_citations]
    assert cited == [
        ("Tweede Kamer", "2021-2022", "26643", 842, 75),
        ("Tweede Kamer", "2022-2023", "26643", 940, 75),
        ("Tweede Kamer", "2020-2021", "29362", 291, 1215),
    ]
    informatiehuishouding = sections[1211]["explanation_id"]
    assert seed_page.result.paper_citations[2]["explanation_id"] == informatiehuishouding


def test_citation_variants() -> None:
    from pipeline.core.explanations import _PAPER_RE, Explanations, _cite

    section = {"document_id": "d", "explanation_id": "e"}
    out = Explanations()
    for text in ("(Kamerstuk 26 643, nr. 842)", "Kamerstukken I 2020–2021, 35570-VII, nr. 3",
                 "Kamerstukken II 2019/20, 31839, nrs. 1 en 2"):
        for match in _PAPER_RE.finditer(text):
            _cite(match, section, 1, out)
    assert [(c["chamber"], c["session_year"], c["dossier_number"], c["paper_number"]) for c in out.citations] == [
        (None, None, "26643", 842),
        ("Eerste Kamer", "2020-2021", "35570-VII", 3),
        ("Tweede Kamer", "2019-2020", "31839", 1),
        ("Tweede Kamer", "2019-2020", "31839", 2),
    ]


def test_the_stemmer_gives_singular_and_plural_one_stem() -> None:
    import duckdb

    con = duckdb.connect()
    macros = sql_text("dutch_stem.sql")
    con.execute(macros)

    def stem(word: str) -> str:
        return con.execute("SELECT dutch_stem(lower(strip_accents(?)))", [word]).fetchone()[0]

    assert stem("klokkenluiders") == stem("klokkenluider") == "klokkenluider"
    assert stem("misstanden") == stem("misstand")
    assert stem("opdrachten") == stem("opdracht")
    assert stem("subsidies") == stem("subsidie")
    assert stem("stukken") == stem("stuk")
    assert stem("mogelijkheden") == "mogelijkheid"
    assert stem("Efficiëntie") == stem("efficientie")
    assert stem("euro") == "euro" and stem("proces") == "proces" and stem("2024") == "2024"


# In the warehouse ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    tmp = tmp_path_factory.mktemp("explained")
    shutil.copytree(SOURCES, tmp / "sources")
    warehouse = tmp / "warehouse" / "budget.duckdb"
    assert build_in_process(tmp / "sources", warehouse) == 0
    return warehouse


def test_search_budget_finds_the_two_lines_about_klokkenluiders_with_their_amounts(bundled_warehouse: Path) -> None:
    rows = query(bundled_warehouse, """
        SELECT label, instrument, budget_year, amount_thousand_eur, [a.amount_thousand_eur FOR a IN amounts]
        FROM search_budget('klokkenluiders') ORDER BY label""")
    assert rows == [
        ("POK - Bevorderen veilig werk- en meldklimaat", "Opdrachten", 2024, 713, [62, 609, 713, 798, 831, 456, 456]),
        ("POK - Ondersteuning van melders van misstanden", "Opdrachten", 2024, 854, [0, 613, 854, 1017, 1883, 9, 9]),
    ]
    # The singular, any case and accents find the same; every word of a query must occur.
    assert [r[0] for r in query(bundled_warehouse, "SELECT label FROM search_budget('Klokkenluider') ORDER BY rank")] == [
        "POK - Ondersteuning van melders van misstanden", "POK - Bevorderen veilig werk- en meldklimaat"]
    assert query(bundled_warehouse, "SELECT label FROM search_budget('klokkenluiders campagne')") == [
        ("POK - Bevorderen veilig werk- en meldklimaat",)]
    assert query(bundled_warehouse, "SELECT * FROM search_budget('zwaluwstaart')") == []


def test_what_does_the_regeling_overlegstelsel_pay_for(bundled_warehouse: Path) -> None:
    rows = query(bundled_warehouse, """
        SELECT l.instrument, e.text FROM budget_explanation e JOIN dim_budget_line l USING (line_id)
        WHERE l.label = 'Overlegstelsel'""")
    assert len(rows) == 1 and rows[0][0] == "Subsidies (regelingen)"
    assert "Centrum voor Arbeidsverhoudingen Overheidspersoneel (CAOP)" in rows[0][1]


def test_the_commitment_shares_join_every_line_of_their_instrument(bundled_warehouse: Path) -> None:
    rows = query(bundled_warehouse, """
        SELECT c.share_pct, l.sub_article_code, l.level, count(*)
        FROM fact_instrument_commitment c
        JOIN stg_lines_of_document l ON l.document_id = c.document_id AND l.instrument = c.instrument
        WHERE c.printed_instrument = 'Bijdrage aan ZBO/RWT''s' AND l.level = 'instrument'
        GROUP BY ALL ORDER BY 2""".replace(
        "stg_lines_of_document", "(SELECT DISTINCT f.document_id, b.* FROM fact_budget_amount f JOIN dim_budget_line b USING (line_id))"))
    assert rows == [(56.0, "7.1", "instrument", 1), (56.0, "7.2", "instrument", 1)]


def test_the_papers_cited_and_the_sections_citing_them(bundled_warehouse: Path) -> None:
    rows = query(bundled_warehouse, """
        SELECT p.reference, e.heading_path
        FROM dim_parliamentary_paper p JOIN parliamentary_paper_citation c USING (paper_id)
        JOIN budget_explanation e USING (explanation_id) ORDER BY c.source_line, p.paper_number""")
    assert rows == [
        ("Kamerstukken II 2021/22, 26643, nr. 842", "3.7 Artikel 7. Werkgevers- en bedrijfsvoeringsbeleid > Uitvoeren"),
        ("Kamerstukken II 2022/23, 26643, nr. 940", "3.7 Artikel 7. Werkgevers- en bedrijfsvoeringsbeleid > Uitvoeren"),
        ("Kamerstukken II 2020/21, 29362, nr. 291", "7.1 Werkgevers- en bedrijfsvoeringsbeleid > Opdrachten > Informatiehuishouding"),
    ]
