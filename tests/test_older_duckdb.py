"""BI tools ship older DuckDB drivers: the published warehouse opens, read-only, with DuckDB 1.4
(the long-term-support line), and every table, view and macro answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import ROOT
from warehouse_support import analyst_warehouse  # noqa: F401  (a fixture)

from pipeline.store.catalog import MACRO_NAMES, TABLE_NAMES, VIEW_NAMES

# Prepared by the README's first command (a DuckDB 1.4 of its own, beside .venv).
DUCKDB_14 = ROOT / ".venv-duckdb14" / "bin" / "python"

QUERY_EVERYTHING = r"""
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
relations = con.execute(
    "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
    "UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal"
).fetchall()
# count(r) takes each whole row: every column of every view is computed, not only counted
counts = {name: con.execute(f'SELECT count(r) FROM "{name}" AS r').fetchone()[0] for (name,) in relations}
macros = con.execute(
    "SELECT DISTINCT function_name, function_type FROM duckdb_functions() WHERE database_name = current_database() "
    "AND schema_name = 'main' AND function_type IN ('macro', 'table_macro') AND NOT internal"
).fetchall()
for name, kind in macros:  # a macro's body must bind in this version: call it with NULLs
    params = con.execute(
        "SELECT parameters FROM duckdb_functions() WHERE function_name = ? AND schema_name = 'main' LIMIT 1", [name]
    ).fetchone()[0]
    args = ", ".join("NULL" for _ in params)
    con.execute(f"SELECT * FROM {name}({args})" if kind == "table_macro" else f"SELECT {name}({args})").fetchall()
search = con.execute(
    "SELECT document_id, line_id, label, amount_thousand_eur FROM search_budget('klokkenluiders') ORDER BY document_id, line_id"
).fetchall()
print(json.dumps({"version": duckdb.__version__, "counts": counts, "macros": sorted(m for m, _ in macros), "search": search}))
"""


def test_duckdb_1_4_opens_the_warehouse_read_only_and_queries_every_table_view_and_macro(analyst_warehouse: Path) -> None:  # noqa: F811
    assert DUCKDB_14.exists(), f"{DUCKDB_14} is missing: run the README's first command (it makes .venv-duckdb14)"
    result = subprocess.run([str(DUCKDB_14), "-c", QUERY_EVERYTHING, str(analyst_warehouse)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["version"].startswith("1.4.")
    import duckdb

    with duckdb.connect(str(analyst_warehouse), read_only=True) as con:
        expected = {
            name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
                "UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal"
            ).fetchall()
        }
        search = con.execute(
            "SELECT document_id, line_id, label, amount_thousand_eur FROM search_budget('klokkenluiders') ORDER BY document_id, line_id"
        ).fetchall()
    assert report["counts"] == expected and expected["fact_budget_amount"] > 0
    assert set(TABLE_NAMES) | set(VIEW_NAMES) <= set(expected)
    # Every registered macro is stored, and the search answers in 1.4 as in the pipeline's DuckDB.
    assert set(MACRO_NAMES) <= set(report["macros"])
    assert [tuple(row) for row in report["search"]] == search and search


def test_a_column_whose_model_names_a_compression_is_stored_with_it(analyst_warehouse: Path) -> None:  # noqa: F811
    # The storage version is the oldest that has it (warehouse_file.STORAGE_VERSION).
    import duckdb

    from pipeline.core.schemas import column_compressions
    from pipeline.store.catalog import TABLES

    compressed = {(t.name, column): kind for t in TABLES for column, kind in column_compressions(t.model).items()}
    assert ("budget_explanation", "text") in compressed
    with duckdb.connect(str(analyst_warehouse), read_only=True) as con:
        for (table, column), kind in compressed.items():
            used = {c for (c,) in con.execute(
                f"SELECT DISTINCT compression FROM pragma_storage_info('{table}') WHERE column_name = ? AND segment_type <> 'VALIDITY'", [column]
            ).fetchall()}
            assert used - {"Constant"} == {kind.upper()}, (table, column, used)
