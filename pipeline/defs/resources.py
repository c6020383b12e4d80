"""Configuration, read through Dagster resources.

BUDGET_SOURCES_DIR     folder of page files and manifest.csv   (default: sources/)
BUDGET_WAREHOUSE_PATH  the served DuckDB warehouse               (default: warehouse/budget.duckdb)
BUDGET_STAGING_PATH    the pipeline's own working database       (default: <warehouse dir>/.staging/<name>)
Relative paths are relative to the working directory of the process (the repository root for
the README's commands).
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipeline.store.connections import duckdb_config

DEFAULT_SOURCES_DIR = "sources"
DEFAULT_WAREHOUSE_PATH = "warehouse/budget.duckdb"


class BudgetPaths(dg.ConfigurableResource):
    """Where the pages come from and where the warehouse is published."""

    sources_dir: str = DEFAULT_SOURCES_DIR
    warehouse_path: str = DEFAULT_WAREHOUSE_PATH

    @property
    def sources(self) -> Path:
        return Path(self.sources_dir).absolute()

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path).absolute()


def staging_path_for(warehouse_path: str | Path) -> Path:
    warehouse = Path(warehouse_path).absolute()
    return warehouse.parent / ".staging" / f"{warehouse.stem}.staging.duckdb"


def paths_from_env() -> BudgetPaths:
    return BudgetPaths(
        sources_dir=os.environ.get("BUDGET_SOURCES_DIR") or DEFAULT_SOURCES_DIR,
        warehouse_path=os.environ.get("BUDGET_WAREHOUSE_PATH") or DEFAULT_WAREHOUSE_PATH,
    )


def staging_path(paths: BudgetPaths) -> Path:
    return Path(os.environ.get("BUDGET_STAGING_PATH") or staging_path_for(paths.warehouse_path)).absolute()


def staging_from_env(paths: BudgetPaths) -> DuckDBResource:
    return DuckDBResource(database=str(staging_path(paths)), connection_config=duckdb_config())
