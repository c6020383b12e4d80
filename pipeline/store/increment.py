"""The small publication: when few pages changed, the new warehouse is the served one, copied,
with the rows of those pages replaced, rather than a file made anew from all of staging.

What a warehouse file was made from is recorded in it (schema `_publication`): the registry row
of every page file (its fingerprint, the one change detector, its status and document) and the
version of the code that makes warehouses from staging. The pages in scope of the next
publication are those whose registry row differs from the recorded one (added, changed,
removed, refused after the fact); their documents are the documents of those rows, before and
after. The copy then gets, in one transaction:

  * the staged tables: the rows of those documents and files deleted, and staging's rows of
    them inserted (the same predicate on both sides: the rows outside it are staging's already);
  * the tables computed per page (`refresh="page"`, explanation_term): the same, from the
    refreshed rows;
  * the small and the conformed tables (`refresh="whole"`: the dimensions): computed again whole;
  * the views whose SQL follows the data, made again when the new data gives other SQL, and
    the macros.

Each staged table then holds as many rows as staging's, or the publication fails. A full build
is made instead when there is no served file, it was made by other code, or more than
MAX_CHANGED_SHARE of the pages changed (then copying saves nothing). `scripts/compare_warehouses.py`
and tests/test_small_publication.py prove the result equal to a full build.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core import PARSER_VERSION
from pipeline.core.schemas import TABLE_MODELS, columns_of
from pipeline.store import staging
from pipeline.store.catalog import TABLES, Table
from pipeline.store.ddl import quote
from pipeline.store.printed_tables import HEADINGS_TABLE, headings_sql

STATE_SCHEMA = "_publication"
_FACTS = next(t for t in TABLES if t.name == "fact_budget_amount")
# Above this share of changed pages a full build costs no more than copying and replacing.
MAX_CHANGED_SHARE = 0.25
# The registry columns whose change puts a page in scope (not its stat signature: a touched file
# with the same bytes is the same page).
REGISTRY_COLUMNS = ("source_file", "fingerprint", "status", "document_id", "duplicate_of")


def _build_version() -> str:
    """A hash of the code that makes a warehouse from staging (and of the parser, which made
    staging): a file made by other code is made again whole."""
    digest = hashlib.sha256(PARSER_VERSION.encode())
    root = Path(__file__).parents[1]
    for path in sorted([*(root / "store").glob("*.py"), *(root / "sql").glob("*.sql")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


BUILD_VERSION = _build_version()


@dataclass
class Scope:
    """The pages a small publication replaces: their files and documents (before and after)."""

    files: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    pages: int = 0  # page files in staging
    # The (budget year, phase) of the documents as the served file has them: their rows leave those.
    served_partitions: list[tuple[int | None, str | None]] = field(default_factory=list)
    # pages_digest of the served file: what its exports were made from.
    served_pages: str = ""

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """The scope as temporary tables `scope_files(source_file)`, `scope_documents(document_id)`
        and `scope_served_partitions(budget_year, phase)`."""
        for name, column, values in (("scope_files", "source_file", self.files), ("scope_documents", "document_id", self.documents)):
            con.register("scope_values", pd.DataFrame({column: values}, dtype=object))
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {column}::VARCHAR AS {column} FROM scope_values")
            con.unregister("scope_values")
        con.execute("CREATE OR REPLACE TEMP TABLE scope_served_partitions (budget_year INTEGER, phase VARCHAR)")
        if self.served_partitions:
            con.executemany("INSERT INTO scope_served_partitions VALUES (?, ?)", self.served_partitions)


def pages_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of what the warehouse `con` was made from (its recorded page files and code
    version): the exports made with a file carry it, so a small publication reuses an export only
    when it was made from the file it starts from."""
    return con.execute(
        f"SELECT (SELECT version FROM {STATE_SCHEMA}.build) || ':' || count(*) || ':' || coalesce(sum(hash(p)::HUGEINT), 0) FROM {STATE_SCHEMA}.page AS p"
    ).fetchall()[0][0]


def lines_to_compute(con: duckdb.DuckDBPyConnection, scope: Scope | None) -> None:
    """The budget lines whose conformed row (dim_budget_line) a build computes, as the temporary
    table `lines_to_compute`: all of them in a full build; in a small publication every line the
    scope's documents print or name as a parent, before (as recorded) and after (as staged)."""
    if scope is None:
        con.execute("CREATE OR REPLACE TEMP TABLE lines_to_compute AS SELECT DISTINCT line_id FROM staging.stg_budget_line")
        return
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lines_to_compute AS
            SELECT DISTINCT unnest([line_id, parent_line_id]) AS line_id FROM (
                SELECT line_id, parent_line_id FROM {STATE_SCHEMA}.page_line WHERE document_id IN (SELECT document_id FROM scope_documents)
                UNION ALL
                SELECT line_id, parent_line_id FROM staging.stg_budget_line WHERE document_id IN (SELECT document_id FROM scope_documents)
            )"""
    )


# Lines a table computed per line (refresh="line": dim_budget_line) computes at a time: its
# aggregate keeps a dozen strings per line, and all 455,000 lines of 10,000 pages at once spilled
# ~1 GB to disk under the memory limit (7.3 CPU-s; in parts of 150,000 lines 3.9).
LINES_PER_PART = 150_000


def line_parts(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Yield once per part of lines_to_compute, in line order, with that part's lines as the
    temporary table `lines_in_part` (what a table computed per line reads)."""
    lines = con.execute("SELECT count(*) FROM lines_to_compute").fetchone()[0]
    parts = max(1, -(-lines // LINES_PER_PART))
    bounds = con.execute(
        f"SELECT quantile_disc(line_id, [i / {parts} FOR i IN range(1, {parts})]) FROM lines_to_compute"
    ).fetchone()[0] if parts > 1 else []
    edges = [None, *bounds, None]
    try:
        for low, high in zip(edges, edges[1:]):
            in_part = " AND ".join([*([f"line_id > {quote(low)}"] if low is not None else []),
                                    *([f"line_id <= {quote(high)}"] if high is not None else [])]) or "true"
            con.execute(f"CREATE OR REPLACE TEMP TABLE lines_in_part AS SELECT line_id FROM lines_to_compute WHERE {in_part}")
            yield
    finally:
        con.execute("DROP TABLE IF EXISTS lines_in_part")


def forget_headings(con: duckdb.DuckDBPyConnection) -> None:
    """Before a small publication replaces the scope's amounts: the headings of their tables
    leave HEADINGS_TABLE (record_headings puts the new ones in)."""
    con.execute(f"DELETE FROM {HEADINGS_TABLE} WHERE table_id IN (SELECT table_id FROM fact_budget_amount WHERE {_predicate(_FACTS)})")


def record_headings(con: duckdb.DuckDBPyConnection, scope: Scope | None) -> None:
    """The printed headings of every loaded table (printed_tables.headings_sql, computed per
    table) in HEADINGS_TABLE, once fact_budget_amount is loaded: those of the scope's tables in
    a small publication (after forget_headings), all in a full build."""
    if scope is None:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA}")
        con.execute(f"CREATE OR REPLACE TABLE {HEADINGS_TABLE} AS {headings_sql()}")
        return
    with restricted(con, (_FACTS.name,)):
        con.execute(f"INSERT INTO {HEADINGS_TABLE} {headings_sql()}")


def record_state(con: duckdb.DuckDBPyConnection, scope: Scope | None, view_sources: dict[str, str]) -> None:
    """Record in the new file (staging attached as `staging`) what it is made from: every page
    file's registry row, the lines each document prints (what lines_to_compute needs of the
    documents as they were), the SQL of the views that follow the data, and the code's version."""
    columns = ", ".join(REGISTRY_COLUMNS)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA}")
    con.execute(f"CREATE OR REPLACE TABLE {STATE_SCHEMA}.page AS SELECT {columns} FROM staging.source_file ORDER BY source_file")
    lines = "SELECT DISTINCT document_id, line_id, parent_line_id FROM staging.stg_budget_line"
    if scope is None:
        con.execute(f"CREATE OR REPLACE TABLE {STATE_SCHEMA}.page_line AS {lines}")
    else:
        in_scope = "document_id IN (SELECT document_id FROM scope_documents)"
        con.execute(f"DELETE FROM {STATE_SCHEMA}.page_line WHERE {in_scope}")
        con.execute(f"INSERT INTO {STATE_SCHEMA}.page_line {lines} WHERE {in_scope}")
    con.execute(f"CREATE OR REPLACE TABLE {STATE_SCHEMA}.view_sql (view_name VARCHAR, sql VARCHAR)")
    if view_sources:
        con.executemany(f"INSERT INTO {STATE_SCHEMA}.view_sql VALUES (?, ?)", list(view_sources.items()))
    con.execute(f"CREATE OR REPLACE TABLE {STATE_SCHEMA}.build AS SELECT {quote(BUILD_VERSION)} AS version")
    con.execute(f"COMMENT ON TABLE {STATE_SCHEMA}.page IS 'The pipeline''s record of the page files this warehouse was made from (not for analysis).'")


def plan(served: Path, staging_path: str) -> Scope | None:
    """The scope of a small publication onto the served file, or None when a full build is due."""
    if not served.exists():
        return None
    try:
        con = duckdb.connect(str(served), read_only=True)
    except duckdb.Error:
        return None  # unreadable or held by a writer: a full build (the swap says why if it cannot happen)
    try:
        version = con.execute(
            f"SELECT version FROM {STATE_SCHEMA}.build"
        ).fetchone()[0] if _has_state(con) else None
        if version != BUILD_VERSION:
            return None
        con.execute(f"ATTACH {quote(staging_path)} AS staging (READ_ONLY)")
        columns = ", ".join(REGISTRY_COLUMNS)
        changed = con.execute(
            f"""WITH old AS (SELECT {columns} FROM {STATE_SCHEMA}.page),
                     new AS (SELECT {columns} FROM staging.source_file),
                     differing AS ((SELECT * FROM old EXCEPT SELECT * FROM new) UNION ALL (SELECT * FROM new EXCEPT SELECT * FROM old))
                SELECT list(DISTINCT source_file), list(DISTINCT document_id) FILTER (WHERE document_id IS NOT NULL) FROM differing"""
        ).fetchone()
        pages = con.execute("SELECT count(*) FROM staging.source_file").fetchone()[0]
        documents = sorted(changed[1] or [])
        served_partitions = con.execute(
            "SELECT DISTINCT budget_year, phase FROM dim_document WHERE list_contains(?, document_id) ORDER BY ALL", [documents]
        ).fetchall()
        served_pages = pages_digest(con)
    finally:
        con.close()
    files = sorted(changed[0] or [])
    if len(files) > MAX_CHANGED_SHARE * max(pages, 1):
        return None
    return Scope(files=files, documents=documents, pages=pages, served_partitions=served_partitions, served_pages=served_pages)


def view_sources(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The SQL the views that follow the data were made from in this file (record_state)."""
    if not _has_state(con, "view_sql"):
        return {}
    return dict(con.execute(f"SELECT view_name, sql FROM {STATE_SCHEMA}.view_sql").fetchall())


def _has_state(con: duckdb.DuckDBPyConnection, table: str = "build") -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?",
        [STATE_SCHEMA, table],
    ).fetchone()[0])


def copy_served(served: Path, target: Path) -> None:
    shutil.copyfile(served, target)


def _predicate(table: Table) -> str:
    """The rows of a table that belong to the scope's pages (as staging.replace_pages keys them)."""
    columns = columns_of(TABLE_MODELS[table.name])
    predicates = []
    if "document_id" in columns:
        predicates.append("document_id IN (SELECT document_id FROM scope_documents)")
    if table.name in staging.BY_FILE:
        predicates.append("source_file IN (SELECT source_file FROM scope_files)")
    return " OR ".join(predicates)


@contextmanager
def restricted(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...] | list[str], predicate_of=None):
    """Within the block, each of `tables` reads as its rows in scope only: a temporary view of the
    same name (DuckDB looks in `temp` first) over the table in the file. The SQL that computes a
    table or checks one then works on the scope unchanged."""
    database = con.execute("SELECT current_database()").fetchone()[0]
    made = []
    try:
        for name in tables:
            table = next(t for t in TABLES if t.name == name)
            predicate = (predicate_of or _predicate)(table)
            con.execute(f'CREATE TEMP VIEW {name} AS SELECT * FROM "{database}".main.{name} WHERE {predicate}')
            made.append(name)
        yield
    finally:
        for name in made:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{name}")


def refresh(con: duckdb.DuckDBPyConnection, table: Table, scope: Scope, load) -> None:
    """Bring one table of the copy up to date with staging for the scope's pages (`load(con,
    table)` fills a table as a full build does)."""
    if table.refresh == "whole":
        con.execute(f"DELETE FROM {table.name}")
        load(con, table)
        return
    if table.refresh == "line":
        # The checks look again at the tables printing a line whose conformed row changed, and
        # the exports write again the chapters of those lines (before and after).
        in_scope = lines_in(con, "lines_to_compute")
        con.execute(f"CREATE OR REPLACE TEMP TABLE lines_before AS SELECT * FROM {table.name} WHERE {in_scope}")
        con.execute(f"DELETE FROM {table.name} WHERE {in_scope}")
        load(con, table)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE changed_lines AS SELECT DISTINCT line_id, chapter FROM ("
            f"(SELECT * FROM lines_before EXCEPT SELECT * FROM {table.name} WHERE {in_scope}) UNION ALL "
            f"(SELECT * FROM {table.name} WHERE {in_scope} EXCEPT SELECT * FROM lines_before))"
        )
        con.execute("DROP TABLE lines_before")
        return
    predicate = _predicate(table)
    con.execute(f"DELETE FROM {table.name} WHERE {predicate}")
    if table.sql is None and table.frame is None:
        columns = ", ".join(columns_of(table.model))
        con.execute(
            f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM staging.{table.name} WHERE {predicate}"
            + (f" ORDER BY {table.order_by}" if table.order_by else "")
        )
    else:
        with restricted(con, table.deps):
            load(con, table)


# The most budget lines a small publication names one by one in its SQL: DuckDB then finds them
# through dim_budget_line's primary key rather than by a join over all its lines (10,000 pages,
# one page added: the five statements on its lines took 0.17 CPU-s, 0.05 so).
LISTED_LINES_MAX = 1000


def lines_in(con: duckdb.DuckDBPyConnection, lines: str) -> str:
    """SQL over a table's rows: its line is one of the temporary table `lines` (line_id)."""
    listed = con.execute(f"SELECT line_id FROM {lines} WHERE line_id IS NOT NULL ORDER BY line_id LIMIT {LISTED_LINES_MAX + 1}").fetchall()
    if len(listed) > LISTED_LINES_MAX:
        return f"line_id IN (SELECT line_id FROM {lines})"
    return f"line_id IN ({', '.join(quote(line) for (line,) in listed)})" if listed else "false"


def check_scope(con: duckdb.DuckDBPyConnection) -> None:
    """The documents the checks of a small publication look at (`check_documents`): the scope's,
    and those printing a line whose conformed row changed."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE check_documents AS SELECT document_id FROM scope_documents UNION "
        "SELECT DISTINCT document_id FROM fact_budget_amount WHERE line_id IN (SELECT line_id FROM changed_lines)"
    )


# The rows of the documents a small publication checks (a predicate on a table's rows).
IN_CHECKED_DOCUMENTS = "document_id IN (SELECT document_id FROM check_documents)"


def checked(con: duckdb.DuckDBPyConnection, table: Table) -> str:
    """The rows of a table the checks of a small publication look at: the rows of the checked
    documents; of the conformed lines, those that changed. (The rows outside were proven when
    the served file was.)"""
    if table.name == "dim_budget_line":
        return lines_in(con, "changed_lines")
    return IN_CHECKED_DOCUMENTS


def check_counts(con: duckdb.DuckDBPyConnection, counts: dict[str, int]) -> None:
    """Every table copied from staging holds as many rows as staging: a small publication that
    lost or repeated rows fails rather than serve them."""
    for table in TABLES:
        if table.sql is None and table.frame is None:
            expected = con.execute(f"SELECT count(*) FROM staging.{table.name}").fetchone()[0]
            if counts[table.name] != expected:
                raise RuntimeError(
                    f"small publication: {table.name} has {counts[table.name]} rows, staging {expected}; nothing was served"
                )
