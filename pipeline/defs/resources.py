"""Configuration, read through a Dagster resource (the UI shows each value and its variable).

BUDGET_SOURCES_DIR     folder of page files and manifest.csv   (default: sources/)
BUDGET_WAREHOUSE_PATH  the served DuckDB warehouse               (default: warehouse/budget.duckdb)
BUDGET_STAGING_PATH    the pipeline's own working database       (default: <warehouse dir>/.staging/<name>.staging.duckdb;
                       `md:<name>` puts it on MotherDuck)
Relative paths are relative to the working directory of the process (the repository root for
the README's commands).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from pipeline.store.connections import is_motherduck, open_staging

DEFAULTS = {
    "sources_dir": ("BUDGET_SOURCES_DIR", "sources"),
    "warehouse_path": ("BUDGET_WAREHOUSE_PATH", "warehouse/budget.duckdb"),
    "staging_path": ("BUDGET_STAGING_PATH", ""),
}


class BudgetPaths(dg.ConfigurableResource):
    """Where the pages come from, where the pipeline stages them and where the warehouse is served."""

    sources_dir: str = DEFAULTS["sources_dir"][1]
    warehouse_path: str = DEFAULTS["warehouse_path"][1]
    staging_path: str = ""  # empty: beside the warehouse, in .staging/

    @property
    def sources(self) -> Path:
        return Path(self.sources_dir).absolute()

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path).absolute()

    @property
    def staging(self) -> str:
        """The staging database: a file path, or a MotherDuck database (`md:...`) left as given."""
        return staging_location(self.staging_path, self.warehouse_path)

    @contextmanager
    def staging_connection(self):
        if not is_motherduck(self.staging):
            Path(self.staging).parent.mkdir(parents=True, exist_ok=True)
        con = open_staging(self.staging)
        try:
            yield con
        finally:
            con.close()


def staging_location(staging_path: str, warehouse_path: str) -> str:
    if is_motherduck(staging_path):
        return staging_path
    if staging_path:
        return str(Path(staging_path).absolute())
    warehouse = Path(warehouse_path).absolute()
    return str(warehouse.parent / ".staging" / f"{warehouse.stem}.staging.duckdb")


def paths_from_env() -> BudgetPaths:
    """Each setting from its environment variable when set (shown as such in the UI), else its default."""
    return BudgetPaths(**{
        field: dg.EnvVar(variable) if os.environ.get(variable) else default
        for field, (variable, default) in DEFAULTS.items()
    })


def resolved_paths() -> BudgetPaths:
    """The same settings with the variables' values read now (outside Dagster)."""
    return BudgetPaths(**{field: os.environ.get(variable) or default for field, (variable, default) in DEFAULTS.items()})
