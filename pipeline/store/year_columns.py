"""The year columns of `budget_by_year`, made from the fiscal years present at publication."""

from __future__ import annotations

import duckdb

YEAR_COLUMNS_MARKER = "/*year columns*/"


def view_sql(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The view's SQL with one column per fiscal year of a figure with a phase (y2024, ...) in
    place of the marker."""
    years = con.execute(
        "SELECT DISTINCT fiscal_year FROM fact_budget_amount WHERE fdp_phase IS NOT NULL AND fiscal_year IS NOT NULL ORDER BY 1"
    ).fetchall()
    columns = "\n    ".join(f", max(v.amount_thousand_eur) FILTER (WHERE v.fiscal_year = {int(year)}) AS y{int(year)}" for (year,) in years)
    return sql.replace(YEAR_COLUMNS_MARKER, columns)
