"""File exports: Parquet per table and view, and budgettaire_tabellen.csv (issue #4, part 5)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import SEED, SOURCES
from warehouse_support import (  # noqa: F401  (analyst_warehouse is a fixture)
    KIESRAAD_1SUPP_2020,
    KIESRAAD_JV_2020,
    KIESRAAD_OWB_2020,
    add_made_pages,
    analyst_warehouse,
    build_in_process,
    query,
)

from pipeline.defs.resources import staging_location
from pipeline.store import checks, export, open_data_csv
from pipeline.store.catalog import TABLE_NAMES
from pipeline.store.open_data_csv import CSV_NAME

CSV_ROWS_SQL = """
    SELECT count(*) FROM (
        SELECT DISTINCT f.table_id, f.row_number
        FROM fact_budget_amount f
        JOIN dim_budget_line l USING (line_id)
        JOIN dim_document d USING (document_id)
        WHERE (l.level <> 'breakdown' OR l.is_additive) AND d.budget_year IS NOT NULL AND d.phase IS NOT NULL
    )
"""


def export_dir(warehouse: Path) -> Path:
    return warehouse.parent / export.EXPORT_LINK


def read_csv_pandas(warehouse: Path) -> pd.DataFrame:
    return pd.read_csv(export_dir(warehouse) / CSV_NAME, sep=";", dtype={"Artikelnummer": str, "Artikelonderdeelnummer": str, "Regelingnummer": str})


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_each_table_is_a_parquet_file_or_folder_with_the_same_rows(analyst_warehouse: Path, name: str) -> None:
    # The big tables are a folder of files, one per partition (export.PARTITIONED).
    if name in export.PARTITIONED:
        path, files = export_dir(analyst_warehouse) / name, str(export_dir(analyst_warehouse) / name / "*.parquet")
        assert path.is_dir() and not (export_dir(analyst_warehouse) / f"{name}.parquet").exists()
    else:
        path = export_dir(analyst_warehouse) / f"{name}.parquet"
        files = str(path)
    con = duckdb.connect(str(analyst_warehouse), read_only=True)
    try:
        expected = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        columns = [c[0] for c in con.execute(f"SELECT * FROM {name} LIMIT 0").description]
        assert con.execute("SELECT count(*) FROM read_parquet(?)", [files]).fetchall()[0][0] == expected
        # The same rows, not only as many.
        assert con.execute(
            f"SELECT count(*) FROM ((SELECT * FROM {name} EXCEPT ALL SELECT * FROM read_parquet(?)) "
            f"UNION ALL (SELECT * FROM read_parquet(?) EXCEPT ALL SELECT * FROM {name}))", [files, files]
        ).fetchall()[0][0] == 0
    finally:
        con.close()
    frame = pd.read_parquet(path)
    assert len(frame) == expected and list(frame.columns) == columns
    assert expected > 0


def test_a_partition_file_holds_the_rows_of_its_year_and_phase_or_chapter(analyst_warehouse: Path) -> None:
    folder = export_dir(analyst_warehouse)
    assert sorted(p.name for p in (folder / "dim_budget_line").iterdir()) == sorted(
        f"{c}.parquet" for (c,) in query(analyst_warehouse, "SELECT DISTINCT chapter FROM dim_budget_line")
    )
    documents = query(analyst_warehouse, "SELECT document_id, budget_year, phase FROM dim_document")
    expected = {f"{y if y is not None else 'none'}_{p or 'none'}.parquet" for _, y, p in documents}
    fact_files = {p.name for p in (folder / "fact_budget_amount").iterdir()}
    assert fact_files <= expected and "2024_OWB.parquet" in fact_files
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT DISTINCT document_id FROM read_parquet(?)", [str(folder / "fact_budget_amount" / "2020_1SUPP.parquet")]
        ).fetchall()
    finally:
        con.close()
    assert rows and all((d, 2020, "1SUPP") in documents for (d,) in rows)


def test_the_csv_opens_in_duckdb_and_pandas_with_one_row_per_document_table_and_line(analyst_warehouse: Path) -> None:
    expected = query(analyst_warehouse, CSV_ROWS_SQL)[0][0]
    frame = read_csv_pandas(analyst_warehouse)
    assert len(frame) == expected > 100
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT count(*) FROM read_csv(?, delim = ';', header = true)", [str(export_dir(analyst_warehouse) / CSV_NAME)]
        ).fetchall()
    finally:
        con.close()
    assert rows == [(expected,)]
    headers = [h for h, _, _ in open_data_csv.CSV_COLUMNS] + [c.header for c in open_data_csv.CSV_AMOUNT_LAYOUT]
    assert list(frame.columns) == headers  # no column outside the layout for these sources
    assert headers[:4] == ["Begrotingsjaar", "Fase", "VUO", "Totaal"]
    assert set(frame["Fase"]) == {"OWB", "1SUPP", "SBS", "2SUPP", "JV"}
    assert set(frame["VUO"]) == {"V", "U", "O"} and set(frame["Totaal"]) == {"J", "N"}


def test_every_printed_number_is_in_the_csv(analyst_warehouse: Path) -> None:
    frame = read_csv_pandas(analyst_warehouse)
    amounts = frame[[c.header for c in open_data_csv.CSV_AMOUNT_LAYOUT]]
    expected_count, expected_sum = query(
        analyst_warehouse,
        """SELECT count(f.amount_thousand_eur), sum(f.amount_thousand_eur) FROM fact_budget_amount f
           JOIN dim_budget_line l USING (line_id) JOIN dim_document d USING (document_id)
           WHERE (l.level <> 'breakdown' OR l.is_additive) AND d.budget_year IS NOT NULL AND d.phase IS NOT NULL""",
    )[0]
    assert int(amounts.notna().sum().sum()) == expected_count
    assert int(amounts.sum().sum()) == expected_sum


def csv_row(frame: pd.DataFrame, fase: str, jaar: int, vuo: str, onderdeel: str) -> dict:
    rows = frame[(frame["Fase"] == fase) & (frame["Begrotingsjaar"] == jaar) & (frame["VUO"] == vuo)
                 & (frame["Artikelonderdeelnummer"] == onderdeel) & (frame["Hoofdstuknummer"] == "IIB")]
    assert len(rows) == 1
    return {k: v for k, v in rows.iloc[0].items() if pd.notna(v)}


def test_each_phase_fills_its_own_amount_columns(analyst_warehouse: Path) -> None:
    frame = read_csv_pandas(analyst_warehouse)
    common = {"VUO": "U", "Totaal": "N", "Hoofdstuknummer": "IIB", "Artikelnummer": "9",
              "Artikelonderdeelnummer": "9.1", "Artikelonderdeelnaam": "Kiesraad",
              "Hoofdstuknaam": "Overige Hoge Colleges van Staat, Kabinetten van de Gouverneurs en de Kiesraad"}
    owb = csv_row(frame, "OWB", 2020, "U", "9.1")
    assert owb == {**common, "Begrotingsjaar": 2020, "Fase": "OWB", "Artikelnaam": "Kiesraad",
                   "Realisatie T-2": 2087, "Stand T-1": 2493, "Ontwerpbegroting T": 2465,
                   "Raming T+1": 2345, "Raming T+2": 2350, "Raming T+3": 2350, "Raming T+4": 2350}
    supp1 = csv_row(frame, "1SUPP", 2020, "U", "9.1")
    assert {k: v for k, v in supp1.items() if k not in common} == {
        "Begrotingsjaar": 2020, "Fase": "1SUPP", "Artikelnaam": "Kiesraad",
        "Ontwerpbegroting T": 2465, "Mutaties NvW T": 0, "Vastgestelde begroting T": 2465,
        "Mutaties 1e suppletoire T": 1523, "Stand 1e suppletoire T": 3988,
        "Mutatie T+1": 2381, "Mutatie T+2": 150, "Mutatie T+3": 0, "Mutatie T+4": 0}
    supp2 = csv_row(frame, "2SUPP", 2019, "U", "9.1")
    assert {k: v for k, v in supp2.items() if k not in common} == {
        "Begrotingsjaar": 2019, "Fase": "2SUPP", "Artikelnaam": "Kiesraad",
        "Vastgestelde begroting T": 2345, "Stand 1e suppletoire T": 2493,
        "Mutaties 2e suppletoire T (deel 1)": 56, "Mutaties 2e suppletoire T (deel 2)": 693,
        "Stand 2e suppletoire T": 3242}
    jv = csv_row(frame, "JV", 2020, "U", "9.1")
    assert {k: v for k, v in jv.items() if k not in common} == {
        "Begrotingsjaar": 2020, "Fase": "JV", "Artikelnaam": "Kiesraad",
        "Realisatie T-4": 1990, "Realisatie T-3": 2080, "Realisatie T-2": 2087, "Realisatie T-1": 3275,
        "Realisatie T": 3900, "Vastgestelde begroting T": 2465, "Verschil T": 1435}
    psupp = frame[frame["Fase"] == "SBS"]
    assert set(psupp["Begrotingsjaar"]) == {2023} and psupp["Stand suppletoire Prinsjesdag T"].notna().all()


def test_the_n_rows_add_up_to_the_article_totals(analyst_warehouse: Path) -> None:
    frame = read_csv_pandas(analyst_warehouse)
    seed = frame[(frame["Fase"] == "OWB") & (frame["Begrotingsjaar"] == 2024) & (frame["Hoofdstuknummer"] == "VII")]
    uitgaven = seed[seed["VUO"] == "U"]
    total = uitgaven[uitgaven["Artikelonderdeelnummer"].isna() & uitgaven["Instrumentnaam"].isna()]
    assert total["Totaal"].tolist() == ["J"] and int(total["Ontwerpbegroting T"].iloc[0]) == 86189
    leaves = uitgaven[uitgaven["Totaal"] == "N"]
    for column in ("Realisatie T-2", "Stand T-1", "Ontwerpbegroting T", "Raming T+4"):
        assert abs(int(leaves[column].sum()) - int(total[column].iloc[0])) <= max(1, len(leaves) // 2)
    regelingen = uitgaven[uitgaven["Instrumentnaam"] == "Subsidies (regelingen)"]
    assert set(regelingen["Regelingnaam"].dropna()) >= {"Overlegstelsel", "Diverse subsidies"}


def test_every_partition_file_has_its_rows_in_the_tables_order(analyst_warehouse: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(analyst_warehouse), read_only=True)
    try:
        for name in export.PARTITIONED:
            counts, _ = export._write_partitioned(con, name, tmp_path)
            assert len(counts) > 1 or name != "dim_budget_line"  # several chapters
            for file in counts:
                value = Path(file).stem
                assert con.execute("SELECT * FROM read_parquet(?)", [str(tmp_path / file)]).fetchall() == \
                    con.execute(f"{export._partition_query(name, value)} ORDER BY rowid").fetchall(), file
    finally:
        con.close()


def test_exports_switch_atomically_and_old_versions_are_cleaned_up(analyst_warehouse: Path, tmp_path: Path) -> None:
    # Build three times from the same sources into a fresh folder.
    warehouse = tmp_path / "budget.duckdb"
    sources = analyst_warehouse.parent.parent / "sources"
    assert build_in_process(sources, warehouse) == 0
    link = warehouse.parent / export.EXPORT_LINK
    assert link.is_symlink()
    first_target = link.resolve()
    first_files = sorted(str(p.relative_to(first_target)) for p in first_target.rglob("*") if p.is_file())
    assert CSV_NAME in first_files and "dim_document.parquet" in first_files
    assert build_in_process(sources, warehouse) == 0
    assert link.resolve() != first_target and first_target.is_dir()  # the previous set stays for one publication
    assert build_in_process(sources, warehouse) == 0
    assert not first_target.exists()
    versions = sorted(p.name for p in (warehouse.parent / export.VERSIONS_DIR).iterdir())
    assert len(versions) == 2
    assert sorted(str(p.relative_to(link.resolve())) for p in link.resolve().rglob("*") if p.is_file()) == first_files
    assert not list(warehouse.parent.glob(".export.*"))
    assert os.readlink(link).startswith(export.VERSIONS_DIR)


def test_a_build_writes_again_only_the_partition_files_whose_rows_changed_and_they_equal_a_fresh_builds(tmp_path: Path) -> None:
    sources, warehouse, fresh = tmp_path / "sources", tmp_path / "kept" / "budget.duckdb", tmp_path / "fresh" / "budget.duckdb"
    shutil.copytree(SOURCES, sources)
    assert build_in_process(sources, warehouse) == 0
    before = export_dir(warehouse).resolve()
    add_made_pages(sources, [KIESRAAD_OWB_2020])  # a new partition, 2020_OWB
    (sources / KIESRAAD_1SUPP_2020).unlink()  # and a changed one, 2020_1SUPP
    assert build_in_process(sources, warehouse) == 0
    assert build_in_process(sources, fresh) == 0
    after, expected = export_dir(warehouse).resolve(), export_dir(fresh).resolve()
    files = sorted(str(p.relative_to(after)) for table in export.PARTITIONED for p in (after / table).iterdir())
    assert files == sorted(str(p.relative_to(expected)) for table in export.PARTITIONED for p in (expected / table).iterdir())
    con = duckdb.connect()
    try:
        def rows(path: Path) -> list[tuple]:  # in file order
            return con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall() if path.exists() else []

        assert all(rows(after / f) == rows(expected / f) for f in files)
        unchanged = {f for f in files if (before / f).exists() and rows(before / f) == rows(after / f)}
    finally:
        con.close()
    linked = {f for f in files if (before / f).exists() and (before / f).stat().st_ino == (after / f).stat().st_ino}
    assert linked == unchanged and "fact_budget_amount/2024_OWB.parquet" in linked
    assert "fact_budget_amount/2020_1SUPP.parquet" not in linked and (before / "fact_budget_amount/2020_1SUPP.parquet").exists()


COMPLETE_SPLIT = "made_2023_PSUPP_IIB_art6_nog_te_verdelen_split.txt"


def test_the_waarvan_rows_of_a_complete_split_are_additive_rows_of_the_csv_and_pass_the_sum_check(tmp_path: Path) -> None:
    """"6.1 Nog te verdelen" prints no values; "waarvan apparaat" 3.840 and "waarvan programma"
    50.384 are its only children and add up to Uitgaven 54.224."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "manifest.csv").write_text("file,source_url,chapter,budget_year,phase,article\n", encoding="utf-8")
    add_made_pages(sources, [COMPLETE_SPLIT])
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    assert build_in_process(sources, warehouse) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # As at publication: the staging database the file is made from is attached (the check
        # reads each table's own hierarchy there).
        con.execute(f"ATTACH '{staging_location('', str(warehouse))}' AS staging (READ_ONLY)")
        parent_sums = next(check for check in checks.SQL_CHECKS if check.sql_file == "check_parent_sums.sql")
        assert checks.violations(con, parent_sums).empty
    finally:
        con.close()
    frame = read_csv_pandas(warehouse)
    uitgaven = frame[frame["VUO"] == "U"]
    leaves = uitgaven[uitgaven["Totaal"] == "N"]
    assert sorted(leaves["Regelingnaam"]) == ["waarvan apparaat", "waarvan programma"]
    assert int(leaves["Stand suppletoire Prinsjesdag T"].sum()) == 54224
    group = uitgaven[uitgaven["Artikelonderdeelnummer"] == "6.1"]
    assert "J" in set(group["Totaal"]) and group[group["Totaal"] == "J"]["Stand suppletoire Prinsjesdag T"].isna().all()


@pytest.mark.parametrize("interleaved", [False, True], ids=["documents-together", "documents-interleaved"])
def test_a_document_partition_file_holds_its_rows_in_the_tables_order(tmp_path: Path, interleaved: bool) -> None:
    # Two documents of 2024 OWB and one of 2024 JV, over several of DuckDB's row groups (scanned
    # by two threads); interleaved, a JV row lies among the OWB rows.
    documents = ["owb-a"] * 150_000 + ["jv"] * 10 + ["owb-b"] * 150_000
    if interleaved:
        documents.insert(75_000, "jv")
    con = duckdb.connect(config={"threads": "2"})
    con.execute("CREATE TABLE dim_document AS SELECT * FROM (VALUES ('owb-a', 2024, 'OWB'), ('owb-b', 2024, 'OWB'), ('jv', 2024, 'JV')) AS d(document_id, budget_year, phase)")
    con.execute("CREATE TABLE budget_explanation AS SELECT unnest($1) AS document_id, generate_subscripts($1, 1) AS position", [documents])
    version = tmp_path / "version"
    version.mkdir()
    counts, _ = export._write_partitioned(con, "budget_explanation", version)
    assert counts == {"budget_explanation/2024_OWB.parquet": 300_000, "budget_explanation/2024_JV.parquet": len(documents) - 300_000}
    for value in ("2024_OWB", "2024_JV"):
        written = con.execute(f"SELECT position FROM read_parquet('{version / 'budget_explanation' / f'{value}.parquet'}')").fetchall()
        phase = value.split("_")[1]
        expected = [(p,) for p, document in enumerate(documents, 1) if (document == "jv") == (phase == "JV")]
        assert written == expected
