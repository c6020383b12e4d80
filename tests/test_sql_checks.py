"""The SQL checks of a full build read the documents in parts (checks.CHECK_PART_AMOUNTS), so
their working set stays within DuckDB's memory limit: a part finds what the whole would."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from warehouse_support import analyst_warehouse  # noqa: F401  (a fixture)

from pipeline.store import checks
from pipeline.store.warehouse_file import attach_staging


@pytest.fixture
def wrong_total(analyst_warehouse: Path, tmp_path: Path):  # noqa: F811
    """A copy of the warehouse with one article total off by 1,000, staging attached."""
    copy = tmp_path / "budget.duckdb"
    shutil.copy(analyst_warehouse, copy)
    con = duckdb.connect(str(copy))
    attach_staging(con, str(analyst_warehouse.parent / ".staging" / "budget.staging.duckdb"))
    changed = con.execute(
        "UPDATE fact_budget_amount SET amount_thousand_eur = amount_thousand_eur + 1000 "
        "WHERE printed_label = 'Uitgaven' AND amount_thousand_eur = 86189"
    ).fetchone()[0]
    assert changed == 1
    yield con
    con.close()


def test_the_checks_in_parts_find_what_one_pass_finds(wrong_total, monkeypatch: pytest.MonkeyPatch) -> None:
    amounts = wrong_total.execute("SELECT count(*) FROM fact_budget_amount").fetchone()[0]
    found = {}
    for parts in (1, 3):
        monkeypatch.setattr(checks, "CHECK_PART_AMOUNTS", -(-amounts // parts))
        found[parts] = {check.name: checks.violations(wrong_total, check) for check in checks.SQL_CHECKS}
    broken = found[3]["parents_equal_sum_of_children"]
    assert len(broken) >= 1 and (broken["printed"] - broken["children_sum"]).abs().max() == 1000
    for name, rows in found[1].items():
        key = list(rows.columns)
        assert rows.sort_values(key).reset_index(drop=True).equals(found[3][name].sort_values(key).reset_index(drop=True)), name
