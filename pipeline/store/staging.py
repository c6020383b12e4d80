"""The staging database: the validated rows of every page, kept between runs, keyed by page.

Nobody but the pipeline opens it, so BI readers never block its writes. A page's rows are
written once, validated, replacing whatever was staged for its file and document in one
transaction (delete, then insert): loads are idempotent and a failed run leaves the previous
rows whole. `source_file` records each page file's fingerprint (bytes, manifest row, parser
code): the one thing that decides whether a page is parsed again. The warehouse is made from
these tables (`warehouse_file.py`); analysts never open this file.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from pipeline.core.schemas import TABLE_MODELS, column_descriptions, columns_of
from pipeline.store.ddl import create_table_sql
from pipeline.store.hooks import pause

# The tables the parse fills per page (the validated frames of pipeline.core.frames).
PAGE_TABLES = (
    "dim_document",
    "dim_table",
    "table_cell",
    "table_footnote",
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
STAGED_TABLES = (*PAGE_TABLES, "source_file")
# Tables keyed by source file rather than by document.
BY_FILE = {"load_rejections", "load_warnings", "source_file", "dim_document"}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    existing = _existing_columns(con)
    for name in STAGED_TABLES:
        model = TABLE_MODELS[name]
        if name not in existing:
            con.execute(create_table_sql(name, model))
            continue
        # A staging database made by an older version: add the columns the models gained
        # (empty until the pages are parsed again, which a new parser version forces).
        for column, (sql_type, _description, _nullable) in column_descriptions(model).items():
            if column not in existing[name]:
                con.execute(f"ALTER TABLE {name} ADD COLUMN {column} {sql_type}")


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
) -> None:
    """Replace everything staged for these files and documents with `frames`, atomically."""
    scope = pd.DataFrame({"key": sorted(set(files) | set(document_ids))}, dtype=object)
    con.register("scope_keys", scope)
    try:
        con.execute("BEGIN TRANSACTION")
        for name, frame in frames.items():
            columns = columns_of(TABLE_MODELS[name])
            predicates = []
            if "document_id" in columns and name != "source_file":  # the registry: one row per file, whatever its document
                predicates.append("document_id IN (SELECT key::VARCHAR FROM scope_keys)")
            if name in BY_FILE:
                predicates.append("source_file IN (SELECT key::VARCHAR FROM scope_keys)")
            con.execute(f"DELETE FROM {name} WHERE " + " OR ".join(predicates))
            if len(frame):
                # The model's columns are picked by the SELECT: pandas' frame[columns] copied
                # every value first (~0.3 of 3.9 CPU-s of the writes of 2,000 pages).
                con.register("incoming", frame)
                con.execute(f"INSERT INTO {name} BY NAME SELECT {', '.join(columns)} FROM incoming")
                con.unregister("incoming")
        pause("staging_write")  # test-only (pipeline.store.hooks)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("scope_keys")


def empty_frames(names: Iterable[str] = STAGED_TABLES) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(columns=columns_of(TABLE_MODELS[name])) for name in names}


def remove_files(con: duckdb.DuckDBPyConnection, files: Iterable[str]) -> list[str]:
    """Forget pages whose files are gone: their documents leave every staged table."""
    files = sorted(set(files))
    if not files:
        return []
    documents = [r[0] for r in con.execute(
        "SELECT DISTINCT document_id FROM source_file WHERE list_contains(?::VARCHAR[], source_file) AND status = 'loaded'",
        [files],
    ).fetchall()]
    replace_pages(con, empty_frames(), files=files, document_ids=documents)
    return documents


def registry(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM source_file ORDER BY source_file").df()


def known_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, int, str]]:
    """Page key -> (stat signature, size, SHA-256) when it was last hashed: a cache of the scan
    (a file whose stat signature holds is not read again), never a reason to parse."""
    rows = con.execute(
        "SELECT source_file, stat_signature, size_bytes, sha256 FROM source_file WHERE stat_signature <> ''"
    ).fetchall()
    return {key: (signature, size, sha) for key, signature, size, sha in rows}


def record_signatures(con: duckdb.DuckDBPyConnection, signatures: dict[str, str]) -> None:
    """Remember the stat signatures the scan saw for files whose hash it (re)computed."""
    if not signatures:
        return
    frame = pd.DataFrame({"source_file": list(signatures), "stat_signature": list(signatures.values())}, dtype=object)
    con.register("signatures", frame)
    try:
        con.execute(
            "UPDATE source_file SET stat_signature = s.stat_signature FROM signatures AS s "
            "WHERE source_file.source_file = s.source_file AND source_file.sha256 IS NOT NULL"
        )
    finally:
        con.unregister("signatures")


def refuse_documents(con: duckdb.DuckDBPyConnection, reasons: dict[str, str]) -> None:
    """Take loaded documents out after the fact (a second version of the page turned up): their
    rows go and a rejection naming both files takes their place. Their warnings stay, as they do
    when both versions arrive in one run (build.deduplicate): staging is the same whichever
    version came first."""
    for document_id, reason in sorted(reasons.items()):
        files = [f for (f,) in con.execute(
            "SELECT source_file FROM source_file WHERE document_id = ? AND status = 'loaded'", [document_id]
        ).fetchall()]
        frames = empty_frames(PAGE_TABLES)
        columns = columns_of(TABLE_MODELS["load_rejections"])
        # Rejections of the document's other files (the newer version) stay.
        kept = con.execute(
            f"SELECT {', '.join(columns)} FROM load_rejections WHERE document_id = ? AND NOT list_contains(?::VARCHAR[], source_file)",
            [document_id, files],
        ).df()
        new = pd.DataFrame(
            [{"document_id": document_id, "source_file": f, "table_id": None, "table_caption": None,
              "source_line": None, "stage": "identify", "reason": reason} for f in files],
            columns=columns,
        )
        frames["load_rejections"] = pd.concat([kept, new], ignore_index=True)
        frames["load_warnings"] = con.execute(
            f"SELECT {', '.join(columns_of(TABLE_MODELS['load_warnings']))} FROM load_warnings WHERE document_id = ?", [document_id]
        ).df()
        replace_pages(con, frames, files=files, document_ids=[document_id])
        con.execute("UPDATE source_file SET status = 'rejected' WHERE document_id = ? AND status = 'loaded'", [document_id])


def drop_orphans(con: duckdb.DuckDBPyConnection) -> int:
    """Remove rows of documents no registered file carries any more (a file whose identity
    changed leaves its old document behind)."""
    removed = 0
    for name in PAGE_TABLES:
        if "document_id" not in columns_of(TABLE_MODELS[name]):
            continue
        removed += con.execute(
            f"DELETE FROM {name} WHERE document_id IS NOT NULL AND document_id NOT IN "
            "(SELECT document_id FROM source_file WHERE document_id IS NOT NULL)"
        ).fetchone()[0]
    return removed
