"""Incremental publication gives the warehouse and exports a full publication gives.

Each step changes the sources, runs `budget-warehouse build` (which publishes incrementally from
the served warehouse), then publishes the same staging database in full into another folder and
compares every table, view, comment and export file."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import SEED, SOURCES
from warehouse_support import KIESRAAD_OWB_2020, add_made_pages, add_manifest_rows, build_in_process

from pipeline.defs.resources import staging_path_for
from pipeline.report import REPORT_DIR
from pipeline.store import export, publish as publication
from pipeline.store.publish import META, PUBLIC_TABLES, VIEW_FILES, publish

KIESRAAD = "rf_2020_1SUPP_IIB_art9_kiesraad.txt"
KIESRAAD_URL = "https://rijksfinancien.nl/index%2Ephp/memorie-van-toelichting/2020/1SUPP/IIB/onderdeel/399936"


def content(warehouse: Path) -> dict:
    """Every table and view of the analysts' schema: row count and an order-independent hash of
    its rows (every column); and every comment."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        result = {}
        for name in (*PUBLIC_TABLES, *VIEW_FILES):
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index", [name]
            ).fetchall()]
            row = ", ".join(f"coalesce({c}::VARCHAR, '∅')" for c in columns)
            result[name] = (columns, *con.execute(
                f"SELECT count(*), coalesce(md5(string_agg(concat_ws('|', {row}), '\n' ORDER BY concat_ws('|', {row}))), '') FROM {name}"
            ).fetchone())
        result["comments"] = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' ORDER BY ALL"
        ).fetchall() + con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main' UNION ALL "
            "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal ORDER BY ALL"
        ).fetchall()
        return result
    finally:
        con.close()


def exports(warehouse: Path) -> dict:
    """Every export file: the Parquet files' rows (order-independent) and the CSV's bytes."""
    folder = warehouse.parent / export.EXPORT_LINK
    con = duckdb.connect()
    try:
        result = {}
        for path in sorted(folder.rglob("*.parquet")):  # the big tables are folders of files
            rows = con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
            columns = [d[0] for d in con.description]
            result[str(path.relative_to(folder))] = (columns, sorted(map(repr, rows)))
        result[export.CSV_NAME] = hashlib.sha256((folder / export.CSV_NAME).read_bytes()).hexdigest()
        files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        files = [f for f in files if not f.startswith(f"{REPORT_DIR}/")]  # the report asset's, not the publication's
        assert files == sorted(result)  # nothing else in the folder
        return result
    finally:
        con.close()


def mode(warehouse: Path) -> str:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"SELECT value FROM {META}.publication WHERE key = 'mode'").fetchone()[0]
    finally:
        con.close()


def assert_same_as_a_full_publication(warehouse: Path, tmp_path: Path) -> None:
    full = tmp_path / f"full_{len(list(tmp_path.glob('full_*')))}" / "budget.duckdb"
    result = publish(staging_path_for(warehouse), full, incremental=False)
    assert result.mode == "full"
    assert content(warehouse) == content(full)
    assert exports(warehouse) == exports(full)


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    assert build_in_process(sources, warehouse) == 0
    assert mode(warehouse) == "full"
    return sources, warehouse


def build(sources: Path, warehouse: Path, expected_mode: str = "incremental") -> None:
    assert build_in_process(sources, warehouse) == 0
    assert mode(warehouse) == expected_mode


def test_incremental_publication_equals_a_full_one_after_each_kind_of_change(site, tmp_path: Path) -> None:
    sources, warehouse = site
    assert_same_as_a_full_publication(warehouse, tmp_path)

    # A page added (its lines are printed by other documents too: dim_budget_line, vintages).
    add_made_pages(sources, [KIESRAAD_OWB_2020])
    build(sources, warehouse)
    assert_same_as_a_full_publication(warehouse, tmp_path)

    # A page changed: a figure that no longer adds up, so its table moves to load_rejections.
    seed = sources / SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace("\n66.755\n", "\n67.755\n", 1), encoding="utf-8")
    build(sources, warehouse)
    assert_same_as_a_full_publication(warehouse, tmp_path)

    # A page's metadata changed (another budget year): its rows move to another export file and
    # another section of the CSV.
    manifest = sources / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(f"{SEED},,VII,2024,OWB,7", f"{SEED},,VII,2023,OWB,7"), encoding="utf-8")
    build(sources, warehouse)
    assert_same_as_a_full_publication(warehouse, tmp_path)

    # A page removed.
    (sources / "rf_2016_JV_C_provinciefonds_art1.txt").unlink()
    build(sources, warehouse)
    assert_same_as_a_full_publication(warehouse, tmp_path)

    # A second version of a loaded page turns up under another address: both are refused.
    text = (SOURCES / KIESRAAD).read_text(encoding="utf-8").replace("Toelichting", "Toelichting bij de tabel")
    (sources / "kiesraad_v2.txt").write_text(text, encoding="utf-8")
    add_manifest_rows(sources, [f"kiesraad_v2.txt,{KIESRAAD_URL},,,,"])
    build(sources, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        refused = con.execute("SELECT count(*) FROM load_rejections WHERE reason LIKE '%claim the same page%'").fetchone()[0]
    finally:
        con.close()
    assert refused == 2
    assert_same_as_a_full_publication(warehouse, tmp_path)

    # Nothing changed: the same again.
    build(sources, warehouse)
    assert_same_as_a_full_publication(warehouse, tmp_path)


def test_a_large_change_or_a_foreign_warehouse_gets_a_full_build(site, tmp_path: Path, monkeypatch) -> None:
    sources, warehouse = site
    staging = staging_path_for(warehouse)
    # Over the share of changed documents: full.
    monkeypatch.setattr(publication, "MAX_CHANGED_SHARE", 0.0)
    add_made_pages(sources, [KIESRAAD_OWB_2020])
    build(sources, warehouse, expected_mode="full")
    assert_same_as_a_full_publication(warehouse, tmp_path)
    monkeypatch.undo()
    # Made by another version of the publication: full.
    con = duckdb.connect(str(warehouse))
    con.execute(f"UPDATE {META}.publication SET value = 'another' WHERE key = 'fingerprint'")
    con.close()
    assert publish(staging, warehouse).reason.startswith("the served warehouse was made by another version")
    # Written to after its publication: full.
    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM load_warnings")
    con.close()
    assert publish(staging, warehouse).reason == "the served warehouse's tables changed after its publication"
    assert_same_as_a_full_publication(warehouse, tmp_path)
    # The export link points elsewhere (a publication killed between the two swaps): the
    # database goes incremental, every export file is written again.
    link = warehouse.parent / export.EXPORT_LINK
    served_export = link.resolve()
    assert publish(staging, warehouse).mode == "incremental"
    link.unlink()
    link.symlink_to(served_export.relative_to(warehouse.parent))  # the previous set
    result = publish(staging, warehouse)
    assert result.mode == "incremental"
    assert not result.exports_linked and not any((link / name).stat().st_nlink > 1 for name in result.export_counts)
    assert_same_as_a_full_publication(warehouse, tmp_path)


def test_unchanged_export_files_are_hard_links_and_the_csv_is_spliced(site, tmp_path: Path) -> None:
    sources, warehouse = site
    link = warehouse.parent / export.EXPORT_LINK
    before = link.resolve()
    add_manifest_rows(sources, ["empty_page.txt,,VII,2030,OWB,99"])
    (sources / "empty_page.txt").write_text("Een pagina zonder tabellen.\n", encoding="utf-8")
    build(sources, warehouse)
    after = link.resolve()
    assert after != before
    # dim_phase cannot change with a page; table_cell does not change with a page without tables.
    assert (after / "dim_phase.parquet").stat().st_ino == (before / "dim_phase.parquet").stat().st_ino
    assert (after / "dim_document.parquet").stat().st_ino != (before / "dim_document.parquet").stat().st_ino
    # Of a partitioned table, only the partitions a change reaches are written.
    cells = sorted((before / "table_cell").iterdir())
    assert cells and all((after / "table_cell" / p.name).stat().st_ino == p.stat().st_ino for p in cells)
    assert_same_as_a_full_publication(warehouse, tmp_path)
    # Publishing again with nothing changed writes no Parquet file and no year of the CSV.
    again = publish(staging_path_for(warehouse), warehouse)
    assert again.mode == "incremental" and again.changed_units == 0
    assert sorted(again.exports_linked) == sorted(name for name in again.export_counts if name != export.CSV_NAME)
    assert again.csv_sections_written == 0
    assert exports(warehouse) == exports(tmp_path / "full_0" / "budget.duckdb")


def checked_tables(warehouse: Path) -> set[str]:
    from pipeline.sql import sql_text

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(sql_text("check_scope.sql"))
        return {t for (t,) in con.execute("SELECT table_id FROM check_scope").fetchall()}
    finally:
        con.close()


def test_after_an_incremental_publication_the_checks_re_prove_what_it_changed(site) -> None:
    sources, warehouse = site
    con = duckdb.connect(str(warehouse), read_only=True)
    all_tables = {t for (t,) in con.execute("SELECT table_id FROM dim_table").fetchall()}
    con.close()
    assert checked_tables(warehouse) == all_tables  # after a full build: everything

    add_made_pages(sources, [KIESRAAD_OWB_2020])
    build(sources, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        new = {t for (t,) in con.execute(
            "SELECT table_id FROM dim_table WHERE table_id NOT IN (SELECT unnest(?::VARCHAR[]))", [sorted(all_tables)]
        ).fetchall()}
        # The other documents that print the Kiesraad lines (the 1SUPP and 2SUPP pages of the article).
        sharing = {t for (t,) in con.execute(
            "SELECT DISTINCT a.table_id FROM fact_budget_amount AS a WHERE a.line_id IN "
            "(SELECT line_id FROM fact_budget_amount WHERE table_id IN (SELECT unnest(?::VARCHAR[])))", [sorted(new)]
        ).fetchall()}
    finally:
        con.close()
    assert new and checked_tables(warehouse) == new | sharing
    assert checked_tables(warehouse) < all_tables | new
