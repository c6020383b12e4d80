"""The small publication (pipeline.store.increment): when few pages changed, the new warehouse is
the served one with those pages' rows replaced, and it is the same warehouse a full build makes:
every table, view, comment and export file (scripts/compare_warehouses.py)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SEED, SOURCES
from warehouse_support import KIESRAAD_OWB_2020, add_made_pages, build_environment, query, write_seed_variant

from pipeline import cli
from pipeline.store import export, increment, open_data_csv

spec = importlib.util.spec_from_file_location("compare_warehouses", ROOT / "scripts" / "compare_warehouses.py")
compare_warehouses = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_warehouses)


def build(sources: Path, warehouse: Path) -> str:
    """Run the build job in this process; returns how the warehouse was published."""
    with build_environment(sources, warehouse):
        result, _run_id = cli._run_build([])
    assert result.success
    build.articles_rendered = cli._metadata_value(result, "budget_report", "articles_rendered")
    return cli._metadata_value(result, "budget_warehouse", "publication")


def assert_same_as_a_full_build(sources: Path, warehouse: Path, tmp_path: Path) -> None:
    full = tmp_path / "full" / "budget.duckdb"
    shutil.rmtree(full.parent, ignore_errors=True)
    assert build(sources, full) == "full"
    expected, actual = compare_warehouses.describe(full), compare_warehouses.describe(warehouse)
    assert [key for key in expected if actual.get(key) != expected[key]] == []
    assert set(actual) == set(expected)


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, Path]:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    assert build(sources, warehouse) == "full"
    return sources, warehouse


def test_pages_added_changed_and_removed_are_published_small_and_equal_a_full_build(served, tmp_path: Path) -> None:
    sources, warehouse = served
    # New documents, one of them restating the seed's lines (their conformed attributes change
    # in the seed's tables too), a page removed, a page changed by its manifest row.
    add_made_pages(sources, [KIESRAAD_OWB_2020])
    write_seed_variant(sources)
    (sources / "rf_2022_MN_bijlage_IIA_staten_generaal_mln.txt").unlink()
    manifest = sources / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(",VII,2024,OWB,7", ",VII,2024,OWB,7b"), encoding="utf-8")
    assert "small: " in build(sources, warehouse)
    # The report renders the articles of the changed pages again, and links the others: the
    # seed's article 7, 7b, the Kiesraad's article 9 and the removed page's (now gone).
    assert build.articles_rendered == 3
    assert query(warehouse, "SELECT count(*) FROM dim_document WHERE article_code = '7b'") == [(1,)]
    assert_same_as_a_full_build(sources, warehouse, tmp_path)


def test_a_second_version_of_a_loaded_page_refuses_both_in_a_small_publication(served, tmp_path: Path) -> None:
    sources, warehouse = served
    text = (sources / SEED).read_text(encoding="utf-8")
    (sources / "seed_again.txt").write_text(text.replace("52.706", "52.707", 1), encoding="utf-8")
    manifest = sources / "manifest.csv"
    row = next(line for line in manifest.read_text(encoding="utf-8").splitlines() if line.startswith(SEED))
    manifest.write_text(manifest.read_text(encoding="utf-8") + row.replace(SEED, "seed_again.txt") + "\n", encoding="utf-8")
    assert "small: " in build(sources, warehouse)
    assert query(warehouse, "SELECT count(*) FROM dim_document WHERE source_file IN (?, 'seed_again.txt')", SEED) == [(0,)]
    assert_same_as_a_full_build(sources, warehouse, tmp_path)


def test_nothing_changed_publishes_an_empty_scope_and_many_changes_a_full_build(served, tmp_path: Path) -> None:
    sources, warehouse = served
    assert build(sources, warehouse) == "small: 0 page file(s) replaced"
    for page in sorted(sources.glob("r*.txt"))[: len(list(sources.glob("*.txt"))) // 2]:
        page.unlink()
    assert build(sources, warehouse) == "full"
    assert_same_as_a_full_build(sources, warehouse, tmp_path)


def test_a_warehouse_made_by_other_code_is_made_again_whole(served, monkeypatch: pytest.MonkeyPatch) -> None:
    sources, warehouse = served
    monkeypatch.setattr(increment, "BUILD_VERSION", "other code")
    assert build(sources, warehouse) == "full"


def _mark_first_row_of_chunk(export: Path, year: int, phase: str) -> None:
    """Overwrite the first digit of the year of one chunk's first row in the served CSV with '9'
    (same length, so its index still fits): the mark shows whether the next CSV took the chunk's
    bytes from it."""
    index = json.loads((export / open_data_csv.CSV_INDEX).read_text(encoding="utf-8"))
    offset = index["header_bytes"]
    for chunk in index["chunks"]:
        if (chunk["budget_year"], chunk["phase"]) == (year, phase):
            break
        offset += chunk["bytes"]
    path = export / open_data_csv.CSV_NAME
    data = bytearray(path.read_bytes())
    assert data[offset:offset + 5] == f"{year};".encode()
    data[offset] = ord("9")
    path.write_bytes(bytes(data))


def _without_mark(csv: bytes, year: int) -> bytes:
    return csv.replace(b"\n9" + str(year)[1:].encode() + b";", b"\n" + str(year).encode() + b";")


def test_a_small_publication_computes_the_csv_chunks_of_the_changed_years_and_phases_and_copies_the_others(served, tmp_path: Path) -> None:
    sources, warehouse = served
    export = warehouse.parent / "export"
    _mark_first_row_of_chunk(export.resolve(), 2024, "OWB")
    add_made_pages(sources, [KIESRAAD_OWB_2020])  # the chunk 2020 OWB
    assert "small: " in build(sources, warehouse)
    csv = (export / open_data_csv.CSV_NAME).read_bytes()
    assert b"\n9024;OWB;" in csv and b"\n2020;OWB;" in csv
    full = tmp_path / "full" / "budget.duckdb"
    assert build(sources, full) == "full"
    assert _without_mark(csv, 2024) == (full.parent / "export" / open_data_csv.CSV_NAME).read_bytes()


def test_a_csv_not_made_from_the_served_warehouse_is_written_whole(served, tmp_path: Path) -> None:
    sources, warehouse = served
    export = warehouse.parent / "export"
    _mark_first_row_of_chunk(export.resolve(), 2024, "OWB")
    index_path = export.resolve() / open_data_csv.CSV_INDEX
    index_path.write_text(index_path.read_text(encoding="utf-8").replace('"made_from": "', '"made_from": "other '), encoding="utf-8")
    add_made_pages(sources, [KIESRAAD_OWB_2020])
    assert "small: " in build(sources, warehouse)
    assert b"\n9024;OWB;" not in (export / open_data_csv.CSV_NAME).read_bytes()
    assert_same_as_a_full_build(sources, warehouse, tmp_path)


def test_partition_files_not_made_from_the_served_warehouse_are_written_again(served, tmp_path: Path) -> None:
    sources, warehouse = served
    before = (warehouse.parent / "export").resolve()
    index_path = before / export.PARTITIONS_INDEX
    index_path.write_text(index_path.read_text(encoding="utf-8").replace('"made_from": "', '"made_from": "other '), encoding="utf-8")
    add_made_pages(sources, [KIESRAAD_OWB_2020])
    assert "small: " in build(sources, warehouse)
    after = (warehouse.parent / "export").resolve()
    files = [p.relative_to(after) for table in export.PARTITIONED for p in (after / table).iterdir()]
    assert files and not [f for f in files if (before / f).exists() and (before / f).stat().st_ino == (after / f).stat().st_ino]
    assert_same_as_a_full_build(sources, warehouse, tmp_path)


def _with_a_column_for_t_plus_5(text: str) -> str:
    """The Kiesraad OWB 2020 page with a column 2025 (T+5: no column of the CSV's layout has it)
    repeating 2024's figures, so every sum still holds."""
    lines, numbers = [], 0
    for line in text.split("\n"):
        lines.append(line)
        if re.fullmatch(r"[\d.]+", line.strip()):
            numbers += 1
            if numbers == 7:
                lines += ["", "2025" if line == "2024" else line]
        elif line.strip():
            numbers = 0
    return "\n".join(lines)


def test_a_small_publication_that_brings_a_csv_column_writes_the_csv_whole(served, tmp_path: Path) -> None:
    sources, warehouse = served
    add_made_pages(sources, [KIESRAAD_OWB_2020])
    assert "small: " in build(sources, warehouse)
    page = sources / KIESRAAD_OWB_2020
    page.write_text(_with_a_column_for_t_plus_5(page.read_text(encoding="utf-8")), encoding="utf-8")
    assert "small: " in build(sources, warehouse)
    header = (warehouse.parent / "export" / open_data_csv.CSV_NAME).read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.endswith(';"OWB raming T+5 #1"')
    assert_same_as_a_full_build(sources, warehouse, tmp_path)


def test_a_renamed_article_is_written_into_the_csv_rows_of_other_years_that_take_its_name(served, tmp_path: Path) -> None:
    sources, warehouse = served
    # The 1SUPP 2018 page of IIA article 10 prints no article name: its CSV rows take the
    # conformed line's, which the 1SUPP 2017 page names.
    page = sources / "rf_2017_1SUPP_IIA_art10_nominaal_onvoorzien.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("10 Nominaal en onvoorzien", "10 Nominaal en onvoorzien herzien"), encoding="utf-8")
    assert "small: " in build(sources, warehouse)
    frame = pd.read_csv(warehouse.parent / "export" / open_data_csv.CSV_NAME, sep=";", dtype=str)
    names = frame.loc[(frame["Begrotingsjaar"] == "2018") & (frame["Fase"] == "1SUPP") & (frame["Hoofdstuknummer"] == "IIA"), "Artikelnaam"]
    assert set(names) == {"Nominaal en onvoorzien herzien"}
    assert_same_as_a_full_build(sources, warehouse, tmp_path)
