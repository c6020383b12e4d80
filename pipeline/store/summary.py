"""What a warehouse holds, in a few lines: printed by `budget-warehouse build` and `summary`."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Rejections listed by the summary; the table has them all.
SUMMARY_REJECTIONS = 20


def summary_text(con: duckdb.DuckDBPyConnection, warehouse: Path) -> str:
    def one(sql: str) -> int:
        return con.execute(sql).fetchone()[0]

    statuses = con.execute("SELECT status, count(*) FROM dim_table GROUP BY 1 ORDER BY 1").fetchall()
    lines = [
        f"warehouse: {warehouse}",
        f"pages:      {one('SELECT count(*) FROM dim_document')}",
        f"tables:     {one('SELECT count(*) FROM dim_table')} (" + ", ".join(f"{status} {n}" for status, n in statuses) + ")",
        f"lines:      {one('SELECT count(*) FROM dim_budget_line')}",
        f"amounts:    {one('SELECT count(*) FROM fact_budget_amount')}",
        f"flexibility shares: {one('SELECT count(*) FROM fact_budget_flexibility')}",
        f"warnings:   {one('SELECT count(*) FROM load_warnings')}",
        f"rejections: {one('SELECT count(*) FROM load_rejections')}",
    ]
    rejections = con.execute(
        f"SELECT reason FROM load_rejections ORDER BY source_file, source_line LIMIT {SUMMARY_REJECTIONS + 1}"
    ).fetchall()
    lines += [f"  - {reason}" for (reason,) in rejections[:SUMMARY_REJECTIONS]]
    if len(rejections) > SUMMARY_REJECTIONS:
        lines.append("  ... and more: SELECT * FROM load_rejections")
    return "\n".join(lines)


def warehouse_summary(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return summary_text(con, warehouse)
