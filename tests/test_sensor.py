"""The sources sensor: pages added, changed or removed under BUDGET_SOURCES_DIR load without a manual step."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
from conftest import ROOT, SEED, SOURCES

from pipeline.defs.resources import BudgetPaths
from pipeline.defs.sensors import sources_sensor

KIESRAAD = "rf_2020_1SUPP_IIB_art9_kiesraad.txt"


def tick(sources: Path, cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    """One evaluation of the sensor: what it returned and its cursor afterwards."""
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={"budget_paths": BudgetPaths(sources_dir=str(sources), warehouse_path=str(sources.parent / "w.duckdb"))},
    )
    return sources_sensor(context), context.cursor


def two_pages(tmp_path: Path) -> Path:
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(SOURCES / SEED, sources)
    shutil.copy(SOURCES / KIESRAAD, sources)
    return sources


def test_new_pages_get_one_run_and_nothing_changed_gets_none(tmp_path: Path) -> None:
    sources = two_pages(tmp_path)
    request, cursor = tick(sources, None)
    assert isinstance(request, dg.RunRequest) and request.tags["budget/pages_changed"] == "2"
    assert set(json.loads(cursor)) == {SEED, KIESRAAD}
    assert isinstance(tick(sources, cursor)[0], dg.SkipReason)


def test_a_changed_page_gets_a_run_of_its_own(tmp_path: Path) -> None:
    sources = two_pages(tmp_path)
    first, cursor = tick(sources, None)
    page = sources / KIESRAAD
    page.write_text(page.read_text(encoding="utf-8") + "\nNog een alinea.\n", encoding="utf-8")
    request, _ = tick(sources, cursor)
    assert isinstance(request, dg.RunRequest) and request.run_key != first.run_key
    assert request.tags["budget/pages_changed"] == "1"


def test_a_removed_page_gets_a_run_that_takes_its_rows_out(tmp_path: Path) -> None:
    sources = two_pages(tmp_path)
    _, cursor = tick(sources, None)
    (sources / KIESRAAD).unlink()
    request, cursor = tick(sources, cursor)
    assert isinstance(request, dg.RunRequest) and request.tags["budget/pages_removed"] == "1"
    assert set(json.loads(cursor)) == {SEED}


def test_with_dagster_dev_running_an_added_page_loads_without_a_manual_step(tmp_path: Path) -> None:
    """The real thing: `dagster dev` (webserver and daemon) with the sensor on."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(SOURCES / KIESRAAD, sources)
    warehouse = tmp_path / "w" / "budget.duckdb"
    env = dict(os.environ, DAGSTER_HOME=str(home), BUDGET_SOURCES_DIR=str(sources), BUDGET_WAREHOUSE_PATH=str(warehouse))
    env.pop("BUDGET_STAGING_PATH", None)
    dagster = str(Path(sys.executable).with_name("dagster"))
    log = open(tmp_path / "dagster_dev.log", "w")
    server = subprocess.Popen(
        [dagster, "dev", "-w", str(ROOT / "workspace.yaml"), "-p", "0"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        assert wait_for(lambda: documents(warehouse) == {KIESRAAD}, 180), (tmp_path / "dagster_dev.log").read_text()[-4000:]
        shutil.copy(SOURCES / SEED, sources)
        assert wait_for(lambda: documents(warehouse) == {KIESRAAD, SEED}, 180), (tmp_path / "dagster_dev.log").read_text()[-4000:]
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM fact_budget_amount").fetchone() == (36 + 392,)
        finally:
            con.close()
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def documents(warehouse: Path) -> set[str]:
    if not warehouse.exists():
        return set()
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return set()
    try:
        return {r[0] for r in con.execute("SELECT source_file FROM dim_document").fetchall()}
    finally:
        con.close()


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(2)
    return False
