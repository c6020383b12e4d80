"""The parser against real pages: every expected row of each sidecar, exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, SEED, SOURCES
from meta import read_meta

from pipeline.core.build import parse_source
from pipeline.core.documents import read_manifest

META_DIR = FIXTURES / "real"
NEGATIVE = {
    "rb_2007_OWB_XIV_LNV_art28_nominaal_onvoorzien_flattened.meta.txt": "run together",
    "rf_2022_MN_bijlage_IIA_staten_generaal_mln.meta.txt": "decimal comma",
}
OWB_PAGES = [
    "rf_2013_OWB_VII_art13_nominaal_onvoorzien.meta.txt",
    "rf_2016_OWB_IX_art10_nominaal_onvoorzien.meta.txt",
    "rf_2018_OWB_IV_art7_nominaal_onvoorzien.meta.txt",
]
POSITIVE = sorted(p.name for p in META_DIR.glob("*.meta.txt") if p.name not in NEGATIVE)
LEVELS = {"total": "article", "artikelonderdeel": "sub_article", "instrument": "instrument", "regeling": "regeling", "waarvan": "breakdown"}


def parse(page_name: str):
    manifest = read_manifest(SOURCES)
    return parse_source(page_name, (SOURCES / page_name).read_bytes(), manifest.get(page_name))


def loaded_rows(parsed):
    """(code, label, level, [amount per column]) for every loaded row, in printed order."""
    amounts: dict[tuple[str, int], dict[int, int | None]] = {}
    for a in parsed.result.amounts:
        amounts.setdefault((a["table_id"], a["row_number"]), {})[a["column_position"]] = a["amount_thousand_eur"]
    rows = []
    for line in parsed.result.lines:
        cells = amounts[(line["table_id"], line["row_number"])]
        rows.append((line["printed_code"], line["printed_label"], line["level"], [cells[k] for k in sorted(cells)], line))
    return rows


def assert_matches_meta(meta_name: str) -> None:
    meta = read_meta(META_DIR / meta_name)
    parsed = parse(meta.page)
    assert not parsed.result.rejections, parsed.result.rejections
    rows = loaded_rows(parsed)
    assert len(rows) == len(meta.rows), [r[1] for r in rows]
    for (code, label, level, values, _), expected in zip(rows, meta.rows):
        assert label.rstrip(":") == expected.label.rstrip(":"), (label, expected.label)
        if expected.level != "waarvan":
            assert (code or None) == expected.code, (label, code, expected.code)
        if expected.values is None:
            assert all(v is None for v in values), (label, values)
        else:
            assert values == expected.values, (label, values, expected.values)


@pytest.mark.parametrize("meta_name", OWB_PAGES)
def test_owb_pages_load_every_expected_row_exactly(meta_name: str) -> None:
    assert_matches_meta(meta_name)


@pytest.mark.parametrize("meta_name", POSITIVE)
def test_every_positive_real_page_loads_every_expected_row_exactly(meta_name: str) -> None:
    assert_matches_meta(meta_name)


@pytest.mark.parametrize("meta_name", OWB_PAGES)
def test_owb_levels_follow_the_sidecar(meta_name: str) -> None:
    meta = read_meta(META_DIR / meta_name)
    rows = loaded_rows(parse(meta.page))
    assert [r[2] for r in rows] == [LEVELS[e.level] for e in meta.rows]


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
