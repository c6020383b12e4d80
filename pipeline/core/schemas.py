"""Pandera models: the single source of truth for every warehouse table's columns.

Each column's `description` becomes the DuckDB `COMMENT ON COLUMN` and the data dictionary in
`warehouse/README.md`; its `metadata["sql"]` is the DuckDB type. The models validate the frames
before they are loaded; the warehouse DDL is generated from them (`pipeline.store.ddl`).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline.core.columns import COLUMN_KINDS
from pipeline.core.hierarchy import LEVELS
from pipeline.core.labels import MEASURES
from pipeline.core.metadata import PHASES
from pipeline.core.tables import TABLE_KINDS
from pipeline.core.values import BLANK, NIHIL, NOT_AVAILABLE, NUMBER, PM, VALUE_STATUSES


def col(description: str, sql: str, *, nullable: bool = False, **checks) -> object:
    return pa.Field(description=description, nullable=nullable, metadata={"sql": sql}, coerce=True, **checks)


class DimDocument(pa.DataFrameModel):
    """One row per source page (document): who it is and where it came from."""

    document_id: Series[str] = col("Key of the document: a hash of the page's identity (its normalised address, else chapter/year/phase/article, else its file name), never of its content.", "VARCHAR", unique=True)
    source_file: Series[str] = col("Path of the page under BUDGET_SOURCES_DIR.", "VARCHAR")
    source_url: Series[str] = col("Address of the page on rijksfinancien.nl or rijksbegroting.nl, when known.", "VARCHAR", nullable=True)
    sha256: Series[str] = col("SHA-256 of the page file's bytes: changes when the content changes.", "VARCHAR", str_length={"min_value": 64, "max_value": 64})
    chapter: Series[str] = col("Begrotingshoofdstuk code (I..XVIII, IIA, IXB, funds A, B, C ...); empty when not derivable.", "VARCHAR", nullable=True)
    budget_year: Series[pd.Int64Dtype] = col("Begrotingsjaar of the document (the year t of its budget cycle); empty when not derivable.", "INTEGER", nullable=True, ge=1990, le=2100)
    phase: Series[str] = col("Phase of the budget cycle: OWB, 1SUPP, PSUPP, 2SUPP or JV; empty when not derivable.", "VARCHAR", nullable=True, isin=list(PHASES))
    article_code: Series[str] = col("Article number of the page (e.g. '7'); empty when not derivable.", "VARCHAR", nullable=True)
    article_name: Series[str] = col("Article name from the page heading (e.g. 'Werkgevers- en bedrijfsvoeringsbeleid').", "VARCHAR", nullable=True)
    identity_key: Series[str] = col("The identity the document_id hashes: 'url:...', 'page:chapter/year/phase/article' or 'file:...'.", "VARCHAR")
    metadata_sources: Series[str] = col("Where each metadata field came from (manifest, address or text), as 'field=origin' pairs.", "VARCHAR", nullable=True)
    loaded_at: Series[pd.DatetimeTZDtype(tz="UTC")] = col("When this version of the document was parsed (UTC).", "TIMESTAMPTZ")


class DimTable(pa.DataFrameModel):
    """One row per table found on a page, loaded or not."""

    table_id: Series[str] = col("Key of the table: '<document_id>-t<ordinal>'.", "VARCHAR", unique=True)
    document_id: Series[str] = col("The document the table is on.", "VARCHAR")
    table_ordinal: Series[int] = col("1-based position of the table on the page.", "INTEGER", ge=1)
    table_number: Series[str] = col("Table number as printed in the caption ('25', 'B1', '13.1'); empty when not printed.", "VARCHAR", nullable=True)
    caption: Series[str] = col("Caption as printed, with a unit line of its own appended; empty for tables without one.", "VARCHAR", nullable=True)
    table_kind: Series[str] = col("budget (budgettaire gevolgen van beleid), apparaat, flexibility, begrotingsstaat, verdiepingsbijlage, beleidsprestaties or other. Only budget and apparaat tables become budget facts.", "VARCHAR", isin=list(TABLE_KINDS))
    text_shape: Series[str] = col("How the page text carries the table: cell_per_line, pipe or run_together (always rejected).", "VARCHAR", isin=["cell_per_line", "pipe", "run_together"])
    unit: Series[str] = col("Unit stated by the caption ('x € 1.000'); empty when not stated.", "VARCHAR", nullable=True)
    first_line: Series[int] = col("First source line of the table (caption included).", "INTEGER", ge=1)
    last_line: Series[int] = col("Last source line of the table.", "INTEGER", ge=1)
    n_columns: Series[pd.Int64Dtype] = col("Number of value columns.", "INTEGER", nullable=True)
    n_rows: Series[pd.Int64Dtype] = col("Number of rows loaded (budget lines or flexibility categories).", "INTEGER", nullable=True)
    status: Series[str] = col("loaded, kept_as_cells (recognised, not a budget fact table) or rejected.", "VARCHAR", isin=["loaded", "kept_as_cells", "rejected"])
    reason: Series[str] = col("Why the table was rejected; empty otherwise.", "VARCHAR", nullable=True)


class TableCell(pa.DataFrameModel):
    """Every non-empty cell of every table, with its row, column and source line (lineage)."""

    table_id: Series[str] = col("The table the cell belongs to.", "VARCHAR")
    document_id: Series[str] = col("The document the cell is on.", "VARCHAR")
    cell_order: Series[int] = col("1-based order of the cell within its table.", "INTEGER", ge=1)
    row_number: Series[pd.Int64Dtype] = col("1-based data row; empty for headings.", "INTEGER", nullable=True)
    column_position: Series[pd.Int64Dtype] = col("1-based value column as printed; empty for codes, labels and unplaced cells.", "INTEGER", nullable=True)
    cell_role: Series[str] = col("heading, corner, code, label, value; for tables not read as rows, the cell's token kind.", "VARCHAR")
    raw_text: Series[str] = col("The cell's text exactly as in the source.", "VARCHAR")
    source_line: Series[pd.Int64Dtype] = col("1-based line of the cell in the source file.", "INTEGER", nullable=True)


class StagedBudgetLine(pa.DataFrameModel):
    """One row per table row loaded: the line it is, where it is printed, and its place in the tree."""

    document_id: Series[str] = col("The document the row is printed in.", "VARCHAR")
    table_id: Series[str] = col("The table the row is printed in.", "VARCHAR")
    row_number: Series[int] = col("1-based row within the table.", "INTEGER", ge=1)
    line_id: Series[str] = col("Key of the budget line: a hash of the normalised path.", "VARCHAR")
    parent_line_id: Series[str] = col("The line this one adds up into (or breaks down, for breakdowns); empty for article totals.", "VARCHAR", nullable=True)
    path: Series[str] = col("The normalised path the line_id hashes, e.g. 'VII/7/uitgaven/sub_article:7.1/instrument:opdrachten/regeling:werkgeversbeleid'.", "VARCHAR")
    chapter: Series[str] = col("Begrotingshoofdstuk code.", "VARCHAR", nullable=True)
    article_code: Series[str] = col("Article number.", "VARCHAR", nullable=True)
    article_name: Series[str] = col("Article name.", "VARCHAR", nullable=True)
    measure: Series[str] = col("The article total whose tree the line belongs to: verplichtingen, uitgaven or ontvangsten.", "VARCHAR", isin=list(MEASURES))
    level: Series[str] = col("chapter, article, sub_article (artikelonderdeel), instrument, regeling, detail (below a regeling) or breakdown ('waarvan').", "VARCHAR", isin=list(LEVELS))
    label: Series[str] = col("Canonical label: instruments by their canonical name, other labels tidied.", "VARCHAR")
    printed_label: Series[str] = col("The row label exactly as printed in this document (code removed).", "VARCHAR")
    printed_code: Series[str] = col("The code cell as printed ('7.1', '1.'), if any.", "VARCHAR", nullable=True)
    sub_article_code: Series[str] = col("Artikelonderdeel code of the line or its ancestor.", "VARCHAR", nullable=True)
    sub_article_name: Series[str] = col("Artikelonderdeel name of the line or its ancestor.", "VARCHAR", nullable=True)
    instrument: Series[str] = col("Financial instrument of the line or its ancestor (canonical).", "VARCHAR", nullable=True)
    regeling: Series[str] = col("Regeling of the line or its ancestor.", "VARCHAR", nullable=True)
    is_additive: Series[bool] = col("False for 'waarvan' breakdowns, which are never added into a sum.", "BOOLEAN")
    source_line: Series[int] = col("1-based line of the row label in the source file.", "INTEGER", ge=1)


class DimBudgetLine(pa.DataFrameModel):
    """One row per budget line, conformed across documents."""

    line_id: Series[str] = col("Key: a deterministic hash of the normalised path (chapter, article, measure, then one segment per level), the same in every run and every document.", "VARCHAR", unique=True)
    path: Series[str] = col("The normalised path that line_id hashes.", "VARCHAR")
    chapter: Series[str] = col("Begrotingshoofdstuk code.", "VARCHAR", nullable=True)
    article_code: Series[str] = col("Article number.", "VARCHAR", nullable=True)
    article_name: Series[str] = col("Article name, from the latest document that names it.", "VARCHAR", nullable=True)
    measure: Series[str] = col("verplichtingen, uitgaven or ontvangsten: the tree the line belongs to.", "VARCHAR", isin=list(MEASURES))
    sub_article_code: Series[str] = col("Artikelonderdeel code (e.g. '7.1').", "VARCHAR", nullable=True)
    sub_article_name: Series[str] = col("Artikelonderdeel name.", "VARCHAR", nullable=True)
    instrument: Series[str] = col("Financial instrument (canonical name).", "VARCHAR", nullable=True)
    regeling: Series[str] = col("Regeling name.", "VARCHAR", nullable=True)
    label: Series[str] = col("Canonical label of the line itself.", "VARCHAR")
    level: Series[str] = col("chapter, article, sub_article, instrument, regeling, detail or breakdown.", "VARCHAR", isin=list(LEVELS))
    is_additive: Series[bool] = col("False for 'waarvan' breakdowns: never add them to their parent's siblings.", "BOOLEAN")
    parent_line_id: Series[str] = col("The line this line adds up into (breakdowns: the line they break down); empty for totals.", "VARCHAR", nullable=True)


class FactBudgetAmount(pa.DataFrameModel):
    """One row per document, table, line, measure and column: every printed figure."""

    document_id: Series[str] = col("The document that prints the figure.", "VARCHAR")
    table_id: Series[str] = col("The table that prints the figure.", "VARCHAR")
    table_kind: Series[str] = col("budget or apparaat.", "VARCHAR", isin=["budget", "apparaat"])
    line_id: Series[str] = col("The budget line (dim_budget_line).", "VARCHAR")
    measure: Series[str] = col("verplichtingen, uitgaven or ontvangsten.", "VARCHAR", isin=list(MEASURES))
    printed_label: Series[str] = col("The row label exactly as printed in this document.", "VARCHAR")
    row_number: Series[int] = col("1-based row within the table.", "INTEGER", ge=1)
    column_position: Series[int] = col("1-based value column, as printed.", "INTEGER", ge=1)
    column_label: Series[str] = col("The column heading as printed (a heading split over two lines joined; a spanning heading with its year).", "VARCHAR")
    column_kind: Series[str] = col("realisatie, stand (after suppletoire changes), vastgestelde_begroting, ontwerpbegroting, raming (t+1..t+4), mutatie or verschil. Never add a mutatie to a stand.", "VARCHAR", isin=list(COLUMN_KINDS))
    fiscal_year: Series[pd.Int64Dtype] = col("The year the figure is for: from the heading, else the caption, else the document's year.", "INTEGER", nullable=True, ge=1990, le=2100)
    amount_thousand_eur: Series[pd.Int64Dtype] = col("The figure in thousands of euros exactly as printed; NULL when the cell holds no number (blank, pm, not available).", "BIGINT", nullable=True)
    raw_value: Series[str] = col("The cell's text as printed (empty for a blank cell).", "VARCHAR")
    value_status: Series[str] = col("number, nihil (printed 'nihil': zero), pm (pro memorie), not_available ('...', '-') or blank.", "VARCHAR", isin=list(VALUE_STATUSES))
    source_line: Series[int] = col("1-based line of the value cell in the source (the row label's line for a blank cell).", "INTEGER", ge=1)

    @pa.dataframe_check(error="amount_thousand_eur is set exactly when value_status is number or nihil")
    def amount_matches_status(cls, df: pd.DataFrame) -> pd.Series:
        has_amount = df["amount_thousand_eur"].notna()
        numeric = df["value_status"].isin([NUMBER, NIHIL])
        return has_amount == numeric


class FactBudgetFlexibility(pa.DataFrameModel):
    """Estimated budget flexibility (geschatte budgetflexibiliteit): shares of the uitgaven."""

    document_id: Series[str] = col("The document that prints the shares.", "VARCHAR")
    table_id: Series[str] = col("The flexibility table.", "VARCHAR")
    article_code: Series[str] = col("Article the shares are for.", "VARCHAR", nullable=True)
    fiscal_year: Series[int] = col("Year the shares are for (the table's year heading).", "INTEGER", ge=1990, le=2100)
    category: Series[str] = col("juridisch verplicht, bestuurlijk gebonden, beleidsmatig gereserveerd or nog niet ingevuld/vrij te besteden (normalised).", "VARCHAR")
    share_pct: Series[float] = col("Share of the article's uitgaven, in percent as printed.", "DOUBLE", ge=0, le=100)
    source_line: Series[int] = col("1-based line of the percentage in the source file.", "INTEGER", ge=1)


class LoadRejection(pa.DataFrameModel):
    """Everything that was not loaded, and why."""

    document_id: Series[str] = col("The document concerned.", "VARCHAR", nullable=True)
    source_file: Series[str] = col("The page file concerned.", "VARCHAR")
    table_id: Series[str] = col("The table rejected; empty when the whole document or loose numbers were rejected.", "VARCHAR", nullable=True)
    table_caption: Series[str] = col("Caption of the table rejected, as printed.", "VARCHAR", nullable=True)
    source_line: Series[pd.Int64Dtype] = col("1-based line where the problem is.", "INTEGER", nullable=True)
    stage: Series[str] = col("Where it was refused: identify, parse or validate.", "VARCHAR", isin=["identify", "parse", "validate"])
    reason: Series[str] = col("Why, naming the file, the table and the line.", "VARCHAR")


class LoadWarning(pa.DataFrameModel):
    """What was loaded with a caveat: metadata left empty, rounding differences."""

    document_id: Series[str] = col("The document concerned.", "VARCHAR", nullable=True)
    source_file: Series[str] = col("The page file concerned.", "VARCHAR")
    field: Series[str] = col("What the warning is about (chapter, budget_year, rounding, duplicate ...).", "VARCHAR")
    message: Series[str] = col("The warning.", "VARCHAR")


# Warehouse tables and the models that define them, in load order.
TABLE_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "dim_document": DimDocument,
    "dim_table": DimTable,
    "table_cell": TableCell,
    "stg_budget_line": StagedBudgetLine,
    "dim_budget_line": DimBudgetLine,
    "fact_budget_amount": FactBudgetAmount,
    "fact_budget_flexibility": FactBudgetFlexibility,
    "load_rejections": LoadRejection,
    "load_warnings": LoadWarning,
}


def columns_of(model: type[pa.DataFrameModel]) -> list[str]:
    return list(model.to_schema().columns)


def empty_frame(model: type[pa.DataFrameModel]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns_of(model)})


def table_description(model: type[pa.DataFrameModel]) -> str:
    return (model.__doc__ or "").strip().splitlines()[0]


def column_descriptions(model: type[pa.DataFrameModel]) -> dict[str, tuple[str, str, bool]]:
    """name -> (sql type, description, nullable)."""
    schema = model.to_schema()
    return {
        name: (column.metadata["sql"], column.description or "", bool(column.nullable))
        for name, column in schema.columns.items()
    }


class TableColumnIdentity(pa.DataFrameModel):
    """Column identities of each loaded table: target column = signed sum of term columns."""

    table_id: Series[str] = col("The table the identity holds in.", "VARCHAR")
    document_id: Series[str] = col("The document the table is on.", "VARCHAR")
    identity_number: Series[int] = col("1-based number of the identity within its table.", "INTEGER", ge=1)
    target_position: Series[int] = col("Column that equals the sum (1-based, as printed).", "INTEGER", ge=1)
    term_position: Series[int] = col("A column in the sum (1-based, as printed).", "INTEGER", ge=1)
    sign: Series[int] = col("+1 or -1: how the term enters the sum (verschil = realisatie - begroting).", "INTEGER", isin=[1, -1])
    source: Series[str] = col("printed (a formula such as '(5)=(3+4)' in the heading) or implied (by the sequence of column kinds).", "VARCHAR", isin=["printed", "implied"])


class SourceScan(pa.DataFrameModel):
    """The page files found under BUDGET_SOURCES_DIR by the last scan (internal)."""

    source_file: Series[str] = col("Path of the page under BUDGET_SOURCES_DIR.", "VARCHAR", unique=True)
    sha256: Series[str] = col("SHA-256 of the file's bytes.", "VARCHAR")
    size_bytes: Series[int] = col("Size of the file in bytes.", "BIGINT", ge=0)
    fingerprint: Series[str] = col("Hash of what the parse of this file depends on: its bytes, its manifest row and the parser's code.", "VARCHAR")


class SourceFile(pa.DataFrameModel):
    """Every page file parsed, loaded or not (internal registry, drives incremental runs)."""

    source_file: Series[str] = col("Path of the page under BUDGET_SOURCES_DIR.", "VARCHAR", unique=True)
    sha256: Series[str] = col("SHA-256 of the file's bytes when it was last parsed.", "VARCHAR")
    size_bytes: Series[int] = col("Size of the file in bytes.", "BIGINT", ge=0)
    fingerprint: Series[str] = col("The scan fingerprint the last parse was made from.", "VARCHAR")
    document_id: Series[str] = col("The document the file is a version of.", "VARCHAR", nullable=True)
    status: Series[str] = col("loaded, duplicate (another file carries the same page) or rejected.", "VARCHAR", isin=["loaded", "duplicate", "rejected"])
    duplicate_of: Series[str] = col("For a duplicate: the file the page was loaded from.", "VARCHAR", nullable=True)
    validated_fingerprint: Series[str] = col("The fingerprint whose parse was last validated; differs from fingerprint while validation is pending.", "VARCHAR", nullable=True)


TABLE_MODELS["table_column_identity"] = TableColumnIdentity
TABLE_MODELS["source_file"] = SourceFile
TABLE_MODELS["source_scan"] = SourceScan
