"""Layouts of column headings, cells and footnote markers that real pages print, one test per class:
each on a real page that shows it and, where the page generator has it as an option, on generated
pages (the round trip and the mutation tests then cover it in combination with the others)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import SEED, SOURCES
from warehouse_support import build_in_process, query

from pipeline.core.build import parse_source
from pipeline.core.columns import Heading, interpret_headings
from pipeline.core.documents import read_manifest
from pipeline.core.tables import find_tables
from pipeline.testing import generator
from pipeline.testing.generator import PageSpec, TableExtras, compare, random_page

DASH_BULLETS = "rf_2016_2SUPP_X_art1_inzet_dashbullets_PARTIAL.txt"
DASH_WAARVAN = "rf_2010_JV_XVII_art1_gezin_inkomen_dash_waarvan_PARTIAL.txt"
FOOTNOTES = "rf_2021_2SUPP_XV_art10_tegemoetkoming_ouders_footnotes_PARTIAL.txt"
HYPHENATED = "rf_2020_1SUPP_VIII_art1_primair_onderwijs_hyphenated_header_PARTIAL.txt"
PERCENT_ROWS = ("rf_2018_1SUPP_C_provinciefonds_art1_splitcode.txt", "rf_2019_1SUPP_XV_art12_rijksbijdragen_labelcontinuation_PARTIAL.txt")


def parse(name: str, text: str | None = None):
    manifest = read_manifest(SOURCES)
    data = text.encode("utf-8") if text is not None else (SOURCES / name).read_bytes()
    return parse_source(name, data, manifest.get(name)).result


def headings(*texts: str) -> list[Heading]:
    return [Heading(text, line) for line, text in enumerate(texts, start=1)]


def generated_pages_round_trip(n: int, *, layout: str | None = None, **extras: bool) -> None:
    """n generated pages (one cell per line) with the given layout and table options read back exactly
    (or, for a table built ambiguous or built to be refused, refused)."""
    original = generator.random_extras
    generator.random_extras = lambda rng: TableExtras(**extras)
    try:
        for i in range(n):
            page = random_page(random.Random(f"layouts-{layout}-{sorted(extras)}-{i}"), PageSpec(layout=layout, shape="cell_per_line"))
            outcome = compare(parse_source(page.file_name, page.text.encode(), page.manifest).result, page)
            assert outcome.status in ("exact", "ambiguous_rejected", "rejected"), (i, outcome.details)
    finally:
        generator.random_extras = original


# 1. Column headings over two lines


def test_headings_over_two_lines_pair_first_and_second_lines_from_the_left():
    cells = headings(*["Realisatie"] * 5, "Vastgestelde", "Verschil", "2007", "2008", "2009", "2010", "2011", "begroting")
    columns, identities = interpret_headings(cells, 7, table_year=None, budget_year=None)
    assert [(c.kind, c.fiscal_year) for c in columns] == [("realisatie", y) for y in range(2007, 2012)] + [
        ("vastgestelde_begroting", 2011),
        ("verschil", 2011),
    ]
    assert columns[5].label == "Vastgestelde begroting"
    # The reading is proven by the identity it implies: verschil = realisatie 2011 - begroting 2011.
    assert [(i.target, i.terms) for i in identities] == [(7, [(5, 1), (6, -1)])]


def test_generated_pages_with_headings_over_two_lines_read_back_exactly():
    generated_pages_round_trip(25, layout="JV7twoline")


# 2. Formulas name columns by number


def test_a_formula_belongs_to_the_column_it_names_wherever_it_stands():
    cells = headings(
        "Ontwerpbegroting 2020", "Mutaties via NvW", "Vastgestelde begroting 2020", "Mutaties 1e suppletoire begroting",
        "Stand 1e suppletoire begroting", "(3) = (1+2)", "(5)=(3+4)", "Mutatie 2021",
        "(1)", "(2)", "(4)",
    )
    columns, identities = interpret_headings(cells, 6, table_year=2020, budget_year=2020)
    assert [c.marker for c in columns] == [1, 2, 3, 4, 5, None]
    assert {(i.target, tuple(i.terms)) for i in identities} == {(3, ((1, 1), (2, 1))), (5, ((3, 1), (4, 1)))}


def test_generated_pages_with_a_row_of_formulas_after_the_headings_read_back_exactly():
    generated_pages_round_trip(25, layout="1SUPP9formularow")


# 3. Hyphenated heading words


def test_hyphenated_heading_words_are_read_as_one_word():
    table = find_tables((SOURCES / HYPHENATED).read_text(encoding="utf-8"))[0][0]
    columns, _ = interpret_headings(table.headings, 9, table_year=2020, budget_year=2020)
    assert [c.kind for c in columns[:5]] == ["ontwerpbegroting", "mutatie", "vastgestelde_begroting", "mutatie", "stand"]
    assert "Vastge-stelde" in columns[2].label


def test_generated_pages_with_hyphenated_headings_read_back_exactly():
    generated_pages_round_trip(25, hyphenated=True)


# 4. A leading code column


def test_a_code_cell_before_each_label_gives_the_row_its_code():
    result = parse("rf_2023_JV_VI_art91_apparaat_kerndepartement_waarvan_PARTIAL.txt")
    assert not result.rejections, result.rejections
    codes = {line["printed_code"] for line in result.lines}
    assert "91.1" in codes
    assert all(not (line["printed_label"] or "").startswith("91.") for line in result.lines)


def test_generated_pages_with_a_code_column_read_back_exactly():
    shown = 0
    for i in range(80):
        page = random_page(random.Random(f"code-column-{i}"), PageSpec(layout="OWB7", shape="cell_per_line"))
        table = page.tables[0]
        if table.layout.corner is None or not any(node.code for node in table.tree.rows()):
            continue
        outcome = compare(parse_source(page.file_name, page.text.encode(), page.manifest).result, page)
        assert outcome.status in ("exact", "ambiguous_rejected", "rejected"), (i, outcome.details)
        shown += outcome.status == "exact"
    assert shown >= 10


# 5. Dashes: a spaced en dash and a figure dash as minus, dash bullets before labels


def test_dashes_before_digits_are_minus_signs_and_dashes_before_letters_start_labels():
    result = parse(DASH_BULLETS)
    uitgaven = {(a["printed_label"], a["column_position"]): a["amount_thousand_eur"] for a in result.amounts}
    assert uitgaven[("Uitgaven", 2)] == -78288  # "– 78.288"
    assert ("– Crisisbeheersingsoperaties / Verdeelartikel BIV (HGIS)", 2) in uitgaven
    figure_dash = parse(FOOTNOTES)
    amounts = {(a["printed_label"], a["column_position"]): a["amount_thousand_eur"] for a in figure_dash.amounts}
    assert amounts[("Terugontvangsten", 4)] == -28441  # "‒ 28.441"


def test_generated_pages_with_dash_bullets_read_back_exactly():
    generated_pages_round_trip(25, dash_bullets=True)


# 6. Percentage rows


@pytest.mark.parametrize("name", PERCENT_ROWS)
def test_a_percentage_row_is_kept_as_cells_and_is_never_a_line(name: str):
    result = parse(name)
    assert not result.rejections, result.rejections
    assert not any("%" in line["printed_label"] or "juridisch verplicht" in line["printed_label"].lower() for line in result.lines)
    kept = [c["raw_text"] for c in result.cells if c["cell_role"] in ("label", "percentage") and c["row_number"] is None]
    assert any("juridisch verplicht" in text.lower() for text in kept)
    assert any(text.strip().startswith("100") and text.strip().endswith("%") for text in kept)
    assert not any(a["raw_value"].endswith("%") for a in result.amounts)


def test_generated_pages_with_percentage_rows_read_back_exactly():
    generated_pages_round_trip(25, percentage_row=True)


# 7. A footnote cell under the table, footnote markers in headings


def test_the_footnote_under_the_table_is_no_value_and_heading_markers_are_no_part_of_the_heading():
    result = parse(FOOTNOTES)
    assert not result.rejections, result.rejections
    terug = [a for a in result.amounts if a["printed_label"] == "Terugontvangsten"]
    assert [a["amount_thousand_eur"] for a in terug] == [192385, 186476, 7841, -28441, 165876]
    footnote = [c["raw_text"] for c in result.cells if c["cell_role"] == "footnote"]
    assert footnote == ["1", "(incl. ISB, NvW en amendementen)"]
    assert {a["column_kind"] for a in terug} == {"vastgestelde_begroting", "stand", "mutatie"}


def test_generated_pages_with_footnotes_on_headings_read_back_exactly():
    generated_pages_round_trip(25, heading_footnote=True)


# 8. Tables after the budget table


def test_tables_after_the_budget_table_are_kept_as_cells_never_facts_nor_rejections():
    for name, n_after in ((DASH_BULLETS, 2), (DASH_WAARVAN, 2)):
        result = parse(name)
        assert not result.rejections, result.rejections
        budget = [t for t in result.tables if t["table_kind"] == "budget"]
        after = [t for t in result.tables if t["table_kind"] == "other"]
        assert [t["status"] for t in budget] == ["loaded"]
        assert len(after) == n_after and {t["status"] for t in after} == {"kept_as_cells"}
        assert not {a["table_id"] for a in result.amounts} & {t["table_id"] for t in after}
        assert any(c["table_id"] in {t["table_id"] for t in after} for c in result.cells)


def test_generated_pages_with_a_mutation_table_after_the_budget_table_read_back_exactly():
    generated_pages_round_trip(25, table_after=True)


# 9. Footnote markers after an amount


@pytest.mark.parametrize("marked", ["0*", "0 *", "0\u00b9", "0 1)", "0 a)"])
def test_a_footnote_marker_after_an_amount_loads_the_amount_and_keeps_the_marker(marked: str):
    text = (SOURCES / SEED).read_text(encoding="utf-8")
    lines = text.split("\n")
    first_zero = next(i for i, line in enumerate(lines) if line.strip() == "0")
    original = parse(SEED, text)
    lines[first_zero] = marked
    result = parse(SEED, "\n".join(lines))
    assert not result.rejections, result.rejections
    by_cell = lambda r: {(a["line_id"], a["column_position"]): a["amount_thousand_eur"] for a in r.amounts}  # noqa: E731
    assert by_cell(result) == by_cell(original)
    assert [(a["raw_value"], a["footnote_marker"], a["source_line"]) for a in result.amounts if a["footnote_marker"]] == [
        (marked, marked[1:].strip(), first_zero + 1)
    ]


def test_a_footnote_marker_in_a_cell_of_its_own_refuses_the_table_naming_its_line():
    lines = (SOURCES / SEED).read_text(encoding="utf-8").split("\n")
    value_line = next(i for i, line in enumerate(lines) if line.strip() == "1.347")
    lines[value_line + 1 : value_line + 1] = ["*", ""]
    result = parse(SEED, "\n".join(lines))
    assert [r["source_line"] for r in result.rejections] == [value_line + 2]
    assert f"line {value_line + 2}: footnote marker '*'" in result.rejections[0]["reason"]
    assert not result.amounts


def test_generated_pages_with_footnote_markers_after_amounts_read_back_exactly():
    generated_pages_round_trip(25, value_markers=True)


def test_the_footnote_marker_of_an_amount_and_its_footnote_reach_the_warehouse(tmp_path: Path):
    sources = tmp_path / "sources"
    sources.mkdir()
    text = (SOURCES / SEED).read_text(encoding="utf-8")
    budget_table_end = find_tables(text)[0][0].last_line
    lines = text.split("\n")
    value_line = next(i for i, line in enumerate(lines) if line.strip() == "1.347")
    lines[value_line] = "1.347 1)"
    lines[budget_table_end:budget_table_end] = ["", "1) Inclusief de loonbijstelling", ""]
    (sources / SEED).write_text("\n".join(lines), encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    assert build_in_process(sources, warehouse) == 0
    rows = query(warehouse, "SELECT amount_thousand_eur, raw_value, footnote_marker FROM fact_budget_amount WHERE footnote_marker IS NOT NULL")
    assert rows == [(1347, "1.347 1)", "1)")]
    footnotes = query(warehouse, "SELECT marker, footnote_text, source_line FROM table_footnote")
    assert footnotes == [("1)", "Inclusief de loonbijstelling", budget_table_end + 2)]
    assert query(warehouse, "SELECT count(*) FROM load_rejections") == [(0,)]


def test_all_options_together_round_trip():
    generated_pages_round_trip(40, **{name: True for name in TableExtras.__slots__})

