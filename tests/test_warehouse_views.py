"""The warehouse for analysts: conformed dimensions, the fiscal phase of each figure, the views
analysts ask for, and a comment on everything (issue #4, parts 1-3)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import SEED
from warehouse_support import (  # noqa: F401  (analyst_warehouse is a fixture)
    KIESRAAD_1SUPP_2020,
    KIESRAAD_JV_2020,
    KIESRAAD_OWB_2020,
    RESPELLINGS,
    SEED_VARIANT,
    analyst_warehouse,
    query,
)

from pipeline.core.fdp import FDP_PHASE_BY_KIND, fdp_phase
from pipeline.core.metadata import CHAPTERS, PHASES
from pipeline.core.parse import FLEX_CATEGORIES
from pipeline.core.schemas import TABLE_MODELS, VIEW_MODELS, describe_column, table_description
from pipeline.store.catalog import TABLE_NAMES, VIEW_NAMES

KIESRAAD = "IIB/9/uitgaven/sub_article:9.1"


# 1. Conformed dimensions ----------------------------------------------------------------------


def test_the_chapter_dimension_has_every_chapter_and_fund(analyst_warehouse: Path) -> None:
    rows = query(analyst_warehouse, "SELECT chapter, chapter_name, chapter_kind FROM dim_chapter ORDER BY sort_order")
    codes = [r[0] for r in rows]
    hoofdstukken = ["I", "IIA", "IIB", "III", "IV", "V", "VI", "VII", "VIII", "IXA", "IXB", "X",
                    "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII"]
    assert [c for c in codes if c in hoofdstukken] == hoofdstukken  # in the Rijksbegroting's order
    assert {"A", "B", "C", "F", "H", "J"} <= set(codes)
    assert set(CHAPTERS) <= set(codes)
    kinds = {code: kind for code, _name, kind in rows}
    assert kinds["IXB"] == "begrotingshoofdstuk" and kinds["B"] == "begrotingsfonds"
    assert all(name for _code, name, _kind in rows if _code in CHAPTERS)
    # Every document's chapter joins.
    assert query(analyst_warehouse, "SELECT count(*) FROM dim_document WHERE chapter NOT IN (SELECT chapter FROM dim_chapter)") == [(0,)]


def test_the_phase_dimension_is_in_budget_cycle_order(analyst_warehouse: Path) -> None:
    rows = query(analyst_warehouse, "SELECT phase, phase_order, open_data_code FROM dim_phase ORDER BY phase_order")
    assert [r[0] for r in rows] == list(PHASES) == ["OWB", "1SUPP", "PSUPP", "2SUPP", "JV"]
    assert [r[1] for r in rows] == [1, 2, 3, 4, 5]
    assert dict((r[0], r[2]) for r in rows)["PSUPP"] == "SBS"


def test_the_year_dimension_spans_every_year_without_gaps(analyst_warehouse: Path) -> None:
    years = [r[0] for r in query(analyst_warehouse, "SELECT year FROM dim_year ORDER BY year")]
    low, high = query(
        analyst_warehouse,
        "SELECT min(y), max(y) FROM (SELECT budget_year y FROM dim_document UNION ALL SELECT fiscal_year FROM fact_budget_amount)",
    )[0]
    assert years == list(range(low, high + 1))
    assert query(analyst_warehouse, "SELECT first_day, last_day FROM dim_year WHERE year = 2020")[0] == (
        __import__("datetime").date(2020, 1, 1), __import__("datetime").date(2020, 12, 31))


def test_respelt_labels_key_to_the_same_lines_and_keep_their_printed_label(analyst_warehouse: Path) -> None:
    per_document = query(
        analyst_warehouse,
        """SELECT d.source_file, list(DISTINCT f.line_id ORDER BY f.line_id)
           FROM fact_budget_amount f JOIN dim_document d USING (document_id)
           WHERE d.source_file IN (?, ?) GROUP BY 1""",
        SEED, SEED_VARIANT,
    )
    lines = dict(per_document)
    assert len(lines[SEED]) == 56 and lines[SEED] == lines[SEED_VARIANT]
    printed = query(
        analyst_warehouse,
        """SELECT DISTINCT f.printed_label, l.label, l.level FROM fact_budget_amount f
           JOIN dim_budget_line l USING (line_id) JOIN dim_document d USING (document_id)
           WHERE d.source_file = ?""",
        SEED_VARIANT,
    )
    by_printed = {p: (label, level) for p, label, level in printed}
    # Instrument spelling variants map to one canonical name; the printed label stays on the fact.
    assert by_printed["Subsidies"] == ("Subsidies (regelingen)", "instrument")
    assert by_printed["Opdracht"] == ("Opdrachten", "instrument")
    assert by_printed["Bijdragen aan agentschappen"] == ("Bijdrage aan agentschappen", "instrument")
    # printed_label is exactly as printed (double space kept); the canonical label folds spacing.
    assert by_printed["POK \u2013 Ambtelijk  vakmanschap"] == ("POK \u2013 Ambtelijk vakmanschap", "regeling")
    assert by_printed["kwaliteit management rijksdienst"][1] == "regeling"
    # The cells keep the exact text too.
    cells = {r[0] for r in query(
        analyst_warehouse,
        "SELECT c.raw_text FROM table_cell c JOIN dim_document d USING (document_id) WHERE d.source_file = ? AND c.cell_role = 'label'",
        SEED_VARIANT,
    )}
    assert set(RESPELLINGS.values()) <= {c.strip() for c in cells}


# The Fiscal Data Package phase -----------------------------------------------------------------


def test_fdp_phase_comes_from_the_column_not_the_document(analyst_warehouse: Path) -> None:
    assert fdp_phase("ontwerpbegroting") == "proposed"
    assert fdp_phase("vastgestelde_begroting") == "approved"
    assert fdp_phase("stand") == "adjusted"
    assert fdp_phase("realisatie") == "executed"
    assert fdp_phase("mutatie") is None and fdp_phase("verschil") is None
    pairs = set(query(analyst_warehouse, "SELECT DISTINCT column_kind, fdp_phase FROM fact_budget_amount"))
    assert pairs == {(kind, FDP_PHASE_BY_KIND[kind]) for kind, _ in pairs}
    # One OWB prints figures of three phases.
    phases = query(
        analyst_warehouse,
        "SELECT DISTINCT fdp_phase FROM v_budget_amount WHERE source_file = ? ORDER BY 1",
        SEED,
    )
    assert phases == [("adjusted",), ("executed",), ("proposed",)]


# 2. Views ---------------------------------------------------------------------------------------


def vintages(warehouse: Path, path: str, fiscal_year: int) -> list[tuple]:
    return query(
        warehouse,
        """SELECT vintage_number, phase, budget_year, column_kind, fdp_phase, amount_thousand_eur, change_thousand_eur
           FROM budget_vintages WHERE path = ? AND fiscal_year = ? ORDER BY vintage_number""",
        path, fiscal_year,
    )


def test_an_owb_and_a_1supp_of_the_same_year_are_two_vintages_of_one_line(analyst_warehouse: Path) -> None:
    line_ids = query(
        analyst_warehouse,
        """SELECT DISTINCT f.line_id FROM fact_budget_amount f JOIN dim_document d USING (document_id)
           JOIN dim_budget_line l USING (line_id) WHERE l.path = ? AND d.source_file IN (?, ?, ?)""",
        KIESRAAD, KIESRAAD_OWB_2020, KIESRAAD_1SUPP_2020, KIESRAAD_JV_2020,
    )
    assert len(line_ids) == 1
    # The 2020 estimate: proposed in the OWB, adjusted by the 1SUPP ('Stand 1e suppletoire',
    # never a mutatie), executed in the JV (its realisatie, not its vastgestelde begroting).
    assert vintages(analyst_warehouse, KIESRAAD, 2020) == [
        (1, "OWB", 2020, "ontwerpbegroting", "proposed", 2465, None),
        (2, "1SUPP", 2020, "stand", "adjusted", 3988, 1523),
        (3, "JV", 2020, "realisatie", "executed", 3900, -88),
    ]


def test_vintages_follow_the_budget_cycle_across_budget_years(analyst_warehouse: Path) -> None:
    # 2019: the OWB 2020 (Prinsjesdag 2019) states the stand before the 2SUPP 2019 (November)
    # does; the JV 2020 restates the realisatie; the 2SUPP's figure is its 'Stand 2e suppletoire'.
    assert vintages(analyst_warehouse, KIESRAAD, 2019) == [
        (1, "OWB", 2020, "stand", "adjusted", 2493, None),
        (2, "2SUPP", 2019, "stand", "adjusted", 3242, 749),
        (3, "JV", 2020, "realisatie", "executed", 3275, 33),
    ]
    # The seed and its respelt copy: an OWB's raming, then the next OWB's ontwerpbegroting.
    assert vintages(analyst_warehouse, "VII/7/uitgaven/sub_article:7.1/instrument:opdrachten", 2025) == [
        (1, "OWB", 2024, "raming", "proposed", 66755, None),
        (2, "OWB", 2025, "ontwerpbegroting", "proposed", 52706, -14049),
    ]


def test_mutaties_and_verschillen_are_never_a_vintage(analyst_warehouse: Path) -> None:
    assert query(analyst_warehouse, "SELECT DISTINCT column_kind FROM budget_vintages WHERE column_kind IN ('mutatie', 'verschil')") == []
    # The 1SUPP 2020 prints only mutaties for 2021..2024: it states no figure for those years.
    later = query(
        analyst_warehouse,
        "SELECT count(*) FROM budget_vintages WHERE source_file = ? AND fiscal_year > 2020",
        KIESRAAD_1SUPP_2020,
    )
    assert later == [(0,)]


def test_a_document_states_at_most_one_figure_per_line_and_year(analyst_warehouse: Path) -> None:
    assert query(
        analyst_warehouse,
        "SELECT line_id, fiscal_year, document_id FROM budget_vintages GROUP BY ALL HAVING count(*) > 1",
    ) == []
    numbered = query(
        analyst_warehouse,
        """SELECT count(*) FROM (SELECT line_id, fiscal_year, list(vintage_number ORDER BY vintage_number) AS n
           FROM budget_vintages GROUP BY ALL) WHERE n <> range(1, len(n) + 1)""",
    )
    assert numbered == [(0,)]
    # change = amount - previous, and the first vintage has none.
    assert query(
        analyst_warehouse,
        """SELECT count(*) FROM budget_vintages WHERE (vintage_number = 1) <> (change_thousand_eur IS NULL)
           OR change_thousand_eur <> amount_thousand_eur - previous_amount_thousand_eur""",
    ) == [(0,)]


def test_budget_by_year_has_one_row_per_line_and_document_and_one_column_per_year(analyst_warehouse: Path) -> None:
    con = duckdb.connect(str(analyst_warehouse), read_only=True)
    try:
        columns = [c[0] for c in con.execute("SELECT * FROM budget_by_year LIMIT 0").description]
        years = [c for c in columns if c.startswith("y") and c[1:].isdigit()]
        fiscal_years = [r[0] for r in con.execute("SELECT DISTINCT fiscal_year FROM budget_vintages ORDER BY 1").fetchall()]
        assert years == [f"y{y}" for y in fiscal_years]
        assert con.execute("SELECT count(*) FROM (SELECT DISTINCT line_id, document_id FROM budget_vintages)").fetchall() == \
            con.execute("SELECT count(*) FROM budget_by_year").fetchall()
        # The same figures as budget_vintages, pivoted.
        unpivoted = con.execute(
            f"""SELECT count(*) FROM (UNPIVOT budget_by_year ON {', '.join(years)} INTO NAME y VALUE amount) AS u
                FULL JOIN budget_vintages AS v
                  ON v.line_id = u.line_id AND v.document_id = u.document_id AND 'y' || v.fiscal_year = u.y
                WHERE v.amount_thousand_eur IS DISTINCT FROM u.amount"""
        ).fetchall()
        assert unpivoted == [(0,)]
        row = con.execute(
            "SELECT phase, budget_year, y2019, y2020, y2021 FROM budget_by_year WHERE path = ? AND phase = 'OWB'", [KIESRAAD]
        ).fetchall()
        assert row == [("OWB", 2020, 2493, 2465, 2345)]
    finally:
        con.close()


def test_budget_flexibility_puts_the_shares_of_an_article_and_year_side_by_side(analyst_warehouse: Path) -> None:
    rows = query(
        analyst_warehouse,
        """SELECT v.fiscal_year, juridisch_verplicht_pct, bestuurlijk_gebonden_pct, beleidsmatig_gereserveerd_pct,
                  vrij_te_besteden_pct, other_pct, total_pct, uitgaven_thousand_eur
           FROM budget_flexibility v JOIN dim_document d USING (document_id) WHERE d.source_file = ?""",
        SEED,
    )
    assert rows == [(2024, 26.0, 57.0, 13.0, 4.0, None, 100.0, 86189)]


def test_every_flexibility_category_of_the_parser_has_its_own_column() -> None:
    sql = (Path(__file__).resolve().parents[1] / "pipeline" / "sql" / "budget_flexibility.sql").read_text()
    for category in set(FLEX_CATEGORIES.values()):
        assert f"category = '{category}'" in sql


# 3. Self-describing ------------------------------------------------------------------------------


def test_every_table_view_and_column_has_its_model_comment(analyst_warehouse: Path) -> None:
    con = duckdb.connect(str(analyst_warehouse), read_only=True)
    try:
        tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'").fetchall())
        views = dict(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'").fetchall())
        assert set(tables) == set(TABLE_NAMES)
        assert set(views) == set(VIEW_NAMES)
        for name, comment in tables.items():
            assert comment == table_description(TABLE_MODELS[name])
        for name, comment in views.items():
            assert comment == table_description(VIEW_MODELS[name])
        columns = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal AND schema_name = 'main'"
        ).fetchall()
        missing = [(t, c) for t, c, comment in columns if not comment]
        assert missing == []
        for table, column, comment in columns:
            model = TABLE_MODELS.get(table) or VIEW_MODELS[table]
            assert comment == describe_column(model, column)[1], (table, column)
    finally:
        con.close()


@pytest.mark.parametrize("view", sorted(VIEW_NAMES))
def test_each_view_has_exactly_the_columns_and_types_of_its_model(analyst_warehouse: Path, view: str) -> None:
    model = VIEW_MODELS[view]
    rows = query(
        analyst_warehouse,
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        view,
    )
    declared = [name for name, column in model.to_schema().columns.items() if not column.regex]
    assert [name for name, _ in rows][: len(declared)] == declared
    for name, data_type in rows:
        described = describe_column(model, name)
        assert described is not None, f"{view}.{name} is not in {model.__name__}"
        assert data_type == described[0], f"{view}.{name}: {data_type} in the view, {described[0]} in the model"
