"""The parser against real pages: every expected row of each sidecar, exactly."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import FIXTURES, SEED, SOURCES
from meta import ExpectedRow, expected_parents, is_name_prefix, name_prefix_of, read_meta

from pipeline.core.build import parse_source
from pipeline.core.documents import read_manifest
from pipeline.core.parse import last_text_line, place_rows
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


def assert_placed_as_the_sidecar_says(placed: list[Placed], expected: list[ExpectedRow]) -> None:
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
        if want.level in LEVELS:
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
    assert_placed_as_the_sidecar_says(placed_from_lines(parsed), meta.rows)


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


@pytest.mark.parametrize("meta_name", CUT)
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
