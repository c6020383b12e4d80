"""The model check on the new warehouse reads a table chunk by chunk (the largest whole took
600 MB at 10,000 pages), and still sees what spans chunks: a key in two rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from warehouse_support import analyst_warehouse  # noqa: F401  (a fixture)

from pipeline.store import checks
from pipeline.store.catalog import TABLES

DIM_BUDGET_LINE = next(t for t in TABLES if t.name == "dim_budget_line")


@pytest.fixture
def lines_over_chunks(analyst_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    """A copy of the warehouse whose dim_budget_line holds more rows than one chunk of the check."""
    monkeypatch.setattr(checks, "CHECK_VECTORS", 1)  # 2,048 rows a chunk
    copy = tmp_path / "budget.duckdb"
    shutil.copy(analyst_warehouse, copy)
    con = duckdb.connect(str(copy))
    copies = -(-3000 // con.execute("SELECT count(*) FROM dim_budget_line").fetchone()[0])
    con.execute(
        "INSERT INTO dim_budget_line SELECT l.* REPLACE (l.line_id || '/copy' || r.n AS line_id) FROM dim_budget_line AS l, range(1, ?) AS r(n)",
        [copies],
    )
    yield con
    con.close()


def test_a_valid_table_read_in_chunks_passes_its_model(lines_over_chunks) -> None:
    assert lines_over_chunks.execute("SELECT count(*) FROM dim_budget_line").fetchone()[0] > 2048
    assert checks.model_violations(lines_over_chunks, DIM_BUDGET_LINE) == []


def test_a_key_repeated_in_another_chunk_fails_the_model(lines_over_chunks) -> None:
    con = lines_over_chunks
    # The file's primary key refuses a repeated line_id; the check must see one all the same.
    con.execute("CREATE TABLE unkeyed AS SELECT * FROM dim_budget_line")
    con.execute("DROP TABLE dim_budget_line")
    con.execute("ALTER TABLE unkeyed RENAME TO dim_budget_line")
    first = con.execute("SELECT line_id FROM dim_budget_line LIMIT 1").fetchone()[0]
    con.execute("INSERT INTO dim_budget_line SELECT * FROM dim_budget_line WHERE line_id = ?", [first])
    assert checks.model_violations(con, DIM_BUDGET_LINE) == [
        f"column 'line_id' is not unique: {first!r} is in more than one row"
    ]


def test_a_bad_row_in_a_later_chunk_fails_the_model(lines_over_chunks) -> None:
    lines_over_chunks.execute("UPDATE dim_budget_line SET level = 'no such level' WHERE rowid = (SELECT max(rowid) FROM dim_budget_line)")
    [problem] = checks.model_violations(lines_over_chunks, DIM_BUDGET_LINE)
    # The reason names the column, the check and the value, not pandera's JSON.
    assert problem.startswith("column 'level' fails isin(")
    assert problem.endswith(": 1 value(s), first 'no such level'")
