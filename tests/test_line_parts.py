"""dim_budget_line is computed in parts of the lines (increment.LINES_PER_PART), so its aggregate
stays within DuckDB's memory limit: the parts give the rows, in the order, that one pass gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from warehouse_support import analyst_warehouse  # noqa: F401  (a fixture)

from pipeline.store import increment, warehouse_file
from pipeline.store.catalog import TABLES

DIM_BUDGET_LINE = next(t for t in TABLES if t.name == "dim_budget_line")


def test_the_lines_computed_in_parts_are_the_lines_of_one_pass(
    analyst_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    copy = tmp_path / "budget.duckdb"
    shutil.copy(analyst_warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        warehouse_file.attach_staging(con, str(analyst_warehouse.parent / ".staging" / "budget.staging.duckdb"))
        increment.lines_to_compute(con, None)
        lines = con.execute("SELECT count(*) FROM lines_to_compute").fetchone()[0]
        found = {}
        for parts in (1, 3):
            monkeypatch.setattr(increment, "LINES_PER_PART", -(-lines // parts))
            con.execute("DELETE FROM dim_budget_line")
            warehouse_file._load(con, DIM_BUDGET_LINE)
            found[parts] = con.execute("SELECT * FROM dim_budget_line").fetchall()
        assert len(found[1]) == lines > 3
        assert found[3] == found[1]
        assert [row[0] for row in found[3]] == sorted(row[0] for row in found[3])
    finally:
        con.close()
