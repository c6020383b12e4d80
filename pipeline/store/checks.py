"""The checks that prove the numbers of a new warehouse before it is served.

They re-prove, in SQL over the new file, what the parser enforced while reading (a second,
independent implementation of the same rules), and that every table still matches its pandera
model. The parent sums follow each table's own hierarchy, which only staging keeps (the file has
the lines conformed across documents): staging stays attached while the checks run. Any row they return is a bug to look at; a failing one keeps the previous warehouse
served (pipeline/defs/warehouse.py).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import duckdb
import pandas as pd
import pandera.errors

from pipeline.core.schemas import validate
from pipeline.sql import sql_text
from pipeline.store import increment
from pipeline.store.catalog import Table
from pipeline.store.ddl import create_table_sql


@dataclass(frozen=True)
class SqlCheck:
    name: str
    table: str  # the published table it checks
    sql_file: str  # returns the violating rows
    description: str


SQL_CHECKS = (
    SqlCheck("parents_equal_sum_of_children", "fact_budget_amount", "check_parent_sums.sql",
             "Every parent line equals the sum of its additive children in every column, within max(1, n/2)."),
    SqlCheck("column_identities_hold", "table_column_identity", "check_column_identities.sql",
             "Stand = previous stand + mutaties and verschil = realisatie - begroting, wherever all terms are printed."),
    SqlCheck("flexibility_shares_add_up", "fact_budget_flexibility", "check_flexibility_shares.sql",
             "The flexibility categories of each article and year add up to 100% (within 1 point of rounding)."),
)


# The tables the SQL checks read rows of, per document (a small publication checks its documents' rows).
CHECKED_TABLES = ("fact_budget_amount", "table_column_identity", "fact_budget_flexibility")
# Staging's table of the printed hierarchy, which the parent sums read as `stg_budget_line`: a
# temporary view of the rows of the documents checked (the other rows would be joined to none).
STAGED_LINES = "stg_budget_line"


# Amounts a full build's SQL checks read at a time: every check works per document, and the
# parent sums over all 3.7 M amounts of 10,000 pages needed 1.4 GB, so under the memory limit they
# spilled 2.9 GB to disk (35 s of CPU). In 16 parts of the documents nothing spills: 16 s of CPU.
CHECK_PART_AMOUNTS = 250_000


def violations(con: duckdb.DuckDBPyConnection, check: SqlCheck, *, small: bool = False) -> pd.DataFrame:
    """The rows that break the check, in the check's order within each part; `small`: in the
    documents a small publication changed (pipeline.store.increment.check_scope). Staging is
    attached as `staging`."""
    sql = sql_text(check.sql_file)
    if small:
        with increment.restricted(con, CHECKED_TABLES, partial(increment.checked, con)), _staged_lines(con, increment.IN_CHECKED_DOCUMENTS):
            return con.execute(sql).df()
    found = []
    try:
        for in_part in _parts(con):
            with increment.restricted(con, CHECKED_TABLES, lambda table, in_part=in_part: in_part[table.name]), \
                    _staged_lines(con, in_part[STAGED_LINES]):
                found.append(con.execute(sql).df())
    finally:
        con.execute("DROP TABLE IF EXISTS check_parts")
    return pd.concat(found, ignore_index=True)


@contextmanager
def _staged_lines(con: duckdb.DuckDBPyConnection, predicate: str):
    con.execute(f"CREATE OR REPLACE TEMP VIEW {STAGED_LINES} AS SELECT * FROM staging.{STAGED_LINES} WHERE {predicate}")
    try:
        yield
    finally:
        con.execute(f"DROP VIEW IF EXISTS temp.main.{STAGED_LINES}")


def _parts(con: duckdb.DuckDBPyConnection) -> list[dict[str, str]]:
    """The documents of the checked tables in parts of about CHECK_PART_AMOUNTS amounts, taken in
    the order of their amounts in the file: per part, the predicate on the rows of each checked
    table and of staging's lines. A document's rows are together in the file and in staging
    (staged page by page, copied in that order), so a part's rows are a range of row ids, and the
    predicate names that range too: a scan reads only its blocks. Every part scanning every
    amount and staged line took 5 of the 10 CPU-s of the checks at 10,000 pages."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE check_parts AS
        WITH documents AS (
            SELECT document_id, min(first_row) AS first_row, sum(amounts) AS amounts
            FROM (SELECT document_id, min(rowid) AS first_row, count(*) AS amounts FROM fact_budget_amount GROUP BY ALL
                  UNION ALL SELECT document_id, NULL, 0 FROM table_column_identity
                  UNION ALL SELECT document_id, NULL, 0 FROM fact_budget_flexibility)
            GROUP BY ALL
        )
        SELECT document_id,
               (sum(amounts) OVER (ORDER BY first_row NULLS LAST, document_id ROWS UNBOUNDED PRECEDING) - amounts)
                   // {CHECK_PART_AMOUNTS} AS part
        FROM documents""")
    parts = con.execute("SELECT coalesce(max(part) + 1, 1) FROM check_parts").fetchone()[0]
    predicates: list[dict[str, str]] = [{} for _ in range(parts)]
    for name, relation in (*((name, name) for name in CHECKED_TABLES), (STAGED_LINES, f"staging.{STAGED_LINES}")):
        in_part = dict.fromkeys(range(parts), "false")
        for part, first, last in con.execute(
            f"SELECT p.part, min(t.rowid), max(t.rowid) FROM {relation} AS t JOIN check_parts AS p USING (document_id) GROUP BY p.part"
        ).fetchall():
            in_part[part] = f"rowid BETWEEN {first} AND {last} AND document_id IN (SELECT document_id FROM check_parts WHERE part = {part})"
        for part in range(parts):
            predicates[part][name] = in_part[part]
    return predicates


def model_violations(con: duckdb.DuckDBPyConnection, table: Table, *, small: bool = False) -> list[str]:
    """How the table in the file differs from its model: its columns and SQL types, in order,
    then its rows (pandera's report; `small`: the rows a small publication changed, for the
    tables it changes by page or conforms)."""
    # The model's DDL in a scratch table: DuckDB spells both sides' types the same way.
    scratch = f"model_of_{table.name}"
    con.execute(create_table_sql(scratch, table.model).replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
    try:
        declared, actual = (
            con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND table_name = ? ORDER BY column_index",
                [database, name],
            ).fetchall()
            for database, name in (("temp", scratch), (con.execute("SELECT current_database()").fetchone()[0], table.name))
        )
    finally:
        con.execute(f"DROP TABLE temp.{scratch}")
    problems = [f"columns {actual} differ from the model's {declared}"] if actual != declared else []
    if not problems:
        try:
            scoped = small and (table.refresh == "page" or table.name == "dim_budget_line")
            with increment.restricted(con, (table.name,) if scoped else (), partial(increment.checked, con)):
                problems += _rows_against_model(con, table)
        except pandera.errors.SchemaErrors as errors:
            problems += _failures(errors.failure_cases)
    return problems


def _failures(cases: pd.DataFrame) -> list[str]:
    """One line per failing column and check of pandera's report: the check, how many values
    fail it and the first of them (the report's own text is JSON, useless as one line)."""
    lines = []
    for (column, check), failing in cases.groupby(["column", "check"], sort=False, dropna=False):
        lines.append(f"column {column!r} fails {check}: {len(failing)} value(s), first {failing['failure_case'].iloc[0]!r}")
    return lines


# Rows read into pandas at a time by the model check: dim_budget_line read whole (456,000 rows
# at 10,000 pages) took 600 MB.
CHECK_VECTORS = 50  # of 2,048 rows


def _rows_against_model(con: duckdb.DuckDBPyConnection, table: Table) -> list[str]:
    """Validate the table's rows with its model chunk by chunk (pandera raises on a failing
    chunk). A column's uniqueness spans the chunks, so it is checked in SQL over the whole table;
    a model with checks of the whole frame gets the whole table at once."""
    schema = table.model.to_schema()
    result = con.execute(f"SELECT * FROM {table.name}")
    if schema.checks:  # a check of the whole frame sees the whole table
        validate(table.model, result.df())
        return []
    chunk = result.fetch_df_chunk(CHECK_VECTORS)
    validate(table.model, chunk)  # (an empty table too)
    while len(chunk := result.fetch_df_chunk(CHECK_VECTORS)):
        validate(table.model, chunk)
    problems = []
    for name, column in schema.columns.items():
        if column.unique:
            repeated = con.execute(f"SELECT {name} FROM {table.name} GROUP BY ALL HAVING count(*) > 1 LIMIT 1").fetchone()
            if repeated is not None:
                problems.append(f"column {name!r} is not unique: {repeated[0]!r} is in more than one row")
    return problems


def pages_refused(con: duckdb.DuckDBPyConnection) -> int:
    """Page files refused whole (not read, or a second version of a loaded page)."""
    return con.execute("SELECT count(DISTINCT source_file) FROM load_rejections WHERE table_id IS NULL").fetchone()[0]

