"""The whole pipeline: real assets materialized into a real DuckDB file in a temp folder, then queried."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import BUNDLED_AMOUNTS, REFUSED_PAGES, ROOT, SEED, SOURCES
from dagster._core.instance import InstanceRef

from pipeline.definitions import make_definitions
from pipeline.store.catalog import TABLE_NAMES, VIEW_NAMES


def build_with_dagster(sources: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> dg.ExecuteInProcessResult:
    """Every asset materialized in one run (in-process executor, ephemeral instance)."""
    monkeypatch.setenv("BUDGET_SOURCES_DIR", str(sources))
    monkeypatch.setenv("BUDGET_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.delenv("BUDGET_STAGING_PATH", raising=False)
    job = make_definitions().resolve_job_def("build_warehouse")
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """The bundled sources, built once for this module into a temp warehouse, and the run."""
    tmp = tmp_path_factory.mktemp("e2e")
    sources = tmp / "sources"
    shutil.copytree(SOURCES, sources)
    target = tmp / "warehouse" / "budget.duckdb"
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = build_with_dagster(sources, target, monkeypatch)
    assert result.success
    assert all(check.passed for check in result.get_asset_check_evaluations())
    return target, result


@pytest.fixture(scope="module")
def warehouse(built: tuple[Path, dg.ExecuteInProcessResult]) -> Path:
    return built[0]


def test_the_asset_graph_is_the_lineage_from_pages_to_every_table_and_view() -> None:
    graph = make_definitions().resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"source_pages", "budget_warehouse", "budget_report", *TABLE_NAMES, *VIEW_NAMES}
    upstream = lambda name: {k.to_user_string() for k in graph.get(dg.AssetKey(name)).parent_keys}  # noqa: E731
    assert upstream("dim_document") == {"source_pages"}
    assert "dim_budget_line" in upstream("fact_budget_amount")
    assert "budget_vintages" in upstream("budget_by_year")
    assert upstream("budget_warehouse") == {*TABLE_NAMES, *VIEW_NAMES}
    assert "budget_warehouse" in upstream("budget_report")  # written into the served exports
    assert {"budget_explanation", "dim_document"} <= upstream("explanation_term") | upstream("budget_explanation")
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert ("fact_budget_amount", "parents_equal_sum_of_children") in checks
    assert ("table_column_identity", "column_identities_hold") in checks
    assert ("fact_budget_flexibility", "flexibility_shares_add_up") in checks
    assert ("load_rejections", "no_pages_refused") in checks
    assert {(name, "matches_model") for name in ("dim_budget_line", "dim_year", "dim_chapter", "dim_phase")} <= checks


def test_each_table_asset_carries_its_own_row_count_and_schema(built: tuple[Path, dg.ExecuteInProcessResult]) -> None:
    target, result = built
    materialized = {
        event.asset_key.to_user_string(): event.materialization.metadata for event in result.get_asset_materialization_events()
    }
    for name in TABLE_NAMES:
        assert materialized[name]["dagster/row_count"].value == query(target, f"SELECT count(*) FROM {name}")[0][0], name
    for name in VIEW_NAMES:  # a view is materialized with the file; counting it would compute it whole
        assert "dagster/row_count" not in materialized[name], name
    specs = {spec.key.to_user_string(): spec for spec in make_definitions().resolve_all_asset_specs()}
    columns = [c.name for c in specs["fact_budget_amount"].metadata["dagster/column_schema"].columns]
    assert columns == [r[0] for r in query(target, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'fact_budget_amount' ORDER BY column_index")]
    assert materialized["load_rejections"]["pages_refused"].value == 0
    assert materialized["load_rejections"]["tables_rejected"].value == len(REFUSED_PAGES)  # one table of each refused page


def test_the_events_of_a_run_do_not_grow_with_its_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(SOURCES / SEED, one)
    small = build_with_dagster(one, tmp_path / "w1" / "budget.duckdb", monkeypatch)
    full = build_with_dagster(SOURCES, tmp_path / "w13" / "budget.duckdb", monkeypatch)
    assert small.success and full.success
    assert len(small.all_events) == len(full.all_events)


def query(warehouse: Path, sql: str, *params):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def seed_document(warehouse: Path) -> str:
    return query(warehouse, "SELECT document_id FROM dim_document WHERE source_file = ?", SEED)[0][0]


def test_the_seed_page_is_identified_from_the_manifest(warehouse: Path) -> None:
    row = query(
        warehouse,
        "SELECT chapter, budget_year, phase, article_code, article_name FROM dim_document WHERE source_file = ?",
        SEED,
    )
    assert row == [("VII", 2024, "OWB", "7", "Werkgevers- en bedrijfsvoeringsbeleid")]


def test_the_seed_loads_56_table_rows_and_392_amounts(warehouse: Path) -> None:
    doc = seed_document(warehouse)
    levels = dict(
        query(
            warehouse,
            """SELECT l.level, count(DISTINCT f.line_id) FROM fact_budget_amount f JOIN dim_budget_line l USING (line_id)
               WHERE f.document_id = ? GROUP BY 1""",
            doc,
        )
    )
    assert levels == {"article": 3, "sub_article": 2, "instrument": 8, "regeling": 43}
    assert query(warehouse, "SELECT count(*) FROM fact_budget_amount WHERE document_id = ?", doc) == [(392,)]
    measures = query(
        warehouse,
        "SELECT DISTINCT f.measure FROM fact_budget_amount f JOIN dim_budget_line l USING (line_id) WHERE document_id = ? AND l.level = 'article' ORDER BY 1",
        doc,
    )
    assert measures == [("ontvangsten",), ("uitgaven",), ("verplichtingen",)]


@pytest.mark.parametrize(
    ("label", "level", "fiscal_year", "expected"),
    [
        ("Opdrachten", "instrument", 2025, 66755),
        ("Uitgaven", "article", 2024, 86189),
        ("Werkgevers- en bedrijfsvoeringsbeleid", "sub_article", 2022, 59957),
        ("Ontvangsten", "article", 2022, 2186),
    ],
)
def test_seed_figures_equal_the_document(warehouse: Path, label: str, level: str, fiscal_year: int, expected: int) -> None:
    rows = query(
        warehouse,
        """SELECT amount_thousand_eur FROM v_budget_amount
           WHERE source_file = ? AND printed_label = ? AND level = ? AND fiscal_year = ?""",
        SEED, label, level, fiscal_year,
    )
    assert rows == [(expected,)]


def test_seed_flexibility_shares(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "SELECT category, share_pct FROM fact_budget_flexibility WHERE document_id = ? AND fiscal_year = 2024 ORDER BY share_pct DESC",
        seed_document(warehouse),
    )
    assert rows == [
        ("bestuurlijk gebonden", 57.0),
        ("juridisch verplicht", 26.0),
        ("beleidsmatig gereserveerd", 13.0),
        ("nog niet ingevuld/vrij te besteden", 4.0),
    ]


def test_the_seed_columns_keep_their_kind_and_printed_heading(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """SELECT DISTINCT column_position, column_label, column_kind, fiscal_year FROM fact_budget_amount
           WHERE document_id = ? ORDER BY 1""",
        seed_document(warehouse),
    )
    assert rows == [
        (1, "2022", "realisatie", 2022),
        (2, "2023", "stand", 2023),
        (3, "2024", "ontwerpbegroting", 2024),
        (4, "2025", "raming", 2025),
        (5, "2026", "raming", 2026),
        (6, "2027", "raming", 2027),
        (7, "2028", "raming", 2028),
    ]


def test_every_fact_keeps_its_source_line_and_raw_text(warehouse: Path) -> None:
    doc = seed_document(warehouse)
    row = query(
        warehouse,
        "SELECT raw_value, source_line, value_status FROM v_budget_amount WHERE document_id = ? AND printed_label = 'Opdrachten' AND fiscal_year = 2025",
        doc,
    )
    assert row == [("66.755", 341, "number")]
    line = (SOURCES / SEED).read_text(encoding="utf-8").split("\n")[340]
    assert line.strip() == "66.755"


@pytest.mark.parametrize(("page", "reason"), sorted(REFUSED_PAGES.items()))
def test_negative_pages_are_quarantined_with_a_reason_and_load_no_numbers(warehouse: Path, page: str, reason: str) -> None:
    rejections = query(warehouse, "SELECT table_caption, source_line, reason FROM load_rejections WHERE source_file = ?", page)
    assert rejections and all(page in r[2] for r in rejections)
    assert any(reason in r[2] for r in rejections)
    assert all(r[1] is not None for r in rejections)
    facts = query(
        warehouse,
        "SELECT count(*) FROM fact_budget_amount f JOIN dim_document d USING (document_id) WHERE d.source_file = ?",
        page,
    )
    assert facts == [(0,)]


def test_every_positive_page_loads_and_no_table_is_silently_dropped(warehouse: Path) -> None:
    pages = {p.name for p in SOURCES.glob("*.txt")}
    documents = {r[0] for r in query(warehouse, "SELECT source_file FROM dim_document")}
    assert documents == pages
    statuses = query(warehouse, "SELECT status, count(*) FROM dim_table GROUP BY 1 ORDER BY 1")
    # One table per page, and the seed's flexibility table; the refused pages' tables rejected; the
    # mutation tables after the budget tables of two pages (two each) kept as cells, never facts.
    assert dict(statuses) == {"loaded": len(pages) - len(REFUSED_PAGES) + 1, "rejected": len(REFUSED_PAGES), "kept_as_cells": 4}
    # A table is loaded, kept as cells, or rejected with a reason in load_rejections.
    unexplained = query(
        warehouse,
        "SELECT table_id FROM dim_table WHERE status = 'rejected' AND table_id NOT IN (SELECT table_id FROM load_rejections WHERE table_id IS NOT NULL)",
    )
    assert unexplained == []


def test_line_ids_are_deterministic_hashes_of_the_path(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(SOURCES / SEED, sources / "renamed_seed.txt")
    (sources / "manifest.csv").write_text("file,source_url,chapter,budget_year,phase,article\nrenamed_seed.txt,,VII,2024,OWB,7\n")
    other = tmp_path / "other.duckdb"
    assert build_with_dagster(sources, other, monkeypatch).success
    first = set(query(warehouse, "SELECT line_id, path FROM dim_budget_line WHERE chapter = 'VII' AND article_code = '7'"))
    second = set(query(other, "SELECT line_id, path FROM dim_budget_line"))
    assert first == second and len(first) == 56


def test_a_page_missing_from_the_manifest_still_loads_with_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(SOURCES / SEED, sources / "unlisted.txt")
    target = tmp_path / "w.duckdb"
    assert build_with_dagster(sources, target, monkeypatch).success
    assert query(target, "SELECT chapter, budget_year, phase, article_code FROM dim_document") == [(None, 2024, None, "7")]
    fields = {r[0] for r in query(target, "SELECT field FROM load_warnings")}
    assert {"chapter", "phase"} <= fields
    assert query(target, "SELECT count(*) FROM fact_budget_amount") == [(392,)]


def run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def cli_env(tmp_path: Path, sources: Path, warehouse: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BUDGET_SOURCES_DIR=str(sources),
        BUDGET_WAREHOUSE_PATH=str(warehouse),
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
    )
    env.pop("BUDGET_STAGING_PATH", None)
    (tmp_path / "dagster_home").mkdir(exist_ok=True)
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", tmp_path / "dagster_home" / "dagster.yaml")
    return env


def test_the_budget_warehouse_console_script_builds_and_summarises(tmp_path: Path, sources_copy: Path) -> None:
    target = tmp_path / "cli" / "budget.duckdb"
    exe = Path(sys.executable).with_name("budget-warehouse")
    result = run([str(exe), "build"], cli_env(tmp_path, sources_copy, target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"pages:      {len(list(sources_copy.glob('*.txt')))}" in result.stdout
    assert f"amounts:    {BUNDLED_AMOUNTS}" in result.stdout
    assert all(f"{page}, table 1" in result.stdout and reason in result.stdout for page, reason in REFUSED_PAGES.items())
    assert query(target, "SELECT count(*) FROM fact_budget_amount") == [(BUNDLED_AMOUNTS,)]


def test_the_console_script_records_its_whole_run_in_a_persistent_dagster_home_and_closes_it(tmp_path: Path, sources_copy: Path) -> None:
    # The build holds Dagster's SQLite files open while it runs and commits without syncing each
    # event (pipeline/cli.py): the run must still be there whole once it ends, and every file
    # closed (the last connection to close checkpoints a database and removes its log).
    env = cli_env(tmp_path, sources_copy, tmp_path / "home-run" / "budget.duckdb")
    exe = Path(sys.executable).with_name("budget-warehouse")
    result = run([str(exe), "build"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run_id = result.stdout.strip().splitlines()[-1].split()[1]
    home = Path(env["DAGSTER_HOME"])
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    try:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
        materialized = {e.dagster_event.asset_key.to_user_string() for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)}
        assert materialized == {"source_pages", "budget_warehouse", "budget_report", *TABLE_NAMES, *VIEW_NAMES}
    finally:
        instance.dispose()
    assert sorted(p.name for p in home.rglob("*.db-wal")) == []


def test_within_a_console_run_the_event_storage_answers_each_question_about_its_schema_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    from pipeline import cli

    asked: list[str] = []
    has_table = SqliteEventLogStorage.has_table
    monkeypatch.setattr(SqliteEventLogStorage, "has_table", lambda self, name: asked.append(name) or has_table(self, name))
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        events = instance.event_log_storage
        assert isinstance(events, SqliteEventLogStorage)
        with cli._sqlite_schema_answers_kept(instance):
            assert events.has_table("asset_keys") and events.has_table("asset_keys")
            assert not events.has_table("no_such_table")
        assert asked == ["asset_keys", "no_such_table"]
        events.has_table("asset_keys")  # after the run: the storage asks again
        assert asked == ["asset_keys", "no_such_table", "asset_keys"]


def test_within_a_console_run_the_sqlite_storages_reuse_one_engine_per_database(tmp_path: Path) -> None:
    import sqlalchemy
    from dagster._core.storage.event_log.sqlite import sqlite_event_log
    from sqlalchemy.pool import NullPool

    from pipeline import cli

    first, second = (f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db"))
    with cli._sqlite_engines_reused():
        engine = sqlite_event_log.create_engine(first, poolclass=NullPool)
        assert sqlite_event_log.create_engine(first, poolclass=NullPool) is engine
        assert sqlite_event_log.create_engine(second, poolclass=NullPool) is not engine
        with engine.connect() as one, engine.connect() as other:  # still a connection per use
            assert one.connection.dbapi_connection is not other.connection.dbapi_connection
    assert sqlite_event_log.create_engine is sqlalchemy.create_engine


def test_the_console_script_fails_loudly_when_the_run_fails(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("budget-warehouse")
    env = cli_env(tmp_path, tmp_path / "no-such-folder", tmp_path / "w.duckdb")
    result = run([str(exe), "build"], env, cwd=tmp_path)
    assert result.returncode != 0
    assert "no-such-folder" in result.stderr


def test_the_dagster_cli_materializes_every_asset(tmp_path: Path, sources_copy: Path) -> None:
    target = tmp_path / "dagster-cli" / "budget.duckdb"
    env = cli_env(tmp_path, sources_copy, target)
    dagster = str(Path(sys.executable).with_name("dagster"))
    validate = run([dagster, "definitions", "validate", "-w", str(ROOT / "workspace.yaml")], env, cwd=ROOT)
    assert validate.returncode == 0, validate.stderr[-3000:]
    result = run([dagster, "asset", "materialize", "-m", "pipeline.definitions", "--select", "*"], env, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "RUN_SUCCESS" in result.stderr + result.stdout
    assert query(target, "SELECT count(*) FROM fact_budget_amount") == [(BUNDLED_AMOUNTS,)]
    assert query(target, "SELECT count(*) FROM load_rejections") == [(len(REFUSED_PAGES),)]
