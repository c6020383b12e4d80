"""The right SQL is the easy SQL (issue 13): sums that cannot double count, tables as printed,
a status per page and chapter totals, on the bundled real pages and on generated pages."""

from __future__ import annotations

import csv
import os
import random
import shutil
from pathlib import Path

import pytest
from conftest import SEED, SOURCES
from warehouse_support import analyst_warehouse, build_in_process, query  # noqa: F401  (analyst_warehouse is a fixture)

from pipeline.testing.generator import PageSpec, random_page, realistic_page, tolerance

# Generated pages in the property test; BUDGET_TEST_GENERATED_PAGES=1000 for the full count.
GENERATED_PAGES = int(os.environ.get("BUDGET_TEST_GENERATED_PAGES", "120"))

# Per loaded table, measure and fiscal year: the sum over v_budget_summable, the printed roots of the
# table's tree (the article totals, as budget_vintages picks them) and the number of leaf figures summed.
SUMS_AGAINST_TOTALS = """
WITH summed AS (
    SELECT table_id, measure, fiscal_year, sum(amount_thousand_eur) AS leaf_sum, count(*) AS n
    FROM v_budget_summable GROUP BY ALL
),
roots AS (
    SELECT v.table_id, v.measure, v.fiscal_year, sum(v.amount_thousand_eur) AS total
    FROM budget_vintages AS v JOIN dim_budget_line AS l USING (line_id)
    WHERE l.parent_line_id IS NULL AND v.table_id IN (SELECT table_id FROM summed)
    GROUP BY ALL
)
SELECT d.source_file, r.table_id, r.measure, r.fiscal_year, r.total, coalesce(s.leaf_sum, 0), coalesce(s.n, 0)
FROM roots AS r
JOIN dim_table AS t USING (table_id)
JOIN dim_document AS d USING (document_id)
LEFT JOIN summed AS s USING (table_id, measure, fiscal_year)
ORDER BY ALL
"""


def sums_off_by_more_than_rounding(warehouse: Path) -> tuple[list[tuple], int]:
    rows = query(warehouse, SUMS_AGAINST_TOTALS)
    wrong = [row for row in rows if abs(row[4] - row[5]) > tolerance(row[6])]
    return wrong, len(rows)


# 1. v_budget_summable -----------------------------------------------------------------------------


def test_a_sum_over_the_summable_view_is_the_articles_total_on_the_seed(analyst_warehouse: Path) -> None:
    # fact_budget_amount and budget_vintages add parents, children and every column of a year.
    naive = query(analyst_warehouse, """SELECT sum(amount_thousand_eur) FROM fact_budget_amount f JOIN dim_document d USING (document_id)
                                         WHERE d.source_file = ? AND f.fiscal_year = 2024""", SEED)
    assert naive[0][0] > 86189
    assert query(analyst_warehouse, """SELECT sum(amount_thousand_eur) FROM v_budget_summable
                                        WHERE measure = 'uitgaven' AND fiscal_year = 2024 AND source_file = ?""", SEED) == [(86189,)]
    # Any filter: the artikelonderdelen, and the instruments of one of them.
    assert query(analyst_warehouse, """SELECT sub_article_code, sum(amount_thousand_eur) FROM v_budget_summable
                                        WHERE measure = 'uitgaven' AND fiscal_year = 2024 AND source_file = ? GROUP BY 1 ORDER BY 1""", SEED) == [
        ("7.1", 80551), ("7.2", 5638)]


def test_the_summable_view_holds_leaf_figures_of_budget_vintages_only(analyst_warehouse: Path) -> None:
    assert query(analyst_warehouse, "SELECT DISTINCT column_kind FROM v_budget_summable WHERE column_kind IN ('mutatie', 'verschil')") == []
    assert query(analyst_warehouse, "SELECT count(*) FROM v_budget_summable WHERE level = 'breakdown'") == [(0,)]
    # One figure per line, document and year, and it is budget_vintages' figure.
    assert query(analyst_warehouse, "SELECT line_id, document_id, fiscal_year FROM v_budget_summable GROUP BY ALL HAVING count(*) > 1") == []
    assert query(analyst_warehouse, """SELECT count(*) FROM v_budget_summable s LEFT JOIN budget_vintages v USING (line_id, document_id, fiscal_year)
                                        WHERE v.amount_thousand_eur IS DISTINCT FROM s.amount_thousand_eur""") == [(0,)]
    # No line in the view has a child in the view's rows of its table.
    assert query(analyst_warehouse, """SELECT count(*) FROM v_budget_summable c JOIN dim_budget_line l USING (line_id)
                                        JOIN v_budget_summable p ON p.table_id = c.table_id AND p.line_id = l.parent_line_id""") == [(0,)]
    # dim_budget_line.is_leaf: additive lines no document prints an additive child of.
    assert query(analyst_warehouse, """SELECT count(*) FROM dim_budget_line p WHERE p.is_leaf <> (p.is_additive AND NOT EXISTS (
                                            SELECT 1 FROM dim_budget_line c WHERE c.parent_line_id = p.line_id AND c.is_additive))""") == [(0,)]
    assert query(analyst_warehouse, "SELECT is_leaf FROM dim_budget_line WHERE path = 'VII/7/uitgaven/sub_article:7.2'") == [(False,)]


def test_on_every_loaded_table_of_the_real_pages_the_leaves_add_up_to_the_article_totals(analyst_warehouse: Path) -> None:
    wrong, checked = sums_off_by_more_than_rounding(analyst_warehouse)
    assert checked > 50
    assert wrong == []


@pytest.fixture(scope="module")
def generated_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GENERATED_PAGES random pages of every layout and shape (and a few of the seed's size),
    pages with a second table, and one page copied under a second name, built into a temp warehouse."""
    tmp = tmp_path_factory.mktemp("generated")
    sources = tmp / "sources"
    sources.mkdir()
    pages = [random_page(random.Random(f"summable-{i}")) for i in range(GENERATED_PAGES)]
    pages += [realistic_page(random.Random(f"summable-large-{i}")) for i in range(3)]
    # An apparaat table beside the budget table whose instruments it details: counted once.
    pages += [random_page(random.Random(f"summable-two-tables-{i}"), PageSpec(shape="cell_per_line", extra_tables=1)) for i in range(20)]
    with open(sources / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "source_url", "chapter", "budget_year", "phase", "article"])
        for page in pages:
            (sources / page.file_name).write_bytes(page.text.encode("utf-8"))
            m = page.manifest
            writer.writerow([m.file, m.source_url or "", m.chapter or "", m.budget_year or "", m.phase or "", m.article or ""])
    shutil.copy(sources / pages[0].file_name, sources / "zz_copy_of_the_first_page.txt")
    warehouse = tmp / "warehouse" / "budget.duckdb"
    assert build_in_process(sources, warehouse) == 0
    return warehouse


def test_on_every_loaded_table_of_generated_pages_the_leaves_add_up_to_the_article_totals(generated_warehouse: Path) -> None:
    wrong, checked = sums_off_by_more_than_rounding(generated_warehouse)
    assert checked > GENERATED_PAGES
    assert wrong == []
    # A document with a budget and an apparaat table counts one of them per measure and year.
    assert query(generated_warehouse, """SELECT count(*) FROM (SELECT document_id FROM dim_table WHERE status = 'loaded'
                                          GROUP BY 1 HAVING count(DISTINCT table_kind) FILTER (WHERE table_kind IN ('budget', 'apparaat')) = 2)""")[0][0] > 0
    assert query(generated_warehouse, """SELECT document_id, measure, fiscal_year FROM v_budget_summable
                                          GROUP BY ALL HAVING count(DISTINCT table_id) > 1""") == []


# 2. v_table_as_printed and v_budget_amount ------------------------------------------------------


def test_the_seeds_table_25_reads_as_printed(analyst_warehouse: Path) -> None:
    years = [str(y) for y in range(2022, 2029)]
    rows = query(
        analyst_warehouse,
        f"""SELECT row_number, code, label, level, headings, {', '.join(f'"{y}"' for y in years)}
            FROM v_table_as_printed WHERE source_file = ? AND table_number = '25' ORDER BY row_number""",
        SEED,
    )
    assert len(rows) == 56
    assert [r[0] for r in rows] == list(range(1, 57))
    assert {tuple(r[4]) for r in rows} == {tuple(years)}
    assert rows[1][2:4] == ("Uitgaven", "article") and rows[1][5:] == (66000, 100299, 86189, 92533, 99656, 99252, 98577)
    assert rows[2][1:4] == ("7.1", "Werkgevers- en bedrijfsvoeringsbeleid", "sub_article")
    # Every figure of the table is in its row and column.
    assert query(
        analyst_warehouse,
        """SELECT count(*) FROM v_budget_amount f JOIN v_table_as_printed t USING (table_id, row_number)
           WHERE f.source_file = ? AND f.table_caption LIKE 'Tabel 25%'
             AND f.amount_thousand_eur IS DISTINCT FROM CASE f.column_label """
        + " ".join(f"WHEN '{y}' THEN t.\"{y}\"" for y in years) + " END",
        SEED,
    ) == [(0,)]


def test_every_table_has_one_row_per_printed_row_and_its_own_headings(analyst_warehouse: Path) -> None:
    assert query(analyst_warehouse, """SELECT table_id FROM v_table_as_printed GROUP BY table_id
                                        HAVING count(*) <> count(DISTINCT row_number) OR max(row_number) <> count(*)""") == []
    assert query(analyst_warehouse, """SELECT count(*) FROM (SELECT DISTINCT table_id, headings FROM v_table_as_printed) a
                                        JOIN (SELECT table_id, list(column_label ORDER BY column_position) AS labels
                                              FROM (SELECT DISTINCT table_id, column_position, column_label FROM fact_budget_amount) GROUP BY 1) b
                                        USING (table_id) WHERE len(a.headings) <> len(b.labels)""") == [(0,)]
    headings = query(analyst_warehouse, "SELECT DISTINCT headings FROM v_table_as_printed WHERE source_file = 'rf_2020_1SUPP_IIB_art9_kiesraad.txt'")
    assert headings == [([
        "Ontwerpbegroting 2020 (1)", "Mutaties via NvW, moties, amendementen en ISB (2)", "Vastgestelde begroting 2020 (3)=(1+2)",
        "Mutaties 1e suppletoire begroting (4)", "Stand 1e suppletoire begroting (5)=(3+4)",
        "Mutatie 2021", "Mutatie 2022", "Mutatie 2023", "Mutatie 2024"],)]


def test_a_table_as_printed_copies_to_csv(analyst_warehouse: Path, tmp_path: Path) -> None:
    import duckdb

    target = tmp_path / "table.csv"
    con = duckdb.connect(str(analyst_warehouse), read_only=True)
    try:
        headings = con.execute("SELECT DISTINCT headings FROM v_table_as_printed WHERE source_file = ?", ["rf_2020_1SUPP_IIB_art9_kiesraad.txt"]).fetchone()[0]
        columns = ", ".join('"' + h + '"' for h in headings)
        con.execute(f"""COPY (SELECT code, label, {columns} FROM v_table_as_printed WHERE source_file = 'rf_2020_1SUPP_IIB_art9_kiesraad.txt'
                        ORDER BY row_number) TO '{target}' (HEADER)""")
    finally:
        con.close()
    with open(target, encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["code", "label", *headings]
    assert rows[3][:7] == ["9.1", "Kiesraad", "2465", "0", "2465", "1523", "3988"]


def test_v_budget_amount_has_the_row_its_path_and_its_parent(analyst_warehouse: Path) -> None:
    rows = query(analyst_warehouse, """SELECT DISTINCT row_number, path, parent_line_id IS NULL FROM v_budget_amount
                                        WHERE source_file = ? AND level IN ('article', 'sub_article') AND measure = 'uitgaven' ORDER BY 1""", SEED)
    assert rows == [(2, "VII/7/uitgaven", True), (3, "VII/7/uitgaven/sub_article:7.1", False), (53, "VII/7/uitgaven/sub_article:7.2", False)]


# 3. v_document_status ----------------------------------------------------------------------------


def test_every_page_of_the_sources_has_a_status(analyst_warehouse: Path) -> None:
    statuses = query(analyst_warehouse, """SELECT source_file, status, tables_loaded, tables_rejected, figures_loaded,
                                           missing_metadata, rejections, unloaded_row_labels FROM v_document_status""")
    rows = {r[0]: r[1:] for r in statuses}
    pages = {p.name for p in SOURCES.glob("*.txt")}
    assert len(rows) == len(statuses)  # one row per page file
    assert pages <= set(rows)
    assert rows[SEED][:4] == ("loaded", 2, 0, 392) and rows[SEED][4] == []
    flattened = rows["rb_2007_OWB_XIV_LNV_art28_nominaal_onvoorzien_flattened.txt"]
    assert flattened[:3] == ("refused", 0, 1) and "cells run together" in flattened[5][0] and flattened[6]
    millions = rows["rf_2022_MN_bijlage_IIA_staten_generaal_mln.txt"]
    assert millions[0] == "refused" and {"phase", "article_code"} <= set(millions[4])
    assert "Uitgaven" in millions[6]


def test_a_duplicate_page_is_listed_with_its_own_status(generated_warehouse: Path) -> None:
    rows = query(generated_warehouse, """SELECT status, warnings, tables_loaded, figures_loaded
                                          FROM v_document_status WHERE source_file = 'zz_copy_of_the_first_page.txt'""")
    status, warnings, tables, figures = rows[0]
    assert status == "duplicate" and "repeats" in warnings[0]
    assert tables == figures == 0  # counted once, on the file loaded
    files = query(generated_warehouse, "SELECT count(*) FROM v_document_status")[0][0]
    assert files == GENERATED_PAGES + 3 + 20 + 1


# 4. budget_chapter_totals ------------------------------------------------------------------------


def test_a_chapter_total_adds_each_article_once(analyst_warehouse: Path) -> None:
    rows = query(analyst_warehouse, """SELECT total_thousand_eur, n_articles, articles, from_leaves FROM budget_chapter_totals
                                        WHERE chapter = 'VII' AND budget_year = 2024 AND phase = 'OWB' AND measure = 'uitgaven' AND fiscal_year = 2024""")
    assert rows == [(86189, 1, ["7"], [])]
    # Every chapter total is the sum of its articles' figures: a printed total, else its leaves.
    assert query(analyst_warehouse, """
        WITH per_article AS (
            SELECT d.chapter, d.budget_year, d.phase, s.measure, s.fiscal_year, s.document_id, sum(s.amount_thousand_eur) AS leaves
            FROM v_budget_summable s JOIN dim_document d USING (document_id) GROUP BY ALL)
        SELECT t.chapter, t.fiscal_year FROM budget_chapter_totals t
        JOIN (SELECT chapter, budget_year, phase, measure, fiscal_year, sum(leaves) AS leaves, count(*) AS n FROM per_article GROUP BY ALL) a
          USING (chapter, budget_year, phase, measure, fiscal_year)
        WHERE abs(t.total_thousand_eur - a.leaves) > t.n_articles * 30 OR t.n_articles <> a.n""") == []
