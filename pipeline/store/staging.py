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

from pipeline.core.schemas import TABLE_MODELS, column_descriptions, columns_of
from pipeline.store.ddl import create_table_sql
from pipeline.store.hooks import pause

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
    "budget_explanation",
    "fact_instrument_commitment",
    "parliamentary_paper_citation",
)
# Tables keyed by source file rather than by document.
BY_FILE = {"load_rejections", "load_warnings", "source_file", "dim_document", "source_scan"}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    existing = _existing_columns(con)
    for name in (*PAGE_TABLES, "source_file", "source_scan"):
        model = TABLE_MODELS[name]
        tables = [name, PARSED_PREFIX + name] if name in PAGE_TABLES else [name]
        for table in tables:
            if table not in existing:
                sql = create_table_sql(table, model)
                con.execute(sql.replace("PRIMARY KEY", "UNIQUE") if table != name else sql)
                continue
            # A staging database made by an older version: add the columns the models gained
            # (empty until the pages are parsed again, which a new parser version forces).
            for column, (sql_type, _description, _nullable) in column_descriptions(model).items():
                if column not in existing[table]:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def _existing_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = current_schema()"
    ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return columns


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
        pause("staging_write")  # test-only (pipeline.store.hooks)
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


def replace_scan(con: duckdb.DuckDBPyConnection, scan: pd.DataFrame, keys: Iterable[str]) -> None:
    """Record the scan of these page keys (a key without a row is a page whose file is gone)."""
    replace_pages(con, {"source_scan": scan}, files=keys, document_ids=[])


def known_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, int, str]]:
    """Page key -> (stat signature, size, SHA-256) the last scan recorded; works on a read-only
    connection, and gives nothing for a staging database older than the column."""
    try:
        rows = con.execute(
            "SELECT source_file, stat_signature, size_bytes, sha256 FROM source_scan WHERE stat_signature <> ''"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {key: (signature, size, sha) for key, signature, size, sha in rows}


def scanned_pages(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every page file the scans have seen and not seen disappear, with its hash and fingerprint."""
    ensure_schema(con)
    return con.execute("SELECT * FROM source_scan ORDER BY source_file").df()


def refuse_documents(con: duckdb.DuckDBPyConnection, reasons: dict[str, str]) -> None:
    """Take documents out of the load after the fact (a second version of the page turned up):
    their parsed rows go, a rejection takes their place, and they are validated again."""
    if not reasons:
        return
    ensure_schema(con)
    for document_id, reason in sorted(reasons.items()):
        files = [f for (f,) in con.execute(
            "SELECT source_file FROM source_file WHERE document_id = ? AND status = 'loaded'", [document_id]
        ).fetchall()]
        empty = {name: pd.DataFrame(columns=columns_of(TABLE_MODELS[name])) for name in PAGE_TABLES}
        columns = columns_of(TABLE_MODELS["load_rejections"])
        # Rejections of the document's other files (the newer version) stay.
        kept = con.execute(
            f"SELECT {', '.join(columns)} FROM {PARSED_PREFIX}load_rejections WHERE document_id = ? "
            "AND source_file NOT IN (SELECT unnest(?::VARCHAR[]))",
            [document_id, files],
        ).df()
        new = pd.DataFrame(
            [{"document_id": document_id, "source_file": f, "table_id": None, "table_caption": None,
              "source_line": None, "stage": "identify", "reason": reason} for f in files],
            columns=columns,
        )
        empty["load_rejections"] = pd.concat([kept, new], ignore_index=True)
        replace_pages(con, empty, files=files, document_ids=[document_id], prefix=PARSED_PREFIX)
        con.execute(
            "UPDATE source_file SET status = 'rejected', validated_fingerprint = NULL WHERE document_id = ? AND status = 'loaded'",
            [document_id],
        )


def drop_orphans(con: duckdb.DuckDBPyConnection) -> int:
    """Remove validated rows of documents no registered file carries any more (a file whose
    identity changed leaves its old document behind)."""
    ensure_schema(con)
    removed = 0
    for name in PAGE_TABLES:
        columns = columns_of(TABLE_MODELS[name])
        if "document_id" not in columns:
            continue
        before = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        con.execute(
            f"DELETE FROM {name} WHERE document_id IS NOT NULL AND document_id NOT IN "
            "(SELECT document_id FROM source_file WHERE document_id IS NOT NULL)"
        )
        removed += before - con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    return removed
