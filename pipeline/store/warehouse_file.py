"""Make a complete warehouse file from staging, in SQL: every registered table (catalog.py)
loaded or computed, the views and stored macros made, every table, view and column commented from its model.

The file is written in the oldest DuckDB storage format that holds what it uses
(STORAGE_VERSION), so BI tools whose drivers ship an older DuckDB (the 1.4 LTS line) open it.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import duckdb

from pipeline.core.schemas import columns_of
from pipeline.sql import sql_text
from pipeline.store import increment, staging
from pipeline.store.catalog import MACROS, TABLES, VIEWS, Table, View
from pipeline.store.connections import duckdb_config, is_motherduck, side_by_side, waiting_for_lock
from pipeline.store.ddl import comment_sql, create_table_sql, quote, view_comment_sql
from pipeline.store.hooks import pause
from pipeline.store.increment import Scope

# The oldest format that stores a column compressed with zstd (schemas.col's `compression`):
# DuckDB 1.2 and every later version read it (a test opens the file with DuckDB 1.4).
STORAGE_VERSION = "v1.2.0"
# The compression of each column of the two largest tables copied from staging: the one DuckDB
# chooses for it at 10,000 generated pages (the same file, 79 MB for fact_budget_amount), named so
# that it does not try every compression on every column of every segment to choose (that load
# 7.2-7.4 -> 5.3 CPU-s on one thread). Codes, keys and labels repeat (dictionary), free text does
# not (fsst), integers are small (bitpacking; row_number runs within a table, rle).
COMPRESSIONS = {
    "fact_budget_amount": {
        **dict.fromkeys(("document_id", "table_id", "table_kind", "line_id", "measure", "printed_label", "column_label",
                         "column_kind", "fdp_phase", "value_status"), "dictionary"),
        **dict.fromkeys(("raw_value", "footnote_marker"), "fsst"),
        **dict.fromkeys(("row_number", "column_position", "fiscal_year", "amount_thousand_eur", "source_line"), "bitpacking"),
    },
    "table_cell": {
        **dict.fromkeys(("table_id", "document_id", "cell_role"), "dictionary"),
        "raw_text": "fsst",
        **dict.fromkeys(("cell_order", "column_position", "source_line"), "bitpacking"),
        "row_number": "rle",
    },
}


# The loads of a full build that take longest, started in this order once the small ones are
# (10,000 pages, CPU-s on one thread: 5.1, 1.7, 4.0, 3.8, 2.6; explanation_term waits for
# budget_explanation, and takes ~2.1 since its text is cut at spaces first). Started in TABLES'
# order, one lane ended ~1.3 s after the other (the loads took 9.9 s; in this order, simulated
# from those times, 9.3).
LONGEST_LOADS = ("fact_budget_amount", "budget_explanation", "dim_budget_line", "explanation_term", "table_cell")


def connect_new(target: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(target), config={**duckdb_config(), "storage_compatibility_version": STORAGE_VERSION})


def build(con: duckdb.DuckDBPyConnection, staging_path: str, scope: Scope | None = None) -> dict[str, int]:
    """Load every table and make every view in the new warehouse `con` (the staging database is
    attached as `staging` until `detach_staging`); returns each table's row count. With a
    `scope`, `con` is a copy of the served warehouse and only the scope's pages are replaced
    (pipeline.store.increment)."""
    attach_staging(con, staging_path)
    # Few transactions: each statement on its own (a CREATE, a COMMENT) is a commit of its own,
    # and the hundreds of them cost seconds whatever the size of the data.
    con.execute("BEGIN TRANSACTION")
    if scope is not None:
        scope.register(con)
        increment.lines_to_compute(con, scope)
        increment.forget_headings(con)
    for macro in MACROS:
        if not macro.deps:  # a table's SQL may call it
            con.execute(sql_text(macro.sql_file))
    if scope is None:
        for table in TABLES:
            con.execute(create_table_sql(table.name, table.model, compressions=COMPRESSIONS.get(table.name)))
        con.execute("COMMIT")
        side_by_side(con, {table.name: (partial(_load_anew, table=table), _reads(table)) for table in _load_order()})
        con.execute("BEGIN TRANSACTION")
    else:
        for table in TABLES:
            increment.refresh(con, table, scope, _load)
    counts = {table.name: con.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0] for table in TABLES}
    increment.record_headings(con, scope)
    pause("mid_load")  # test-only (pipeline.store.hooks)
    con.execute("COMMIT")
    made_from = increment.view_sources(con) if scope is not None else {}
    sources = {}
    for view in VIEWS:
        # A small publication's copy has the views, made by the same code: one is made again only
        # when its SQL follows the data and the new data gives other SQL (at 10,000 pages the views
        # took ~2 s of a small publication, v_table_as_printed's 551 comments most of it).
        if scope is not None and view.render is None:
            continue
        sql = view_sql(con, view)
        if view.render is not None:
            sources[view.name] = sql
        if made_from.get(view.name) != sql:
            create_view(con, view, sql)
    con.execute("BEGIN TRANSACTION")
    for macro in MACROS:
        if macro.deps:  # bound to the tables and views it reads when created
            con.execute(sql_text(macro.sql_file))
    if scope is None:
        for table in TABLES:
            for statement in comment_sql(table.name, table.model):
                con.execute(statement)
    else:
        increment.check_counts(con, counts)
        increment.check_scope(con)
    increment.record_state(con, scope, sources)
    con.execute("COMMIT")
    return counts


def _load_order() -> list[Table]:
    """The order in which a full build starts the loads as they become ready (LONGEST_LOADS)."""
    longest = [next(t for t in TABLES if t.name == name) for name in LONGEST_LOADS]
    return [t for t in TABLES if t.name not in LONGEST_LOADS] + longest


def _reads(table: Table) -> tuple[str, ...]:
    """The tables of the new file a table's load reads: a table copied from staging reads none."""
    return table.deps if table.sql is not None or table.frame is not None else ()


def _load_anew(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Load a table of a full build (created empty) in a transaction of its own: its rows leave
    memory with its commit (all of them in one transaction ran out of DuckDB's memory limit at
    10,000 pages)."""
    con.execute("BEGIN TRANSACTION")
    if table.refresh == "line":
        increment.lines_to_compute(con, None)  # a temporary table: of this connection
    _load(con, table)
    con.execute("COMMIT")


def _load(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    if table.sql is not None and table.refresh == "line":
        for _ in increment.line_parts(con):
            con.execute(sql_text(table.sql))
    elif table.sql is not None:
        con.execute(sql_text(table.sql))
    elif table.frame is not None:
        con.register("incoming_frame", table.frame(con))
        try:
            con.execute(f"INSERT INTO {table.name} BY NAME SELECT * FROM incoming_frame")
        finally:
            con.unregister("incoming_frame")
    else:
        columns = ", ".join(columns_of(table.model))
        order = f" ORDER BY {table.order_by}" if table.order_by else ""
        con.execute(f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM staging.{table.name}{order}")


# Statements of a view per transaction. Each COMMENT ON COLUMN of a view copies the view's
# catalog entry, and a transaction keeps every copy until it ends (v_table_as_printed's 551
# comments held 380 MB at 10,000 pages in one); a commit each costs a write-ahead log sync each
# (that view: 3.0 s, in transactions of 50: 1.4 s).
VIEW_STATEMENTS_PER_COMMIT = 50


def view_sql(con: duckdb.DuckDBPyConnection, view: View) -> str:
    """The view's CREATE statement: its SQL file, completed from the data when it has columns
    that follow the data."""
    sql = sql_text(view.sql_file)
    return view.render(con, sql) if view.render is not None else sql


def create_view(con: duckdb.DuckDBPyConnection, view: View, sql: str) -> None:
    """CREATE the view from `sql` (its view_sql), with the COMMENTs on it and its columns;
    outside a transaction, it commits its own."""
    con.execute(sql)
    statements = view_comment_sql(view.name, view.model, columns_of_relation(con, view.name))
    for start in range(0, len(statements), VIEW_STATEMENTS_PER_COMMIT):
        con.execute("BEGIN TRANSACTION")
        for statement in statements[start:start + VIEW_STATEMENTS_PER_COMMIT]:
            con.execute(statement)
        con.execute("COMMIT")


def columns_of_relation(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]


def attach_staging(con: duckdb.DuckDBPyConnection, staging_path: str) -> None:
    """Attach staging read-only, waiting while another process writes it (outside Dagster's pool).
    With no staging database yet (no page ever staged) an empty one is made: an empty warehouse."""
    if not is_motherduck(staging_path) and not Path(staging_path).exists():
        Path(staging_path).parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(staging_path) as empty:
            staging.ensure_schema(empty)
    waiting_for_lock(lambda: con.execute(f"ATTACH {quote(staging_path)} AS staging (READ_ONLY)"))


def detach_staging(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DETACH staging")
