"""The staging database: where assets keep their results between steps and runs.

Nobody but the pipeline opens it, so BI readers never block its writes. Every write replaces
the rows of the pages it covers in one transaction (delete, then insert): loads are idempotent
and a failed step leaves the previous rows whole. Analysts read the published warehouse
(`publish.py`), never this file.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from pipeline.core.schemas import TABLE_MODELS, columns_of
from pipeline.store.ddl import create_table_sql

# Results of parsing, before validation; the validated tables carry the same names unprefixed.
PARSED_PREFIX = "parsed_"
PAGE_TABLES = (
    "dim_document",
    "dim_table",
    "table_cell",
    "stg_budget_line",
    "fact_budget_amount",
    "fact_budget_flexibility",
    "table_column_identity",
    "load_rejections",
    "load_warnings",
)
# Tables keyed by source file rather than by document.
BY_FILE = {"load_rejections", "load_warnings", "source_file", "dim_document"}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for name in (*PAGE_TABLES, "source_file", "source_scan"):
        model = TABLE_MODELS[name]
        con.execute(create_table_sql(name, model))
        if name in PAGE_TABLES:
            con.execute(create_table_sql(PARSED_PREFIX + name, model).replace("PRIMARY KEY", "UNIQUE"))


def replace_pages(
    con: duckdb.DuckDBPyConnection,
    frames: dict[str, pd.DataFrame],
    *,
    files: Iterable[str],
    document_ids: Iterable[str],
    prefix: str = "",
) -> None:
    """Replace everything staged for these files and documents with `frames`, atomically."""
    ensure_schema(con)
    scope = pd.DataFrame({"key": sorted(set(files) | set(document_ids))})
    con.register("scope_keys", scope)
    try:
        con.execute("BEGIN TRANSACTION")
        for name, frame in frames.items():
            table = prefix + name if name in PAGE_TABLES else name
            predicates = []
            columns = columns_of(TABLE_MODELS[name])
            if "document_id" in columns:
                predicates.append("document_id IN (SELECT key::VARCHAR FROM scope_keys)")
            if name in BY_FILE:
                predicates.append("source_file IN (SELECT key::VARCHAR FROM scope_keys)")
            con.execute(f"DELETE FROM {table} WHERE " + " OR ".join(predicates))
            if len(frame):
                con.register("incoming", frame[columns])
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
                con.unregister("incoming")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("scope_keys")


def remove_files(con: duckdb.DuckDBPyConnection, files: Iterable[str]) -> list[str]:
    """Forget pages whose files are gone: their documents leave every staged table."""
    ensure_schema(con)
    files = sorted(set(files))
    if not files:
        return []
    scope = pd.DataFrame({"key": files})
    con.register("gone_files", scope)
    documents = [r[0] for r in con.execute(
        "SELECT DISTINCT document_id FROM source_file WHERE source_file IN (SELECT key::VARCHAR FROM gone_files) AND status = 'loaded'"
    ).fetchall()]
    con.unregister("gone_files")
    empty = {name: pd.DataFrame(columns=columns_of(TABLE_MODELS[name])) for name in (*PAGE_TABLES, "source_file")}
    for prefix in ("", PARSED_PREFIX):
        replace_pages(con, {k: v for k, v in empty.items() if prefix == "" or k in PAGE_TABLES}, files=files, document_ids=documents, prefix=prefix)
    return documents


def read_parsed(con: duckdb.DuckDBPyConnection, document_ids: Iterable[str], files: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The parsed (not yet validated) frames of these documents."""
    ensure_schema(con)
    scope = pd.DataFrame({"key": sorted(set(document_ids) | set(files))})
    con.register("scope_keys", scope)
    frames = {}
    try:
        for name in PAGE_TABLES:
            columns = columns_of(TABLE_MODELS[name])
            predicates = ["document_id IN (SELECT key::VARCHAR FROM scope_keys)"]
            if name in BY_FILE:
                predicates.append("source_file IN (SELECT key::VARCHAR FROM scope_keys)")
            frames[name] = con.execute(
                f"SELECT {', '.join(columns)} FROM {PARSED_PREFIX}{name} WHERE {' OR '.join(predicates)}"
            ).df()
    finally:
        con.unregister("scope_keys")
    return frames


def registry(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    ensure_schema(con)
    return con.execute("SELECT * FROM source_file ORDER BY source_file").df()
