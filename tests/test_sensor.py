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
import pytest
from conftest import ROOT, SEED, SOURCES

from pipeline.defs.partitions import PAGES
from pipeline.defs.resources import BudgetPaths
from pipeline.defs.sensors import sources_sensor

KIESRAAD = "rf_2020_1SUPP_IIB_art9_kiesraad.txt"


def tick(instance: dg.DagsterInstance, sources: Path, cursor: str | None):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"budget_paths": BudgetPaths(sources_dir=str(sources), warehouse_path=str(sources.parent / "w.duckdb"))},
    )
    result = sources_sensor(context)
    if isinstance(result, dg.SensorResult):
        for request in result.dynamic_partitions_requests or []:
            if isinstance(request, dg.AddDynamicPartitionsRequest):
                instance.add_dynamic_partitions(PAGES, list(request.partition_keys))
            else:
                for key in request.partition_keys:
                    instance.delete_dynamic_partition(PAGES, key)
    return result


def two_pages(tmp_path: Path) -> Path:
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(SOURCES / SEED, sources)
    shutil.copy(SOURCES / KIESRAAD, sources)
    return sources


def test_new_pages_become_partitions_and_one_run_covers_them(tmp_path: Path) -> None:
    sources = two_pages(tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        result = tick(instance, sources, None)
        assert isinstance(result, dg.SensorResult)
        assert sorted(instance.get_dynamic_partitions(PAGES)) == [SEED, KIESRAAD]
        (request,) = result.run_requests
        assert request.tags["dagster/asset_partition_range_start"] == SEED
        assert request.tags["dagster/asset_partition_range_end"] == KIESRAAD
        # Nothing changed: the next tick requests nothing.
        assert isinstance(tick(instance, sources, result.cursor), dg.SkipReason)


def test_a_changed_page_gets_a_run_of_its_own(tmp_path: Path) -> None:
    sources = two_pages(tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        cursor = tick(instance, sources, None).cursor
        page = sources / KIESRAAD
        page.write_text(page.read_text(encoding="utf-8") + "\nNog een alinea.\n", encoding="utf-8")
        result = tick(instance, sources, cursor)
        (request,) = result.run_requests
        assert request.tags["dagster/asset_partition_range_start"] == KIESRAAD
        assert request.tags["dagster/asset_partition_range_end"] == KIESRAAD


def test_a_removed_page_gets_a_removal_run_and_keeps_its_partition_until_it_succeeded(tmp_path: Path) -> None:
    sources = two_pages(tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        cursor = tick(instance, sources, None).cursor
        (sources / KIESRAAD).unlink()
        result = tick(instance, sources, cursor)
        (request,) = result.run_requests
        assert request.tags["dagster/asset_partition_range_start"] == KIESRAAD
        assert json.loads(result.cursor)["removing"] == {KIESRAAD: request.run_key}
        # The removal run has not run yet: the partition stays.
        waiting = tick(instance, sources, result.cursor)
        assert isinstance(waiting, dg.SkipReason) and "waiting" in str(waiting.skip_message)
        assert KIESRAAD in instance.get_dynamic_partitions(PAGES)


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
