"""Helpers for the warehouse tests: extra pages, builds into temp folders, queries, processes."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, ROOT, SEED, SOURCES

MADE = FIXTURES / "made"
KIESRAAD_OWB_2020 = "made_2020_OWB_IIB_art9_kiesraad.txt"
KIESRAAD_JV_2020 = "made_2020_JV_IIB_art9_kiesraad.txt"
KIESRAAD_1SUPP_2020 = "rf_2020_1SUPP_IIB_art9_kiesraad.txt"
SEED_VARIANT = "made_2025_OWB_VII_art7_seed_variant.txt"

# The seed's labels respelt the way other documents print them: case, dashes, spacing, trailing
# colons and instrument spelling variants. Each must key to the same budget line as the original.
RESPELLINGS = {
    "Verplichtingen": "Verplichtingen:",
    "Uitgaven": "Uitgaven:",
    "Subsidies (regelingen)": "Subsidies",
    "Bijdrage aan agentschappen": "Bijdragen aan agentschappen",
    "Opdrachten": "Opdracht",
    "POK - Ambtelijk Vakmanschap": "POK \u2013 Ambtelijk  vakmanschap",
    "POK- Leiderschap, diversiteit en inclusie": "POK - Leiderschap, diversiteit en inclusie",
    "Werkgeversbeleid": "Werkgeversbeleid:",
    "Kwaliteit Management Rijksdienst": "kwaliteit management rijksdienst",
}


def add_manifest_rows(sources: Path, rows: list[str]) -> None:
    manifest = sources / "manifest.csv"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.rstrip("\n") + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def add_made_pages(sources: Path, names: list[str]) -> None:
    """Copy hand-made pages (tests/fixtures/made) into `sources`, with their manifest rows."""
    with open(MADE / "manifest.csv", encoding="utf-8") as handle:
        rows = {row["file"]: row for row in csv.DictReader(handle)}
    lines = []
    for name in names:
        shutil.copy(MADE / name, sources / name)
        row = rows[name]
        lines.append(",".join(row[k] or "" for k in ("file", "source_url", "chapter", "budget_year", "phase", "article")))
    add_manifest_rows(sources, lines)


def write_seed_variant(sources: Path, name: str = SEED_VARIANT) -> str:
    """The seed (OWB 2024, VII, art. 7) as if it were the OWB 2025: every year heading one later
    (the same amounts, so its 2025 column repeats the seed's 2024 column) and labels respelt."""
    lines = (SOURCES / SEED).read_text(encoding="utf-8").split("\n")
    out = []
    for line in lines:
        stripped = line.strip()
        if re.fullmatch(r"20[12]\d", stripped):
            out.append(line.replace(stripped, str(int(stripped) + 1)))
        elif stripped in RESPELLINGS:
            out.append(line.replace(stripped, RESPELLINGS[stripped]))
        else:
            out.append(line)
    (sources / name).write_text("\n".join(out), encoding="utf-8")
    add_manifest_rows(sources, [f"{name},,VII,2025,OWB,7"])
    return name


@contextmanager
def build_environment(sources: Path, warehouse: Path):
    """The environment of a build in this process: these paths, an ephemeral Dagster instance."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("BUDGET_SOURCES_DIR", str(sources))
        monkeypatch.setenv("BUDGET_WAREHOUSE_PATH", str(warehouse))
        for name in ("BUDGET_STAGING_PATH", "BUDGET_TEST_PAUSE", "DAGSTER_HOME"):
            monkeypatch.delenv(name, raising=False)
        yield


def build_in_process(sources: Path, warehouse: Path) -> int:
    """`budget-warehouse build` in this process (ephemeral Dagster instance); its exit code."""
    from pipeline import cli

    with build_environment(sources, warehouse):
        return cli.main(["build", "--sources", str(sources), "--warehouse", str(warehouse)])


def query(warehouse: Path, sql: str, *params) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def table_counts(warehouse: Path) -> dict[str, int]:
    """Row count of every table and view analysts see (schema main): a fingerprint of a whole warehouse."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main' UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' ORDER BY 1"
        ).fetchall()]
        return {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in names}
    finally:
        con.close()


# Real processes -------------------------------------------------------------------------------

BUDGET_WAREHOUSE = str(Path(sys.executable).with_name("budget-warehouse"))


def cli_env(tmp_path: Path, sources: Path, warehouse: Path, **extra: str) -> dict[str, str]:
    """Environment of a `budget-warehouse build` process: temp paths only, a temp DAGSTER_HOME
    with the project's instance config (pools of one)."""
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = dict(os.environ)
    for key in ("BUDGET_STAGING_PATH", "BUDGET_TEST_PAUSE"):
        env.pop(key, None)
    env.update(BUDGET_SOURCES_DIR=str(sources), BUDGET_WAREHOUSE_PATH=str(warehouse), DAGSTER_HOME=str(home), **extra)
    return env


def start_build(tmp_path: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen([BUDGET_WAREHOUSE, "build"], env=env, cwd=tmp_path, stdout=handle, stderr=subprocess.STDOUT)


def wait_for_text(path: Path, text: str, process: subprocess.Popen, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        if process.poll() is not None:
            raise AssertionError(f"process ended ({process.returncode}) before {text!r}:\n{path.read_text()[-3000:]}")
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in {path} after {timeout_s} s")


@pytest.fixture(scope="session")
def analyst_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sources plus documents that state the same lines (hand-made OWB and JV 2020 of
    IIB art. 9 beside the real 1SUPP 2020 and 2SUPP 2019; the seed respelt as an OWB 2025), built
    once into a temp warehouse."""
    tmp = tmp_path_factory.mktemp("analyst")
    sources = tmp / "sources"
    shutil.copytree(SOURCES, sources)
    add_made_pages(sources, [KIESRAAD_OWB_2020, KIESRAAD_JV_2020])
    write_seed_variant(sources)
    warehouse = tmp / "warehouse" / "budget.duckdb"
    assert build_in_process(sources, warehouse) == 0
    return warehouse
