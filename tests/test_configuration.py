"""Configuration goes through the BudgetPaths resource: environment variables the UI shows by
name, defaults otherwise, and MotherDuck staging paths left as they are (no network needed)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipeline.defs.resources import BudgetPaths, paths_from_env, staging_location


def test_a_motherduck_staging_path_stays_a_motherduck_path_and_makes_no_local_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    paths = BudgetPaths(warehouse_path="warehouse/budget.duckdb", staging_path="md:budget_staging")
    assert paths.staging == "md:budget_staging"
    assert staging_location("md:budget_staging", "w.duckdb") == "md:budget_staging"
    assert not list(tmp_path.iterdir())


def test_a_file_staging_path_is_absolute_and_defaults_beside_the_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert BudgetPaths(staging_path="s/x.duckdb").staging == str(tmp_path / "s" / "x.duckdb")
    assert BudgetPaths(warehouse_path="w/budget.duckdb").staging == str(tmp_path / "w" / ".staging" / "budget.staging.duckdb")


def test_settings_given_by_environment_variables_reach_dagster_as_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGET_STAGING_PATH", "md:budget_staging")
    monkeypatch.delenv("BUDGET_SOURCES_DIR", raising=False)
    paths = paths_from_env()
    assert paths.staging_path == dg.EnvVar("BUDGET_STAGING_PATH")  # the UI shows the variable's name
    assert paths.sources_dir == "sources"  # unset: the default
    assert paths.process_config_and_initialize().staging == "md:budget_staging"
