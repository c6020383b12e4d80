"""The parser against real pages: every expected row of each sidecar, exactly."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import FIXTURES, SEED, SOURCES
from meta import ExpectedRow, expected_parents, is_name_prefix, name_prefix_of, read_meta

from pipeline.core.build import parse_source
from pipeline.core.documents import read_manifest
from pipeline.core.columns import interpret_headings
from pipeline.core.parse import last_text_line, place_rows
from pipeline.core.rows import RowError, place_values, split_rows
from pipeline.core.tables import FACT_KINDS, find_tables

META_DIR = FIXTURES / "real"
NEGATIVE = {
    "rb_2007_OWB_XIV_LNV_art28_nominaal_onvoorzien_flattened.meta.txt": "run together",
    "rf_2022_MN_bijlage_IIA_staten_generaal_mln.meta.txt": "decimal comma",
    "rf_2022_MN_bijlage_J_deltafonds_mln_NEGATIVE_PARTIAL.meta.txt": "decimal comma",
}
# Pages whose text ends inside the budget table: the table is refused, its rows still placed.
CUT = sorted(
    p.name for p in META_DIR.glob("*.meta.txt") if "cut inside the table" in read_meta(p).fields.get("completeness", "").lower()
)
OWB_PAGES = [
    "rf_2013_OWB_VII_art13_nominaal_onvoorzien.meta.txt",
    "rf_2016_OWB_IX_art10_nominaal_onvoorzien.meta.txt",
    "rf_2018_OWB_IV_art7_nominaal_onvoorzien.meta.txt",
]
POSITIVE = sorted(p.name for p in META_DIR.glob("*.meta.txt") if p.name not in NEGATIVE and p.name not in CUT)
# The sidecar's levels as the warehouse names them; a "group" row has no level of its own in
# the budget rules (its level follows from where it sits), so only its parent is checked.
LEVELS = {
    "total": ("article", "chapter"),
    "artikelonderdeel": ("sub_article",),
    "instrument": ("instrument",),
    "regeling": ("regeling",),
    "subregeling": ("detail",),
    "waarvan": ("breakdown",),
}


@dataclass
class Placed:
    """A row as the parser placed it: printed code and label, full name, level, amounts, parent."""

    code: str | None
    printed_label: str
    name: str
    level: str
    values: list[int | None]
    parent: int | None  # index into the placed rows of the same table


def parse(page_name: str):
    manifest = read_manifest(SOURCES)
    return parse_source(page_name, (SOURCES / page_name).read_bytes(), manifest.get(page_name))


def loaded_rows(parsed):
    """(code, label, level, [amount per column], line record) for every loaded row, in printed order."""
    amounts: dict[tuple[str, int], dict[int, int | None]] = {}
    for a in parsed.result.amounts:
        amounts.setdefault((a["table_id"], a["row_number"]), {})[a["column_position"]] = a["amount_thousand_eur"]
    rows = []
    for line in parsed.result.lines:
        cells = amounts[(line["table_id"], line["row_number"])]
        rows.append((line["printed_code"], line["printed_label"], line["level"], [cells[k] for k in sorted(cells)], line))
    return rows


def placed_from_lines(parsed) -> list[Placed]:
    rows = loaded_rows(parsed)
    position = {(r[4]["table_id"], r[4]["line_id"]): k for k, r in enumerate(rows)}
    return [
        Placed(code, label, line["label"], level, values, position.get((line["table_id"], line["parent_line_id"])))
        for code, label, level, values, line in rows
    ]


def placed_from_nodes(nodes) -> list[Placed]:
    position = {id(node): k for k, node in enumerate(nodes)}
    return [
        Placed(
            n.row.code,
            n.row.printed_label,
            n.label,
            n.level,
            [c.value.amount for c in n.cells],
            position[id(n.parent)] if n.parent is not None else None,
        )
        for n in nodes
    ]


# Levels a sidecar gives that its page does not prove: "Opdracht Inzet" (no values, heading three
# regelingen) is named like the instrument Opdrachten, but no instrument list names it, so it is
# read as the valueless group heading that the page shows, at the level below the total.
UNPROVEN_LEVELS = {("rf_2016_2SUPP_X_art1_inzet_dashbullets_PARTIAL.txt", "Opdracht Inzet"): "sub_article"}


def assert_placed_as_the_sidecar_says(placed: list[Placed], expected: list[ExpectedRow], page: str = "") -> None:
    """Every expected row, in order: label, code, amounts, level and parent. A name prefix
    ("Rijksbijdrage:") is no row of the tree: the rows after it carry it in their full name."""
    parents = expected_parents(expected)
    rows = [k for k in range(len(expected)) if not is_name_prefix(expected, k)]
    assert [p.printed_label.rstrip(":") for p in placed] == [expected[k].label.rstrip(":") for k in rows]
    index_of = {k: i for i, k in enumerate(rows)}
    for got, k in zip(placed, rows):
        want = expected[k]
        label = want.label
        if want.level != "waarvan":
            assert (got.code or None) == want.code, (label, got.code, want.code)
        if want.values is None:
            assert all(v is None for v in got.values), (label, got.values)
        else:
            assert got.values == want.values, (label, got.values, want.values)
        if (page, label) in UNPROVEN_LEVELS:
            assert got.level == UNPROVEN_LEVELS[(page, label)], (label, got.level)
        elif want.level in LEVELS:
            assert got.level in LEVELS[want.level], (label, got.level, want.level)
        want_parent = parents[k]
        assert got.parent == (index_of[want_parent] if want_parent is not None else None), (label, "parent")
        prefix = name_prefix_of(expected, k)
        if prefix is not None:
            assert got.name == f"{prefix} {label}", (label, got.name)


def assert_matches_meta(meta_name: str) -> None:
    meta = read_meta(META_DIR / meta_name)
    parsed = parse(meta.page)
    assert not parsed.result.rejections, parsed.result.rejections
    assert_placed_as_the_sidecar_says(placed_from_lines(parsed), meta.rows, meta.page)


@pytest.mark.parametrize("meta_name", OWB_PAGES)
def test_owb_pages_load_every_expected_row_exactly(meta_name: str) -> None:
    assert_matches_meta(meta_name)


@pytest.mark.parametrize("meta_name", POSITIVE)
def test_every_complete_real_table_loads_every_expected_row_at_its_level_under_its_parent(meta_name: str) -> None:
    assert_matches_meta(meta_name)


@pytest.mark.parametrize("meta_name", CUT)
def test_a_table_the_text_ends_inside_is_refused_naming_the_line_where_the_text_ends(meta_name: str) -> None:
    meta = read_meta(META_DIR / meta_name)
    parsed = parse(meta.page)
    last = last_text_line((SOURCES / meta.page).read_text(encoding="utf-8"))
    budget = [t for t in parsed.result.tables if t["table_kind"] in FACT_KINDS]
    assert budget[0]["status"] == "rejected"
    assert f"line {last}: the text ends inside the table" in budget[0]["reason"]
    assert not [line for line in parsed.result.lines if line["table_id"] == budget[0]["table_id"]]


# A cut page whose table cannot be placed before the cut either: a row prints fewer values than
# columns with no whitespace line marking where its empty cells are (tested on its own below).
RAGGED = "rf_2019_1SUPP_VIII_art3_voortgezet_onderwijs_ragged_PARTIAL.meta.txt"


@pytest.mark.parametrize("meta_name", [name for name in CUT if name != RAGGED])
def test_the_rows_of_a_table_the_text_ends_inside_are_placed_as_the_sidecar_says(meta_name: str) -> None:
    """The placement before the refusal: the rows before the cut row, each at its level under its
    parent. A last expected row without values (a heading the cut leaves without children) may
    be left out with the cut row: nothing tells what it heads."""
    meta = read_meta(META_DIR / meta_name)
    text = (SOURCES / meta.page).read_text(encoding="utf-8")
    table = next(t for t in find_tables(text)[0] if t.kind in FACT_KINDS)
    placed = place_rows(table, int(meta.fields["begrotingsjaar"]), last_text_line(text), refuse_cut=False)
    assert placed.cut_line == last_text_line(text)
    expected = meta.rows
    if expected[-1].values is None and len(placed.nodes) == len(expected) - 1:
        expected = expected[:-1]
    assert_placed_as_the_sidecar_says(placed_from_nodes(placed.nodes), expected)


def test_a_ragged_row_without_gaps_cannot_be_placed_and_the_rows_around_it_print_the_sidecars_values() -> None:
    """The page wins where the sidecar's reading is not proven by it. "Waarvan
    garantieverplichtingen" prints 5 values for 9 columns and no whitespace line: the sidecar
    infers c1-c5, but more placements than the parser weighs keep the column identities, so the
    row (and the table) cannot be placed. The rows of 9 values print exactly the sidecar's values."""
    meta = read_meta(META_DIR / RAGGED)
    text = (SOURCES / meta.page).read_text(encoding="utf-8")
    table = next(t for t in find_tables(text)[0] if t.kind in FACT_KINDS)
    with pytest.raises(RowError, match=r"^line 48: row 'Waarvan garantieverplichtingen' has too many possible placements of its 5 values$"):
        place_rows(table, int(meta.fields["begrotingsjaar"]), last_text_line(text), refuse_cut=False)
    n_columns = len(meta.rows[0].values)
    _, identities = interpret_headings(table.headings, n_columns, table_year=2019, budget_year=2019)
    before_the_cut = [t for t in table.body if t.line < last_text_line(text)]
    rows = {row.printed_label: row for row in split_rows(before_the_cut, n_columns)}
    assert [label for label in rows][:2] == ["Verplichtingen", "Waarvan garantieverplichtingen"]
    for want in meta.rows:
        row = rows[want.label]
        place_values(row, n_columns, identities)
        assert [[c.value.amount for c in cells] for cells in row.placements] == [want.values], want.label


@pytest.mark.parametrize("meta_name", OWB_PAGES)
def test_owb_levels_follow_the_sidecar(meta_name: str) -> None:
    meta = read_meta(META_DIR / meta_name)
    rows = loaded_rows(parse(meta.page))
    assert [r[2] for r in rows] == [LEVELS[e.level][0] for e in meta.rows]


@pytest.mark.parametrize("meta_name", sorted(NEGATIVE))
def test_negative_pages_are_rejected_with_a_reason_and_load_no_numbers(meta_name: str) -> None:
    meta = read_meta(META_DIR / meta_name)
    parsed = parse(meta.page)
    assert parsed.result.amounts == []
    assert parsed.result.lines == []
    reasons = " ".join(r["reason"] for r in parsed.result.rejections)
    assert NEGATIVE[meta_name] in reasons
    assert meta.page in reasons


def test_seed_has_56_rows_392_amounts_and_its_flexibility():
    parsed = parse(SEED)
    rows = loaded_rows(parsed)
    assert len(rows) == 56
    assert len(parsed.result.amounts) == 392
    levels = [r[2] for r in rows]
    assert levels.count("article") == 3
    assert levels.count("sub_article") == 2
    assert levels.count("instrument") == 8
    assert levels.count("regeling") == 43
    by_label = {(r[1], r[2]): r[3] for r in rows}
    assert by_label[("Opdrachten", "instrument")][3] == 66755
    assert by_label[("Uitgaven", "article")][2] == 86189
    assert by_label[("Werkgevers- en bedrijfsvoeringsbeleid", "sub_article")][0] == 59957
    assert by_label[("Ontvangsten", "article")][0] == 2186
    shares = {f["category"]: f["share_pct"] for f in parsed.result.flexibility}
    assert shares == {
        "juridisch verplicht": 26,
        "bestuurlijk gebonden": 57,
        "beleidsmatig gereserveerd": 13,
        "nog niet ingevuld/vrij te besteden": 4,
    }
    assert {f["fiscal_year"] for f in parsed.result.flexibility} == {2024}


def test_seed_regelingen_sit_under_their_instrument():
    rows = loaded_rows(parse(SEED))
    parents = {r[4]["line_id"]: r for r in rows}
    ontwikkeling = [r for r in rows if r[1] == "Doorontwikkeling Rijksbrede ICT-voorziening"]
    assert [parents[r[4]["parent_line_id"]][1] for r in ontwikkeling] == ["Opdrachten", "Bijdrage aan agentschappen"]
    saip = next(r for r in rows if r[1] == "Stichting Administratie Indonesische Pensioenen")
    instrument = parents[saip[4]["parent_line_id"]]
    assert instrument[1] == "Bijdrage aan ZBO's/RWT's"
    assert parents[instrument[4]["parent_line_id"]][1] == "Pensioenen en uitkeringen"


# ----------------------------------------------------------------------------------------------
# Layouts of real pages outside the fixtures, each on a page that shows it (PSUPP: 3 columns)

_PSUPP_HEAD = """Base description which applies to whole site

Artikel 6 Nationale ombudsman

Budgettaire gevolgen van beleid (bedragen x € 1.000)

Vastgestelde begroting (1)

Mutaties suppletoire begroting Prinsjesdag (2)

Stand suppletoire begroting Prinsjesdag (3)=(1+2)
"""


def psupp_page(rows: list[tuple[str, list[str] | None]]) -> str:
    """A PSUPP page of one budget table: (label, values or None for a row without values)."""
    lines = [_PSUPP_HEAD]
    for label, values in rows:
        lines.append(label + "\n")
        lines.extend(f"{v}\n" for v in values or ["\u00a0"])
    lines.append("Toelichting\n\nDe mutaties worden hieronder toegelicht.\n\nLicence\n")
    return "\n".join(lines)


def parse_made(text: str):
    from pipeline.core.metadata import ManifestRow

    manifest = ManifestRow(file="made.txt", chapter="IIB", budget_year=2023, phase="PSUPP", article="6")
    return parse_source("made.txt", text.encode("utf-8"), manifest).result


def tree_of(result) -> list[tuple[str, str, str | None, bool]]:
    """(printed label, level, parent's printed label, is_additive) per loaded line."""
    by_id = {line["line_id"]: line for line in result.lines}
    return [
        (line["printed_label"], line["level"], by_id[line["parent_line_id"]]["printed_label"] if line["parent_line_id"] else None, line["is_additive"])
        for line in result.lines
    ]


def test_numbered_labels_under_uitgaven_are_artikelonderdelen_above_their_instruments():
    result = parse_made(psupp_page([
        ("Verplichtingen", ["1.000", "0", "1.000"]),
        ("Uitgaven", ["1.000", "0", "1.000"]),
        ("1. reguliere klachten", ["600", "0", "600"]),
        ("Opdrachten", ["600", "0", "600"]),
        ("2. klachten van lagere overheden", ["400", "0", "400"]),
        ("Subsidies", ["400", "0", "400"]),
        ("Ontvangsten", ["0", "0", "0"]),
    ]))
    assert not result.rejections
    assert tree_of(result)[2:6] == [
        ("reguliere klachten", "sub_article", "Uitgaven", True),
        ("Opdrachten", "instrument", "reguliere klachten", True),
        ("klachten van lagere overheden", "sub_article", "Uitgaven", True),
        ("Subsidies", "instrument", "klachten van lagere overheden", True),
    ]
    assert [line["printed_code"] for line in result.lines[2:6:2]] == ["1.", "2."]


def test_valueless_group_headings_at_two_levels_hold_their_own_rows():
    """"Institutionele inrichting" above "Apparaat" and "Materiële uitgaven", which holds
    "Decoraties" and "Riddertoelagen": an instrument name printed without values heads rows."""
    result = parse_made(psupp_page([
        ("Verplichtingen", ["1.000", "0", "1.000"]),
        ("Uitgaven", ["1.000", "0", "1.000"]),
        ("Institutionele inrichting", None),
        ("Apparaat", ["600", "0", "600"]),
        ("Materiële uitgaven", None),
        ("Decoraties", ["300", "0", "300"]),
        ("Riddertoelagen", ["100", "0", "100"]),
        ("Ontvangsten", ["0", "0", "0"]),
    ]))
    assert not result.rejections
    parents = {label: parent for label, _, parent, _ in tree_of(result)}
    assert parents["Institutionele inrichting"] == "Uitgaven"
    assert parents["Apparaat"] == parents["Materiële uitgaven"] == "Institutionele inrichting"
    assert parents["Decoraties"] == parents["Riddertoelagen"] == "Materiële uitgaven"


def test_waarvan_rows_that_split_a_row_without_values_add_up_into_its_parent():
    result = parse_made(psupp_page([
        ("Verplichtingen", ["54.224", "0", "54.224"]),
        ("Uitgaven", ["54.224", "0", "54.224"]),
        ("Nog te verdelen", None),
        ("waarvan apparaat", ["3.840", "0", "3.840"]),
        ("waarvan programma", ["50.384", "0", "50.384"]),
        ("Ontvangsten", ["0", "0", "0"]),
    ]))
    assert not result.rejections
    assert tree_of(result)[2:5] == [
        ("Nog te verdelen", "sub_article", "Uitgaven", True),
        ("waarvan apparaat", "breakdown", "Nog te verdelen", True),
        ("waarvan programma", "breakdown", "Nog te verdelen", True),
    ]
    group = [a for a in result.amounts if a["printed_label"] == "Nog te verdelen"]
    assert [(a["amount_thousand_eur"], a["value_status"]) for a in group] == [(None, "blank")] * 3


def test_waarvan_rows_after_a_row_with_values_stay_breakdowns_that_no_sum_counts():
    result = parse_made(psupp_page([
        ("Verplichtingen", ["1.000", "0", "1.000"]),
        ("Waarvan garantieverplichtingen", ["0", "0", "0"]),
        ("Waarvan overige verplichtingen", ["1.000", "0", "1.000"]),
        ("Uitgaven", ["1.000", "0", "1.000"]),
        ("Kiesraad", ["1.000", "0", "1.000"]),
        ("waarvan apparaat", ["400", "0", "400"]),
        ("Ontvangsten", ["0", "0", "0"]),
    ]))
    assert not result.rejections
    assert tree_of(result)[:3] == [
        ("Verplichtingen", "article", None, True),
        ("Waarvan garantieverplichtingen", "breakdown", "Verplichtingen", False),
        ("Waarvan overige verplichtingen", "breakdown", "Verplichtingen", False),
    ]
    assert tree_of(result)[5] == ("waarvan apparaat", "breakdown", "Kiesraad", False)


def test_a_prefix_row_names_the_regelingen_that_continue_it():
    """"Rijksbijdrage:" then lower-case labels: regelingen of the instrument above, named in full;
    the prefix row is a cell, not a line."""
    parsed = parse("rf_2019_1SUPP_XV_art12_rijksbijdragen_labelcontinuation_PARTIAL.txt")
    lines = {line["printed_label"]: line for line in parsed.result.lines}
    aow = lines["in kosten heffingskortingen AOW"]
    assert aow["label"] == "Rijksbijdrage in kosten heffingskortingen AOW"
    assert aow["level"] == "regeling" and aow["regeling"] == "Rijksbijdrage in kosten heffingskortingen AOW"
    assert aow["parent_line_id"] == lines["Bijdrage aan sociale fondsen"]["line_id"]
    assert "Rijksbijdrage:" not in lines
    assert any(c["raw_text"] == "Rijksbijdrage:" and c["row_number"] is None for c in parsed.result.cells)


def test_a_totals_name_repeated_without_values_is_a_heading_in_its_section():
    parsed = parse("rf_2024_1SUPP_XV_art10_tegemoetkoming_ouders_tplus5_PARTIAL.txt")
    tree = tree_of(parsed.result)
    assert tree[-2:] == [("Ontvangsten", "sub_article", "Ontvangsten", True), ("Terugontvangsten", "regeling", "Ontvangsten", True)]
    result = parse_made(psupp_page([
        ("Verplichtingen", ["10", "0", "10"]),
        ("Uitgaven", ["10", "0", "10"]),
        ("Ontvangsten", ["5", "0", "5"]),
        ("Verplichtingen", ["10", "0", "10"]),
    ]))
    assert "a second 'Verplichtingen' row in one table" in result.rejections[0]["reason"]


def test_a_code_cell_before_a_valueless_onderdeel_named_like_a_caption_stays_in_the_table():
    parsed = parse("rf_2023_JV_VI_art91_apparaat_kerndepartement_waarvan_PARTIAL.txt")
    lines = {line["printed_label"]: line for line in parsed.result.lines}
    onderdeel = lines["Apparaatsuitgaven Kerndepartement"]
    assert (onderdeel["printed_code"], onderdeel["level"]) == ("91.1", "sub_article")
    assert lines["Apparaatsuitgaven"]["measure"] == "uitgaven" and lines["Apparaatsuitgaven"]["level"] == "article"


def test_the_structural_check_refuses_an_instrument_below_an_instrument_and_a_figure_as_a_label():
    from pipeline.core.hierarchy import HierarchyError, Node, check_structure
    from pipeline.core.rows import Row

    def node(index: int, label: str, level: str, parent: Node | None) -> Node:
        return Node(Row(index, None, label, 10 * index), "uitgaven", level, parent, [])

    total = node(1, "Uitgaven", "article", None)
    outer = node(2, "Opdrachten", "instrument", total)
    check_structure([total, outer])
    with pytest.raises(HierarchyError, match="line 30: instrument 'Subsidies' would sit under the instrument 'Opdrachten'"):
        check_structure([total, outer, node(3, "Subsidies", "instrument", outer)])
    regeling = node(3, "Kosten", "regeling", outer)
    with pytest.raises(HierarchyError, match="never below an instrument or a regeling"):
        check_structure([total, outer, regeling, node(4, "Leningen", "instrument", regeling)])
    for figure in ("100%", "100,00%", "1.347"):
        with pytest.raises(HierarchyError, match="labelled by a number or a percentage"):
            check_structure([total, node(2, figure, "sub_article", total)])


def test_a_last_row_printed_with_empty_cells_is_a_leaf_with_blank_cells_and_the_prose_heading_after_it_no_line():
    """"– Overige inzet" under Ontvangsten prints a whitespace line for its empty cells and heads
    nothing: a row of the table whose cells are blank, adding nothing to its parent's sum."""
    result = parse_made(psupp_page([
        ("Verplichtingen", ["1.000", "0", "1.000"]),
        ("Uitgaven", ["1.000", "0", "1.000"]),
        ("Opdrachten", ["1.000", "0", "1.000"]),
        ("Ontvangsten", ["500", "0", "500"]),
        ("Ontvangsten uit verkopen", ["500", "0", "500"]),
        ("Overige ontvangsten", None),
    ]))
    assert not result.rejections
    assert tree_of(result)[-1] == ("Overige ontvangsten", "sub_article", "Ontvangsten", True)
    last = result.lines[-1]
    cells = [a for a in result.amounts if a["row_number"] == last["row_number"] and a["table_id"] == last["table_id"]]
    assert cells and all(a["value_status"] == "blank" and a["amount_thousand_eur"] is None for a in cells)
    assert "Toelichting" not in [line["printed_label"] for line in result.lines]
