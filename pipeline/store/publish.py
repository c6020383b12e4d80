"""Atomic publication of the served warehouse.

A publication builds a complete new DuckDB file next to the served one from the staging
database, checkpoints and fsyncs it, then renames it over the served file. So:
  * a reader holding the old file open (a BI tool, even read-write-locked) never blocks it;
    on POSIX the old inode stays readable until the reader closes it;
  * a reader never sees a half-loaded warehouse;
  * a failed or killed publication leaves the previous warehouse whole (only a stray
    temporary file, removed by the next publication).
Publications are serialised by an exclusive lock file beside the warehouse.
"""

from __future__ import annotations

import fcntl
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from pipeline.core.schemas import TABLE_MODELS, columns_of
from pipeline.store.ddl import comment_sql, create_table_sql, quote

PUBLIC_TABLES = (
    "dim_document",
    "dim_table",
    "table_cell",
    "dim_budget_line",
    "fact_budget_amount",
    "fact_budget_flexibility",
    "table_column_identity",
    "load_rejections",
    "load_warnings",
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
VIEW_FILES = ("v_budget_amount.sql",)


def sql_text(name: str) -> str:
    return resources.files("pipeline.sql").joinpath(name).read_text(encoding="utf-8")


@dataclass
class Publication:
    path: Path
    seconds: float
    row_counts: dict[str, int]


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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(staging_path: Path, warehouse_path: Path) -> Publication:
    """Build a new warehouse from staging and swap it in atomically."""
    started = time.perf_counter()
    with publication_lock(warehouse_path):
        for stale in warehouse_path.parent.glob(f".{warehouse_path.name}.*.tmp*"):
            stale.unlink(missing_ok=True)  # left by a killed publication
        tmp = warehouse_path.with_name(f".{warehouse_path.name}.{uuid.uuid4().hex}.tmp")
        try:
            counts = _build(staging_path, tmp)
            _fsync(tmp)
            os.replace(tmp, warehouse_path)
            _fsync(warehouse_path.parent)
        finally:
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return Publication(warehouse_path, time.perf_counter() - started, counts)


def _build(staging_path: Path, target: Path) -> dict[str, int]:
    con = duckdb.connect(str(target))
    try:
        con.execute(f"ATTACH {quote(str(staging_path))} AS staging (READ_ONLY)")
        for name in PUBLIC_TABLES:
            model = TABLE_MODELS[name]
            con.execute(create_table_sql(name, model))
            if name == "dim_budget_line":
                con.execute(sql_text("dim_budget_line.sql"))
            else:
                columns = ", ".join(columns_of(model))
                con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM staging.{name} ORDER BY {ORDER_BY[name]}")
        for view in VIEW_FILES:
            con.execute(sql_text(view))
        for name in PUBLIC_TABLES:
            for statement in comment_sql(name, TABLE_MODELS[name]):
                con.execute(statement)
        counts = {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in PUBLIC_TABLES}
        con.execute("DETACH staging")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts
