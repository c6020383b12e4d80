"""The heading columns of `v_table_as_printed`, made from the headings present at publication.

A view has one set of columns, and each table prints its own headings; so the view has one
column per distinct printed heading (case aside: DuckDB's names are case-insensitive), named as
printed, and each table fills its own. The columns are ordered so that every table's headings
stand in page order where the tables agree (a topological order of "printed before" in some
table; ties and disagreements by the earliest position printed, then the name).
"""

from __future__ import annotations

import heapq

import duckdb

from pipeline.core.schemas import VIEW_MODELS
from pipeline.sql import sql_text
from pipeline.store.ddl import quote

VIEW = "v_table_as_printed"
# headings_sql's rows, kept in the file (pipeline.store.increment.record_headings): a small
# publication replaces the rows of its pages' tables there, rather than reading the 3.7 million
# amounts of 10,000 pages again to make the same SQL (0.25 CPU-s).
HEADINGS_TABLE = "_publication.table_heading"
HEADINGS_MARKER = "/*table headings*/"
FIXED_MARKER = "/*fixed columns*/"
COLUMNS_MARKER = "/*heading columns*/"


def fixed_columns() -> list[str]:
    """The view's own columns, before the heading columns."""
    return [name for name, column in VIEW_MODELS[VIEW].to_schema().columns.items() if not column.regex]


def headings_sql() -> str:
    """SELECT table_id, column_position, heading: each loaded table's headings, unique within it."""
    return sql_text("table_headings.sql").replace(FIXED_MARKER, ", ".join(quote(name) for name in fixed_columns()))


def _heading_groups(con: duckdb.DuckDBPyConnection) -> list[list[str]]:
    """The heading columns in view order, each as its spellings (the first names the column)."""
    headings = f"SELECT table_id, column_position, heading FROM {HEADINGS_TABLE}"
    rows = con.execute(sql_text("table_heading_order.sql").replace(HEADINGS_MARKER, headings)).fetchall()
    spellings: dict[str, list[str]] = {}
    earliest: dict[str, int] = {}
    before: dict[str, set[str]] = {}
    for heading, position, printed_after in rows:  # in the order first printed
        key = heading.lower()
        spellings.setdefault(key, []).append(heading)
        earliest[key] = min(earliest.get(key, position), position)
        before.setdefault(key, set()).update(other for other in map(str.lower, printed_after) if other != key)
    order: list[str] = []
    waiting = {key: set(preceding) for key, preceding in before.items()}
    ready = [(earliest[k], spellings[k][0], k) for k, preceding in waiting.items() if not preceding]
    heapq.heapify(ready)
    while waiting:
        if not ready:  # tables disagree on the order: take the earliest printed heading left
            key = min(waiting, key=lambda k: (earliest[k], spellings[k][0]))
        else:
            key = heapq.heappop(ready)[2]
            if key not in waiting:
                continue
        order.append(key)
        del waiting[key]
        for other, preceding in waiting.items():
            if key in preceding:
                preceding.discard(key)
                if not preceding:
                    heapq.heappush(ready, (earliest[other], spellings[other][0], other))
    return [sorted(spellings[key], key=spellings[key].index) for key in order]


def view_sql(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The view's SQL with its headings query and one column per heading in place of the markers."""
    columns = []
    for group in _heading_groups(con):
        name = group[0].replace('"', '""')
        columns.append(f', map_extract_value(c.amounts, lower({quote(group[0])})) AS "{name}"')
    return sql.replace(HEADINGS_MARKER, headings_sql()).replace(COLUMNS_MARKER, "\n    ".join(columns))
