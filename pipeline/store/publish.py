"""Atomic publication of the served warehouse.

A publication builds a complete new DuckDB file next to the served one from the staging
database, checkpoints and fsyncs it, then renames it over the served file. So:
  * a reader holding the old file open (a BI tool, even read-write-locked) never blocks it;
    on POSIX the old inode stays readable until the reader closes it, and the reader keeps
    seeing the whole previous warehouse; a new connection sees the new one;
  * a reader never sees a half-loaded warehouse;
  * a failed or killed publication leaves the previous warehouse whole (only a stray
    temporary file, removed by the next publication).
The file exports (`export.py`) are written from the new file before the swap and switched
right after it. Publications are serialised by an exclusive lock file beside the warehouse
(and, within Dagster, by the assets' pool of one).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline.core.schemas import TABLE_MODELS, VIEW_MODELS, columns_of
from pipeline.sql import sql_text
from pipeline.store import export
from pipeline.store.ddl import comment_sql, create_table_sql, quote, view_comment_sql
from pipeline.store.dimensions import chapter_frame, phase_frame
from pipeline.store.export import fsync
from pipeline.store.hooks import pause

# In load order: the phase and chapter dimensions first (dim_budget_line orders documents by
# phase), dim_year last (it spans the years of the loaded facts).
PUBLIC_TABLES = (
    "dim_phase",
    "dim_chapter",
    "dim_document",
    "dim_table",
    "table_cell",
    "dim_budget_line",
    "fact_budget_amount",
    "fact_budget_flexibility",
    "table_column_identity",
    "load_rejections",
    "load_warnings",
    "dim_year",
)
ORDER_BY = {
    "dim_document": "document_id",
    "dim_table": "table_id",
    "table_cell": "table_id, cell_order",
    "fact_budget_amount": "document_id, table_id, row_number, column_position",
    "fact_budget_flexibility": "document_id, table_id, fiscal_year, category",
    "table_column_identity": "table_id, identity_number, term_position",
    "load_rejections": "source_file, source_line, table_id",
    "load_warnings": "source_file, field, message",
}
# Tables made by SQL of their own rather than copied from staging.
TABLE_SQL = {"dim_budget_line": "dim_budget_line.sql", "dim_year": "dim_year.sql"}
# Views in creation order (later ones read earlier ones); their columns are VIEW_MODELS[name].
VIEW_FILES = {
    "v_budget_amount": "v_budget_amount.sql",
    "budget_vintages": "budget_vintages.sql",
    "budget_by_year": "budget_by_year.sql",
    "budget_flexibility": "budget_flexibility.sql",
}
YEAR_COLUMNS_MARKER = "/*year columns*/"
STAGING_ATTACH_TIMEOUT_S = 120.0


@dataclass
class Publication:
    path: Path
    seconds: float
    row_counts: dict[str, int]
    export_dir: Path | None = None
    export_counts: dict[str, int] = field(default_factory=dict)


@contextmanager
def publication_lock(warehouse: Path, timeout_s: float = 600.0):
    """One publication at a time per warehouse file, across processes."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another publication holds {lock_path} for over {timeout_s:.0f} s") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(staging_path: Path, warehouse_path: Path) -> Publication:
    """Build a new warehouse (and its exports) from staging and swap it in atomically."""
    started = time.perf_counter()
    directory = warehouse_path.parent
    with publication_lock(warehouse_path):
        for stale in directory.glob(f".{warehouse_path.name}.*.tmp*"):
            stale.unlink(missing_ok=True)  # left by a killed publication
        export.discard_stale(directory)
        tmp = warehouse_path.with_name(f".{warehouse_path.name}.{uuid.uuid4().hex}.tmp")
        version: Path | None = None
        try:
            counts, version, export_counts = _build(staging_path, tmp, directory)
            fsync(tmp)
            pause("before_replace")
            os.replace(tmp, warehouse_path)
            fsync(directory)
            export.activate(directory, version)
        except BaseException:
            if version is not None and (directory / export.EXPORT_LINK).resolve() != version.resolve():
                shutil.rmtree(version, ignore_errors=True)
            raise
        finally:
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return Publication(warehouse_path, time.perf_counter() - started, counts, directory / export.EXPORT_LINK, export_counts)


def _attach_staging(con: duckdb.DuckDBPyConnection, staging_path: Path) -> None:
    """Attach staging read-only, waiting while another process writes it (outside Dagster's pool).
    With no staging database yet (no page ever staged) an empty one is made: an empty warehouse."""
    if not staging_path.exists():
        from pipeline.store import staging

        staging_path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(staging_path)) as empty:
            staging.ensure_schema(empty)
    deadline = time.monotonic() + STAGING_ATTACH_TIMEOUT_S
    delay = 0.05
    while True:
        try:
            con.execute(f"ATTACH {quote(str(staging_path))} AS staging (READ_ONLY)")
            return
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _build(staging_path: Path, target: Path, directory: Path) -> tuple[dict[str, int], Path, dict[str, int]]:
    con = duckdb.connect(str(target))
    try:
        _attach_staging(con, staging_path)
        for name in PUBLIC_TABLES:
            model = TABLE_MODELS[name]
            con.execute(create_table_sql(name, model))
            columns = ", ".join(columns_of(model))
            if name in TABLE_SQL:
                con.execute(sql_text(TABLE_SQL[name]))
            elif name == "dim_phase":
                _insert_frame(con, name, phase_frame())
            elif name == "dim_chapter":
                codes = [r[0] for r in con.execute("SELECT DISTINCT chapter FROM staging.dim_document").fetchall()]
                _insert_frame(con, name, chapter_frame(codes))
            else:
                con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM staging.{name} ORDER BY {ORDER_BY[name]}")
        pause("mid_load")
        for view, sql_file in VIEW_FILES.items():
            con.execute(_view_sql(con, sql_file))
        for name in PUBLIC_TABLES:
            for statement in comment_sql(name, TABLE_MODELS[name]):
                con.execute(statement)
        for view in VIEW_FILES:
            columns = [r[0] for r in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
            for statement in view_comment_sql(view, VIEW_MODELS[view], columns):
                con.execute(statement)
        counts = {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in PUBLIC_TABLES}
        version, export_counts = export.write_exports(con, directory, list(PUBLIC_TABLES))
        con.execute("DETACH staging")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts, version, export_counts


def _insert_frame(con: duckdb.DuckDBPyConnection, name: str, frame) -> None:
    con.register("incoming_frame", frame)
    try:
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM incoming_frame")
    finally:
        con.unregister("incoming_frame")


def _view_sql(con: duckdb.DuckDBPyConnection, sql_file: str) -> str:
    sql = sql_text(sql_file)
    if YEAR_COLUMNS_MARKER in sql:
        years = [r[0] for r in con.execute(
            "SELECT DISTINCT fiscal_year FROM fact_budget_amount WHERE fdp_phase IS NOT NULL AND fiscal_year IS NOT NULL ORDER BY 1"
        ).fetchall()]
        columns = "\n    ".join(
            f", max(v.amount_thousand_eur) FILTER (WHERE v.fiscal_year = {int(year)}) AS y{int(year)}" for year in years
        )
        sql = sql.replace(YEAR_COLUMNS_MARKER, columns)
    return sql
