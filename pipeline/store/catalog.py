"""What the served warehouse holds: every published table and view, registered once.

Publishing a new table takes its pandera model (pipeline/core/schemas.py) and one line in
TABLES; a new view takes a `.sql` file in pipeline/sql/ named after it, its model and one line
in VIEWS. A view whose columns follow the data (one per fiscal year, one per printed heading)
also names a function (`render=`) that completes its SQL from the new file at publication. A
stored macro takes a `.sql` file named after it (its CREATE MACRO statements) and one line in
MACROS. Everything else follows from the registration: the DDL and COMMENTs, the load, the
exports, the data dictionary and one Dagster asset each (pipeline/defs/warehouse.py).

A table comes from the staging table of the same name (the validated rows the parse wrote,
keyed by page), from a SQL file of its own (`sql=`, over the staged and already loaded tables)
or from a frame made in Python (`frame=`, the conformed dimensions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd
import pandera.pandas as pa

from pipeline.core.schemas import TABLE_MODELS, VIEW_MODELS, table_description
from pipeline.store import printed_tables, year_columns


@dataclass(frozen=True)
class Table:
    name: str
    order_by: str = ""  # the row order of a table copied from staging (a stable file), if any
    sql: str | None = None  # a .sql file in pipeline/sql that INSERTs its rows
    frame: Callable[..., pd.DataFrame] | None = None  # (connection with staging attached) -> its rows
    deps: tuple[str, ...] = ()  # the published tables it is made from (the asset graph's lineage)
    # How a small publication (pipeline/store/increment.py) brings it up to date: "page", its
    # rows of the changed pages replaced (rows keyed by document, as staged); "line", its rows of
    # the budget lines those pages print computed again (conformed across documents); "whole",
    # computed again whole (the small dimensions).
    refresh: str = "page"

    @property
    def model(self) -> type[pa.DataFrameModel]:
        return TABLE_MODELS[self.name]

    @property
    def description(self) -> str:
        return table_description(self.model)


@dataclass(frozen=True)
class View:
    name: str
    deps: tuple[str, ...]  # the tables and views it reads (created after them)
    # (new warehouse with its tables loaded, the .sql file's text) -> the SQL to run
    render: Callable[[duckdb.DuckDBPyConnection, str], str] | None = None

    @property
    def model(self) -> type[pa.DataFrameModel]:
        return VIEW_MODELS[self.name]

    @property
    def sql_file(self) -> str:
        return f"{self.name}.sql"

    @property
    def description(self) -> str:
        return table_description(self.model)


@dataclass(frozen=True)
class Macro:
    """A macro stored in the warehouse, for the analysts (or for a table's SQL). One that reads
    no table is created before the tables are loaded (their SQL may call it); one that reads
    tables or views after the views (DuckDB binds a table macro's body when it is created)."""

    name: str
    deps: tuple[str, ...] = ()  # the tables and views its body reads
    description: str = ""

    @property
    def sql_file(self) -> str:
        return f"{self.name}.sql"


def _chapters(con) -> pd.DataFrame:
    from pipeline.store.dimensions import chapter_frame

    codes = [r[0] for r in con.execute("SELECT DISTINCT chapter FROM staging.dim_document ORDER BY 1").fetchall()]
    return chapter_frame(codes)


def _phases(con) -> pd.DataFrame:
    from pipeline.store.dimensions import phase_frame

    return phase_frame()


# In load order: the phase and chapter dimensions first (dim_budget_line orders documents by
# phase), dim_year last (it spans the years of the loaded facts).
TABLES: tuple[Table, ...] = (
    Table("dim_phase", frame=_phases, refresh="whole"),
    Table("dim_chapter", frame=_chapters, refresh="whole"),
    Table("dim_document", order_by="document_id"),
    Table("dim_table", order_by="table_id", deps=("dim_document",)),
    # The two largest tables are copied in staging's order, as budget_explanation is (pages as
    # staged, then rows in printed order): sorting them by document id took 12 of
    # fact_budget_amount's 25 s and 3 of table_cell's 11 s at 10,000 pages; queries that need
    # an order say so (ORDER BY).
    Table("table_cell", deps=("dim_table",)),
    Table("table_footnote", order_by="table_id, source_line", deps=("dim_table",)),
    Table("dim_budget_line", sql="dim_budget_line.sql", deps=("dim_document", "dim_phase"), refresh="line"),
    Table("fact_budget_amount", deps=("dim_document", "dim_table", "dim_budget_line")),
    Table("fact_budget_flexibility", order_by="document_id, table_id, fiscal_year, category", deps=("dim_document", "dim_table")),
    Table("table_column_identity", order_by="table_id, identity_number, term_position", deps=("dim_table",)),
    Table("load_rejections", order_by="source_file, source_line, table_id"),
    Table("load_warnings", order_by="source_file, field, message"),
    # Copied in staging's order (pages, then sections): sorting 400 MB of text at 10,000 pages
    # outgrows DuckDB's memory limit.
    Table("budget_explanation", deps=("dim_document", "dim_budget_line")),
    Table("fact_instrument_commitment", order_by="document_id, source_line, category", deps=("dim_document",)),
    Table("parliamentary_paper_citation", order_by="document_id, source_line, paper_id", deps=("budget_explanation",)),
    Table("explanation_term", sql="explanation_term.sql", deps=("budget_explanation",)),
    Table("dim_year", sql="dim_year.sql", deps=("dim_document", "fact_budget_amount", "fact_budget_flexibility"), refresh="whole"),
)
# In creation order (a view comes after the views it reads).
VIEWS: tuple[View, ...] = (
    View("v_budget_amount", deps=("fact_budget_amount", "dim_document", "dim_budget_line", "dim_table")),
    View("budget_vintages", deps=("fact_budget_amount", "dim_document", "dim_budget_line", "dim_chapter", "dim_phase")),
    View("budget_by_year", deps=("budget_vintages", "dim_phase"), render=year_columns.view_sql),
    View("budget_flexibility", deps=("fact_budget_flexibility", "budget_vintages", "dim_document", "dim_chapter")),
    View("v_budget_summable", deps=("budget_vintages", "fact_budget_amount", "dim_document", "dim_table", "dim_budget_line", "dim_chapter")),
    View("v_table_as_printed", deps=("fact_budget_amount", "table_cell", "dim_document", "dim_table", "dim_budget_line"),
         render=printed_tables.view_sql),
    View("v_document_status", deps=("dim_document", "dim_table", "fact_budget_amount", "table_cell", "load_rejections", "load_warnings")),
    View("budget_chapter_totals", deps=("v_budget_summable", "budget_vintages", "fact_budget_amount", "dim_budget_line", "dim_document", "dim_chapter")),
    View("dim_parliamentary_paper", deps=("parliamentary_paper_citation",)),
    View("search_word_form", deps=("explanation_term",)),
)
MACROS: tuple[Macro, ...] = (
    Macro("dutch_stem", description="dutch_stem(word): the stem explanation_term indexes a folded word under ('klokkenluiders' -> 'klokkenluider')."),
    Macro("search_budget", deps=("explanation_term", "search_word_form", "budget_explanation", "budget_vintages", "dim_document", "dim_budget_line"),
          description="search_budget(query): the budget lines whose explanations contain every word of the query, best first, with their amounts and explanations."),
)

TABLE_NAMES = tuple(t.name for t in TABLES)
VIEW_NAMES = tuple(v.name for v in VIEWS)
MACRO_NAMES = tuple(m.name for m in MACROS)
# The staged tables the warehouse copies (the parse writes them, validated, keyed by page).
STAGED = tuple(t.name for t in TABLES if t.sql is None and t.frame is None)
