"""Pandera models: the single source of truth for every warehouse table's columns.

Each column's `description` becomes the DuckDB `COMMENT ON COLUMN` and the data dictionary in
`warehouse/README.md`; its `metadata["sql"]` is the DuckDB type. The models validate the frames
before they are loaded; the warehouse DDL is generated from them (`pipeline.store.ddl`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline.core.columns import COLUMN_KINDS
from pipeline.core.fdp import FDP_PHASE_BY_KIND, FDP_PHASES
from pipeline.core.hierarchy import LEVELS
from pipeline.core.labels import MEASURES
from pipeline.core.metadata import PHASES
from pipeline.core.tables import TABLE_KINDS
from pipeline.core.values import NIHIL, NUMBER, VALUE_STATUSES


def col(description: str, sql: str, *, nullable: bool = False, compression: str | None = None, **checks) -> object:
    """A column: its description, DuckDB type and checks; `compression` names the DuckDB
    compression its stored values must use (`USING COMPRESSION`), where DuckDB's own choice is poor."""
    metadata = {"sql": sql} | ({"compression": compression} if compression else {})
    return pa.Field(description=description, nullable=nullable, metadata=metadata, coerce=True, **checks)


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
    is_additive: Series[bool] = col("False for 'waarvan' breakdowns, which are never added into a sum; true for the waarvan rows of a complete split (a row without values whose only children they are).", "BOOLEAN")
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
    is_additive: Series[bool] = col("False for 'waarvan' breakdowns: never add them to their parent's siblings (true for the waarvan rows of a complete split, which add up into their group row).", "BOOLEAN")
    parent_line_id: Series[str] = col("The line this line adds up into (breakdowns: the line they break down); empty for totals.", "VARCHAR", nullable=True)
    is_leaf: Series[bool] = col("True for an additive line that no document prints an additive child of (a 'waarvan' breakdown is not a child, unless it splits a row without values completely): its figures add up to the totals without double counting. Within one table, v_budget_summable decides by the table's own rows.", "BOOLEAN")


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
    fdp_phase: Series[str] = col("Fiscal Data Package budget phase of the figure, from its column (not its document): proposed (ontwerpbegroting, and the ramingen t+1..t+4 proposed with it), approved (vastgestelde begroting), adjusted (a stand after suppletoire changes) or executed (realisatie); empty for mutaties and verschillen, which are never a figure.", "VARCHAR", nullable=True, isin=list(FDP_PHASES))
    fiscal_year: Series[pd.Int64Dtype] = col("The year the figure is for: from the heading, else the caption, else the document's year.", "INTEGER", nullable=True, ge=1990, le=2100)
    amount_thousand_eur: Series[pd.Int64Dtype] = col("The figure in thousands of euros exactly as printed; NULL when the cell holds no number (blank, pm, not available).", "BIGINT", nullable=True)
    raw_value: Series[str] = col("The cell's text as printed (empty for a blank cell).", "VARCHAR")
    value_status: Series[str] = col("number, nihil (printed 'nihil': zero), pm (pro memorie), not_available ('...', '-') or blank.", "VARCHAR", isin=list(VALUE_STATUSES))
    footnote_marker: Series[str] = col("The footnote marker printed after the amount ('*', '¹', '1)', 'a)'; raw_value keeps it too); empty when none.", "VARCHAR", nullable=True)
    source_line: Series[int] = col("1-based line of the value cell in the source (the row label's line for a blank cell).", "INTEGER", ge=1)

    @pa.dataframe_check(error="amount_thousand_eur is set exactly when value_status is number or nihil")
    def amount_matches_status(cls, df: pd.DataFrame) -> pd.Series:
        has_amount = df["amount_thousand_eur"].notna()
        numeric = df["value_status"].isin([NUMBER, NIHIL])
        return has_amount == numeric

    @pa.dataframe_check(error="fdp_phase follows from column_kind (pipeline.core.fdp)")
    def fdp_phase_matches_kind(cls, df: pd.DataFrame) -> pd.Series:
        # Each row's fdp_phase equals the phase of its column_kind, or both are empty: decided once
        # per distinct pair of the two, not by comparing objects row by row (1,000 generated
        # pages: 61 -> ~20 ms).
        kinds, kind_values = pd.factorize(df["column_kind"])
        phases, phase_values = pd.factorize(df["fdp_phase"])
        # Row and column -1 (the last): an empty kind or phase.
        decided = np.array(
            [[_phase_matches(kind, phase) for phase in [*phase_values, None]] for kind in [*kind_values, None]], dtype=bool
        )
        return pd.Series(decided[kinds, phases], index=df.index)


def _phase_matches(kind: object, phase: object) -> bool:
    """Whether `phase` (None: empty) is the phase of the column kind `kind` (None: empty)."""
    expected = FDP_PHASE_BY_KIND.get(kind) if kind is not None else None
    if phase is None or expected is None:
        return phase is None and expected is None
    return bool(phase == expected)


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
class TableFootnote(pa.DataFrameModel):
    """One row per footnote printed under a loaded table: its marker and its text."""

    document_id: Series[str] = col("The document that prints the footnote.", "VARCHAR")
    table_id: Series[str] = col("The table the footnote belongs to.", "VARCHAR")
    marker: Series[str] = col("The footnote marker as printed under the table ('1', '*', '1)', 'a)'); headings and amounts carry the same marker (fact_budget_amount.footnote_marker).", "VARCHAR")
    footnote_text: Series[str] = col("The footnote's text as printed.", "VARCHAR")
    source_line: Series[int] = col("1-based line of the footnote marker in the source.", "INTEGER", ge=1)


TABLE_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "dim_document": DimDocument,
    "dim_table": DimTable,
    "table_cell": TableCell,
    "table_footnote": TableFootnote,
    "stg_budget_line": StagedBudgetLine,
    "dim_budget_line": DimBudgetLine,
    "fact_budget_amount": FactBudgetAmount,
    "fact_budget_flexibility": FactBudgetFlexibility,
    "load_rejections": LoadRejection,
    "load_warnings": LoadWarning,
}


def columns_of(model: type[pa.DataFrameModel]) -> list[str]:
    return list(model.to_schema().columns)


def table_description(model: type[pa.DataFrameModel]) -> str:
    return (model.__doc__ or "").strip().splitlines()[0]


def column_compressions(model: type[pa.DataFrameModel]) -> dict[str, str]:
    """name -> the compression its values are stored with, for the columns that name one."""
    return {name: column.metadata["compression"] for name, column in model.to_schema().columns.items() if "compression" in column.metadata}


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


class SourceFile(pa.DataFrameModel):
    """Every page file parsed, loaded or not (internal registry: its fingerprint is the one change detector)."""

    source_file: Series[str] = col("Path of the page under BUDGET_SOURCES_DIR.", "VARCHAR", unique=True)
    sha256: Series[str] = col("SHA-256 of the file's bytes when it was last parsed.", "VARCHAR")
    size_bytes: Series[int] = col("Size of the file in bytes.", "BIGINT", ge=0)
    fingerprint: Series[str] = col("The scan fingerprint the last parse was made from.", "VARCHAR")
    document_id: Series[str] = col("The document the file is a version of.", "VARCHAR", nullable=True)
    status: Series[str] = col("loaded, duplicate (another file carries the same page) or rejected.", "VARCHAR", isin=["loaded", "duplicate", "rejected"])
    duplicate_of: Series[str] = col("For a duplicate: the file the page was loaded from.", "VARCHAR", nullable=True)
    stat_signature: Series[str] = col("Size, modification and change times and inode of the file when it was hashed: while they hold, the hash does not need the bytes read again.", "VARCHAR", nullable=True)


TABLE_MODELS["table_column_identity"] = TableColumnIdentity
TABLE_MODELS["source_file"] = SourceFile


def ref(model: type[pa.DataFrameModel], name: str, description: str | None = None, *, nullable: bool | None = None) -> object:
    """A column that repeats `model.name`: same type and, unless overridden, same description."""
    column = model.to_schema().columns[name]
    return col(
        description or column.description or "",
        column.metadata["sql"],
        nullable=bool(column.nullable) if nullable is None else nullable,
    )


# Conformed dimensions, generated at publication (pipeline.store.dimensions).


class DimChapter(pa.DataFrameModel):
    """One row per begrotingshoofdstuk or begrotingsfonds: every known chapter, and any other code a document names."""

    chapter: Series[str] = col("Chapter code: I..XVIII (with IIA/IIB, IXA/IXB) for the begrotingshoofdstukken, a letter (A, B, C, F, H, J ...) for the funds.", "VARCHAR", unique=True)
    chapter_name: Series[str] = col("Name of the chapter or fund; empty for a code a document names that the pipeline does not know.", "VARCHAR", nullable=True)
    chapter_kind: Series[str] = col("begrotingshoofdstuk (a ministry or High College of State), begrotingsfonds (a budget fund) or unknown (a code the pipeline does not know).", "VARCHAR", isin=["begrotingshoofdstuk", "begrotingsfonds", "unknown"])
    sort_order: Series[int] = col("Order of the chapters as the Rijksbegroting lists them: the hoofdstukken by number (IIA before IIB), then the funds by letter.", "INTEGER")


class DimPhase(pa.DataFrameModel):
    """One row per phase of the budget cycle, in cycle order."""

    phase: Series[str] = ref(DimDocument, "phase", "Phase code: OWB, 1SUPP, PSUPP, 2SUPP or JV.", nullable=False)
    phase_order: Series[int] = col("Position of the phase in the budget cycle of one budget year: 1 OWB, 2 1SUPP, 3 PSUPP, 4 2SUPP, 5 JV.", "INTEGER", ge=1)
    phase_name: Series[str] = col("Name of the phase (Ontwerpbegroting, Eerste suppletoire begroting (voorjaarsnota) ...).", "VARCHAR")
    open_data_code: Series[str] = col("The phase code in the official open data (PSUPP is 'SBS' there); used in budgettaire_tabellen.csv.", "VARCHAR")
    publication_month: Series[int] = col("When a document of this phase appears, in months from January of its budget year t (1 = January of t): OWB -3 (Prinsjesdag, September of t-1), 1SUPP 6, PSUPP 9, 2SUPP 11, JV 17 (May of t+1). Orders the vintages of a figure.", "INTEGER")


class DimYear(pa.DataFrameModel):
    """One row per calendar year from the earliest to the latest year any document or figure refers to."""

    year: Series[int] = col("The year: a budget year (begrotingsjaar) or a fiscal year (the year a figure is for).", "INTEGER", unique=True)
    first_day: Series[pd.Timestamp] = col("1 January of the year.", "DATE")
    last_day: Series[pd.Timestamp] = col("31 December of the year.", "DATE")


TABLE_MODELS["dim_chapter"] = DimChapter
TABLE_MODELS["dim_phase"] = DimPhase
TABLE_MODELS["dim_year"] = DimYear


# Views: their columns, for COMMENT ON COLUMN and the data dictionary. A test checks that each
# view's actual columns and types are these.


class VBudgetAmount(pa.DataFrameModel):
    """Every printed figure with its document and budget line, in readable form (fact_budget_amount joined to its dimensions)."""

    chapter: Series[str] = ref(DimDocument, "chapter")
    budget_year: Series[pd.Int64Dtype] = ref(DimDocument, "budget_year")
    phase: Series[str] = ref(DimDocument, "phase")
    article_code: Series[str] = ref(DimDocument, "article_code")
    article_name: Series[str] = ref(DimDocument, "article_name", "Article name as this document's heading gives it.")
    measure: Series[str] = ref(FactBudgetAmount, "measure")
    sub_article_code: Series[str] = ref(DimBudgetLine, "sub_article_code")
    sub_article_name: Series[str] = ref(DimBudgetLine, "sub_article_name")
    instrument: Series[str] = ref(DimBudgetLine, "instrument")
    regeling: Series[str] = ref(DimBudgetLine, "regeling")
    label: Series[str] = ref(DimBudgetLine, "label")
    level: Series[str] = ref(DimBudgetLine, "level")
    is_additive: Series[bool] = ref(DimBudgetLine, "is_additive")
    printed_label: Series[str] = ref(FactBudgetAmount, "printed_label")
    column_position: Series[int] = ref(FactBudgetAmount, "column_position")
    column_label: Series[str] = ref(FactBudgetAmount, "column_label")
    column_kind: Series[str] = ref(FactBudgetAmount, "column_kind")
    fdp_phase: Series[str] = ref(FactBudgetAmount, "fdp_phase")
    fiscal_year: Series[pd.Int64Dtype] = ref(FactBudgetAmount, "fiscal_year")
    amount_thousand_eur: Series[pd.Int64Dtype] = ref(FactBudgetAmount, "amount_thousand_eur")
    value_status: Series[str] = ref(FactBudgetAmount, "value_status")
    raw_value: Series[str] = ref(FactBudgetAmount, "raw_value")
    table_kind: Series[str] = ref(FactBudgetAmount, "table_kind")
    table_caption: Series[str] = ref(DimTable, "caption", "Caption of the table the figure is printed in.")
    source_file: Series[str] = ref(DimDocument, "source_file")
    source_line: Series[int] = ref(FactBudgetAmount, "source_line")
    document_id: Series[str] = ref(FactBudgetAmount, "document_id")
    table_id: Series[str] = ref(FactBudgetAmount, "table_id")
    line_id: Series[str] = ref(FactBudgetAmount, "line_id")
    row_number: Series[int] = ref(FactBudgetAmount, "row_number", "1-based row within the table, in page order.")
    path: Series[str] = ref(DimBudgetLine, "path")
    parent_line_id: Series[str] = ref(DimBudgetLine, "parent_line_id")


_VINTAGE_AMOUNT = (
    "The document's figure for the line and fiscal year, in thousands of euros: its latest word on that year "
    "(a realisatie before a stand, a stand before the vastgestelde begroting, that before the ontwerpbegroting "
    "or a raming; the rightmost such column when two qualify, e.g. 'Stand 2e suppletoire' in a 2SUPP). "
    "Mutaties and verschillen are never a figure; cells without a number (blank, pm, not available) are left out."
)


class BudgetVintage(pa.DataFrameModel):
    """For each budget line, measure and fiscal year: the figure in every document that states it, in budget-cycle order, with the change from the previous vintage."""

    chapter: Series[str] = ref(DimBudgetLine, "chapter")
    chapter_name: Series[str] = ref(DimChapter, "chapter_name")
    article_code: Series[str] = ref(DimBudgetLine, "article_code")
    article_name: Series[str] = ref(DimBudgetLine, "article_name")
    line_id: Series[str] = ref(DimBudgetLine, "line_id", "The budget line (dim_budget_line): the same in every document and year that prints it.")
    path: Series[str] = ref(DimBudgetLine, "path")
    label: Series[str] = ref(DimBudgetLine, "label")
    level: Series[str] = ref(DimBudgetLine, "level")
    sub_article_code: Series[str] = ref(DimBudgetLine, "sub_article_code")
    instrument: Series[str] = ref(DimBudgetLine, "instrument")
    regeling: Series[str] = ref(DimBudgetLine, "regeling")
    measure: Series[str] = ref(DimBudgetLine, "measure")
    fiscal_year: Series[int] = ref(FactBudgetAmount, "fiscal_year", "The year the figure is for.", nullable=False)
    vintage_number: Series[int] = col("1-based position of this document among those that state the figure, in budget-cycle order: by when the document appears (dim_phase.publication_month from its budget year; e.g. the OWB of t+1 in September of t comes before the 2SUPP of t), then by budget year and document.", "BIGINT", ge=1)
    phase: Series[str] = ref(DimDocument, "phase")
    budget_year: Series[pd.Int64Dtype] = ref(DimDocument, "budget_year")
    document_id: Series[str] = ref(FactBudgetAmount, "document_id", "The document that states the figure.")
    column_label: Series[str] = ref(FactBudgetAmount, "column_label", "Heading of the column the figure is taken from, as printed.")
    column_kind: Series[str] = ref(FactBudgetAmount, "column_kind", "Kind of the column the figure is taken from: realisatie, stand, vastgestelde_begroting, ontwerpbegroting or raming.")
    fdp_phase: Series[str] = ref(FactBudgetAmount, "fdp_phase", "Fiscal Data Package phase of the figure (from its column): proposed, approved, adjusted or executed.", nullable=False)
    printed_label: Series[str] = ref(FactBudgetAmount, "printed_label")
    amount_thousand_eur: Series[int] = col(_VINTAGE_AMOUNT, "BIGINT")
    previous_amount_thousand_eur: Series[pd.Int64Dtype] = col("The figure of the previous vintage (vintage_number - 1); empty for the first.", "BIGINT", nullable=True)
    change_thousand_eur: Series[pd.Int64Dtype] = col("amount_thousand_eur minus the previous vintage's figure: how much this document moved the figure; empty for the first vintage.", "BIGINT", nullable=True)
    source_file: Series[str] = ref(DimDocument, "source_file")
    source_line: Series[int] = ref(FactBudgetAmount, "source_line")
    table_id: Series[str] = ref(FactBudgetAmount, "table_id", "The table the figure is taken from.")
    row_number: Series[int] = ref(FactBudgetAmount, "row_number")


class BudgetByYear(pa.DataFrameModel):
    """One row per budget line and document, one column per fiscal year (y2024 ...): each document's figure for each year, for pivoting in BI tools."""

    chapter: Series[str] = ref(BudgetVintage, "chapter")
    chapter_name: Series[str] = ref(BudgetVintage, "chapter_name")
    article_code: Series[str] = ref(BudgetVintage, "article_code")
    article_name: Series[str] = ref(BudgetVintage, "article_name")
    line_id: Series[str] = ref(BudgetVintage, "line_id")
    path: Series[str] = ref(BudgetVintage, "path")
    label: Series[str] = ref(BudgetVintage, "label")
    level: Series[str] = ref(BudgetVintage, "level")
    sub_article_code: Series[str] = ref(BudgetVintage, "sub_article_code")
    instrument: Series[str] = ref(BudgetVintage, "instrument")
    regeling: Series[str] = ref(BudgetVintage, "regeling")
    measure: Series[str] = ref(BudgetVintage, "measure")
    phase: Series[str] = ref(BudgetVintage, "phase")
    phase_order: Series[pd.Int64Dtype] = ref(DimPhase, "phase_order", nullable=True)
    budget_year: Series[pd.Int64Dtype] = ref(BudgetVintage, "budget_year")
    document_id: Series[str] = ref(BudgetVintage, "document_id", "The document whose figures the row holds.")
    year_amount: Series[pd.Int64Dtype] = pa.Field(
        alias=r"^y(?P<year>\d{4})$",
        regex=True,
        nullable=True,
        description="The document's figure for fiscal year {year} in thousands of euros (as in budget_vintages); empty when the document states none for {year}.",
        metadata={"sql": "BIGINT"},
    )


_FLEX_SHARE = "Share of the article's uitgaven that is {category}, in percent as printed; empty when the table has no such category."


class BudgetFlexibility(pa.DataFrameModel):
    """Estimated budget flexibility per article and fiscal year: the shares of each category side by side, with the article's uitgaven."""

    chapter: Series[str] = ref(DimDocument, "chapter")
    chapter_name: Series[str] = ref(DimChapter, "chapter_name")
    article_code: Series[str] = ref(FactBudgetFlexibility, "article_code")
    article_name: Series[str] = ref(DimDocument, "article_name", "Article name as the document's heading gives it.")
    fiscal_year: Series[int] = ref(FactBudgetFlexibility, "fiscal_year")
    phase: Series[str] = ref(DimDocument, "phase")
    budget_year: Series[pd.Int64Dtype] = ref(DimDocument, "budget_year")
    document_id: Series[str] = ref(FactBudgetFlexibility, "document_id")
    juridisch_verplicht_pct: Series[float] = col(_FLEX_SHARE.format(category="juridisch verplicht (legally committed)"), "DOUBLE", nullable=True)
    complementair_noodzakelijk_pct: Series[float] = col(_FLEX_SHARE.format(category="complementair noodzakelijk (needed to complement commitments; older pages)"), "DOUBLE", nullable=True)
    bestuurlijk_gebonden_pct: Series[float] = col(_FLEX_SHARE.format(category="bestuurlijk gebonden (administratively bound)"), "DOUBLE", nullable=True)
    beleidsmatig_gereserveerd_pct: Series[float] = col(_FLEX_SHARE.format(category="beleidsmatig gereserveerd (reserved by policy)"), "DOUBLE", nullable=True)
    vrij_te_besteden_pct: Series[float] = col(_FLEX_SHARE.format(category="nog niet ingevuld / vrij te besteden (not yet allocated)"), "DOUBLE", nullable=True)
    other_pct: Series[float] = col("Sum of the shares of any other category the table prints (see fact_budget_flexibility); empty when there is none.", "DOUBLE", nullable=True)
    total_pct: Series[float] = col("Sum of all shares: 100, within rounding.", "DOUBLE")
    uitgaven_thousand_eur: Series[pd.Int64Dtype] = col("The article's uitgaven for the fiscal year in the same document (its figure as in budget_vintages), in thousands of euros; empty when the document does not state it. share / 100 * uitgaven estimates the amount of a category.", "BIGINT", nullable=True)
    table_id: Series[str] = ref(FactBudgetFlexibility, "table_id")


class VBudgetSummable(pa.DataFrameModel):
    """One figure per leaf line, document, measure and fiscal year (the figure of budget_vintages), with the document's and the line's attributes: any SUM over any filter is the true total of what the filter selects."""

    chapter: Series[str] = ref(DimDocument, "chapter")
    chapter_name: Series[str] = ref(DimChapter, "chapter_name")
    budget_year: Series[pd.Int64Dtype] = ref(DimDocument, "budget_year")
    phase: Series[str] = ref(DimDocument, "phase")
    article_code: Series[str] = ref(DimDocument, "article_code")
    article_name: Series[str] = ref(VBudgetAmount, "article_name")
    measure: Series[str] = ref(DimBudgetLine, "measure")
    sub_article_code: Series[str] = ref(DimBudgetLine, "sub_article_code")
    sub_article_name: Series[str] = ref(DimBudgetLine, "sub_article_name")
    instrument: Series[str] = ref(DimBudgetLine, "instrument")
    regeling: Series[str] = ref(DimBudgetLine, "regeling")
    label: Series[str] = ref(DimBudgetLine, "label")
    level: Series[str] = ref(DimBudgetLine, "level")
    path: Series[str] = ref(DimBudgetLine, "path")
    fiscal_year: Series[int] = ref(BudgetVintage, "fiscal_year")
    column_label: Series[str] = ref(BudgetVintage, "column_label")
    column_kind: Series[str] = ref(BudgetVintage, "column_kind")
    fdp_phase: Series[str] = ref(BudgetVintage, "fdp_phase")
    amount_thousand_eur: Series[int] = col(
        "The document's figure for the leaf line and fiscal year in thousands of euros, the one budget_vintages picks (never a mutatie or verschil). "
        "Only leaves: lines without an additive child in their table (a row without values stands for its children, which are here); 'waarvan' breakdowns are left out. "
        "Per document and measure one table counts: its budget table, else its apparaat table (the first on the page when there are more).",
        "BIGINT",
    )
    printed_label: Series[str] = ref(FactBudgetAmount, "printed_label")
    source_file: Series[str] = ref(DimDocument, "source_file")
    source_line: Series[int] = ref(FactBudgetAmount, "source_line")
    document_id: Series[str] = ref(BudgetVintage, "document_id")
    table_id: Series[str] = ref(BudgetVintage, "table_id")
    row_number: Series[int] = ref(FactBudgetAmount, "row_number")
    line_id: Series[str] = ref(DimBudgetLine, "line_id")


class VTableAsPrinted(pa.DataFrameModel):
    """Every loaded budget table as printed: one row per printed row in page order, with its code, label and level, and one column per printed heading (the columns of all tables; a table's own are listed in headings)."""

    source_file: Series[str] = ref(DimDocument, "source_file")
    chapter: Series[str] = ref(DimDocument, "chapter")
    budget_year: Series[pd.Int64Dtype] = ref(DimDocument, "budget_year")
    phase: Series[str] = ref(DimDocument, "phase")
    article_code: Series[str] = ref(DimDocument, "article_code")
    table_ordinal: Series[int] = ref(DimTable, "table_ordinal")
    table_number: Series[str] = ref(DimTable, "table_number")
    table_caption: Series[str] = ref(DimTable, "caption", "Caption of the table, as printed.")
    row_number: Series[int] = ref(FactBudgetAmount, "row_number", "1-based row within the table, in page order: ORDER BY row_number gives the rows as printed.")
    code: Series[str] = col("The row's code as printed ('7.1', '1.'); empty when the row has none.", "VARCHAR", nullable=True)
    label: Series[str] = ref(FactBudgetAmount, "printed_label")
    level: Series[str] = ref(DimBudgetLine, "level")
    headings: Series[object] = col(
        "The table's own heading columns of this view, in page order: each printed heading, made unique within its table by ' #2', ' #3' ... "
        "when the table prints it more than once (and by a ' #' suffix when two headings differ only in case, or one is named like a column before it).",
        "VARCHAR[]",
    )
    document_id: Series[str] = ref(FactBudgetAmount, "document_id", "The document the table is on.")
    table_id: Series[str] = ref(FactBudgetAmount, "table_id", "The table (dim_table).")
    line_id: Series[str] = ref(FactBudgetAmount, "line_id", "The budget line the row is (dim_budget_line).")
    heading_amount: Series[pd.Int64Dtype] = pa.Field(
        alias=r"^(?P<heading>.+)$",
        regex=True,
        nullable=True,
        description="The row's figure in the column headed '{heading}' (as printed), in thousands of euros; empty when the cell holds no number (blank, pm, not available: see v_budget_amount) or the table has no such column.",
        metadata={"sql": "BIGINT"},
    )


class VDocumentStatus(pa.DataFrameModel):
    """One row per page file of the sources, refused ones included: what loaded, what did not and why."""

    source_file: Series[str] = ref(DimDocument, "source_file")
    status: Series[str] = col(
        "loaded (every table found loaded or kept as cells), partly_loaded (some table refused), refused (the page, or every table with figures, refused), "
        "duplicate (another file carries the same page; loaded once from it) or no_tables (loaded, but no table found).",
        "VARCHAR",
        isin=["loaded", "partly_loaded", "refused", "duplicate", "no_tables"],
    )
    document_id: Series[str] = ref(LoadRejection, "document_id", "The document the page is (empty when the page was refused before it had one).")
    source_url: Series[str] = ref(DimDocument, "source_url")
    chapter: Series[str] = ref(DimDocument, "chapter")
    budget_year: Series[pd.Int64Dtype] = ref(DimDocument, "budget_year")
    phase: Series[str] = ref(DimDocument, "phase")
    article_code: Series[str] = ref(DimDocument, "article_code")
    article_name: Series[str] = ref(DimDocument, "article_name")
    tables_loaded: Series[int] = col("Tables loaded as budget facts or flexibility shares (dim_table.status = 'loaded').", "BIGINT")
    tables_kept_as_cells: Series[int] = col("Tables recognised and kept as cells only (not budget fact tables).", "BIGINT")
    tables_rejected: Series[int] = col("Tables refused (see rejections).", "BIGINT")
    figures_loaded: Series[int] = col("Printed cells loaded into fact_budget_amount (a figure or an empty, pm or not-available cell).", "BIGINT")
    missing_metadata: Series[object] = col("The identity fields the page lacks (chapter, budget_year, phase, article_code, article_name): left empty, never guessed; empty list when none.", "VARCHAR[]")
    warnings: Series[object] = col("Its load_warnings messages, in order.", "VARCHAR[]")
    rejections: Series[object] = col("Its load_rejections reasons, in source line order.", "VARCHAR[]")
    unloaded_row_labels: Series[object] = col("Labels of the rows of its refused tables, as printed, in page order.", "VARCHAR[]")


class BudgetChapterTotal(pa.DataFrameModel):
    """Per chapter, budget year, phase, measure and fiscal year: the total over the articles loaded, and which articles those are."""

    chapter: Series[str] = ref(DimDocument, "chapter")
    chapter_name: Series[str] = ref(DimChapter, "chapter_name")
    budget_year: Series[pd.Int64Dtype] = ref(DimDocument, "budget_year")
    phase: Series[str] = ref(DimDocument, "phase")
    measure: Series[str] = ref(DimBudgetLine, "measure")
    fiscal_year: Series[int] = ref(BudgetVintage, "fiscal_year")
    total_thousand_eur: Series[int] = col(
        "Sum over the articles loaded of each article's figure (as in budget_vintages), in thousands of euros: the printed total of the article (Uitgaven, Verplichtingen, Ontvangsten) "
        "where it prints one for the year, else the sum of its leaf figures (v_budget_summable). Not the chapter's total unless every article is loaded: see n_articles.",
        "BIGINT",
    )
    n_articles: Series[int] = col("How many articles (documents) the total covers.", "BIGINT")
    articles: Series[object] = col("The article codes the total covers, in number order ('?' for a document without one).", "VARCHAR[]")
    from_leaves: Series[object] = col("The article codes whose figure is the sum of their leaf figures (no printed total for the year); empty list when every article prints its total.", "VARCHAR[]")


VIEW_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "v_budget_amount": VBudgetAmount,
    "budget_vintages": BudgetVintage,
    "budget_by_year": BudgetByYear,
    "budget_flexibility": BudgetFlexibility,
    "v_budget_summable": VBudgetSummable,
    "v_table_as_printed": VTableAsPrinted,
    "v_document_status": VDocumentStatus,
    "budget_chapter_totals": BudgetChapterTotal,
}


def describe_column(model: type[pa.DataFrameModel], name: str) -> tuple[str, str, bool] | None:
    """(sql type, description, nullable) of an actual column of `model`'s table or view: by name,
    else by a regex column (its description formatted with the pattern's named groups)."""
    import re

    for key, column in model.to_schema().columns.items():
        if not column.regex and key == name:
            return column.metadata["sql"], column.description or "", bool(column.nullable)
    for key, column in model.to_schema().columns.items():
        match = re.fullmatch(key, name) if column.regex else None
        if match:
            return column.metadata["sql"], (column.description or "").format(**match.groupdict()), bool(column.nullable)
    return None


# Validation: pandera's answer, without pandera's per-cell bookkeeping when the frame is valid.


def validate(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> pd.DataFrame:
    """`model.validate(frame, lazy=True)`, fast when the frame passes.

    The model's own schema runs vectorised, once per column: coercion to the column's dtype (by
    pandera's engine), the dtype check, nullability, uniqueness, every Check of the column (by
    pandera's own Check objects) and the model's dataframe checks. At the first failure, error or
    schema feature it does not cover, the frame goes to pandera itself, whose result (or
    SchemaErrors naming every failing row) is returned. So the outcome is always pandera's; valid
    frames just skip pandera's per-cell work (its `str` dtype check maps a Python lambda over
    every cell and formats the result even when nothing fails). Unlike pandera's copy, a frame
    validated on the fast road shares its uncoerced columns with `frame`: copy it before
    changing values in place.
    """
    fast = _fast_validator(model)
    if fast is not None:
        try:
            validated = fast.validate(frame)
        except Exception:  # noqa: BLE001 - any doubt: pandera decides
            validated = None
        if validated is not None:
            return validated
    return model.validate(frame, lazy=True)


_FAST_VALIDATORS: dict[type, _FastValidator | None] = {}


def _fast_validator(model: type[pa.DataFrameModel]) -> _FastValidator | None:
    if model not in _FAST_VALIDATORS:
        _FAST_VALIDATORS[model] = _FastValidator.compile(model)
    return _FAST_VALIDATORS[model]


class _FastValidator:
    def __init__(self, schema, columns: list) -> None:
        from pandera.engines.pandas_engine import Engine, NpString

        self.schema = schema
        self.columns = columns
        self.engine = Engine
        self.strings = {name for name, column in columns if isinstance(column.dtype, NpString) and column.coerce}

    @classmethod
    def compile(cls, model: type[pa.DataFrameModel]) -> _FastValidator | None:
        """None when the schema uses a feature the fast road does not reproduce."""
        schema = model.to_schema()
        if (
            schema.index is not None or schema.dtype is not None or schema.coerce or schema.strict or schema.ordered
            or schema.unique or schema.parsers or schema.add_missing_columns or schema.drop_invalid_rows
            or schema.unique_column_names or any(check.groupby is not None for check in schema.checks)
        ):
            return None
        columns = list(schema.columns.items())
        for _name, column in columns:
            if (
                column.regex or not column.required or column.parsers or column.default is not None
                or column.drop_invalid_rows or column.dtype is None
                or any(check.groupby is not None for check in column.checks)
            ):
                return None
        return cls(schema, columns)

    def validate(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        """The validated (coerced) copy of `frame`, or None: let pandera look."""
        from pandas.api.types import infer_dtype
        from pandera.config import ValidationDepth, get_config_context

        config = get_config_context()
        if (
            not config.validation_enabled
            or config.validation_depth not in (None, ValidationDepth.SCHEMA_AND_DATA)
            or config.use_narwhals_backend
        ):
            return None
        if type(frame) is not pd.DataFrame or not frame.columns.is_unique:
            return None
        changed: dict[str, pd.Series] = {}
        for name, column in self.columns:
            if name not in frame.columns:
                return None
            original = value = frame[name]
            # Python strings throughout, and no null where none is allowed: pandera's str coercion
            # would leave every value as it is, and its dtype check passes. Else: pandera's way.
            strings = (
                name in self.strings
                and value.dtype == object
                and infer_dtype(value.to_numpy(), skipna=column.nullable) == "string"
            )
            if not strings:
                if column.coerce and not _same_numbers(value.dtype, column.dtype):
                    # Coerced by the frame, then again by the column, as pandera does.
                    first = _floats_to_nullable_ints(value, column.dtype)
                    value = column.dtype.try_coerce(first if first is not None else column.dtype.try_coerce(value))
                if not bool(np.all(column.dtype.check(self.engine.dtype(value.dtype), value))):
                    return None
            # Whether the column holds a null, looked for once (an object column is scanned value by
            # value) and only when asked: a column of strings that may hold none holds none.
            has_nulls = False if strings and not column.nullable else None
            if not column.nullable or column.checks:
                has_nulls = value.hasnans if has_nulls is None else has_nulls
            if not column.nullable and has_nulls:
                return None
            if column.unique and not value.is_unique:
                return None
            for check in column.checks:
                if not _passes(check, value, has_nulls):
                    return None
            if value is not original:
                changed[name] = value
        validated = frame.copy(deep=False)  # the columns not coerced are shared, not copied
        for name, value in changed.items():
            validated[name] = value
        for check in self.schema.checks:
            if not _passes(check, validated):
                return None
        return validated


def _same_numbers(dtype, target) -> bool:
    """Whether coercing a column of `dtype` to the pandera dtype `target` is the identity: the
    same numeric or boolean dtype (numpy's, or pandas' nullable one)."""
    try:
        return dtype.kind in "iufb" and dtype == target.type
    except (AttributeError, TypeError):
        return False


def _floats_to_nullable_ints(value: pd.Series, target) -> pd.Series | None:
    """`value.astype(target)` for a float64 column and pandas' Int64, made as pandas makes it
    (NaN masked, 1 under the mask, every other value integral), or None: let pandas do it.
    pandas finds the NaN by boxing every float (libmissing.is_numeric_na), ~0.5 us a value: half
    of a batch's validation (the row numbers and column positions of the cells, the amounts)."""
    if value.dtype != np.float64 or type(getattr(target, "type", None)) is not pd.Int64Dtype:
        return None
    floats = value.to_numpy()
    missing = np.isnan(floats)
    filled = floats.copy()
    filled[missing] = 1
    with np.errstate(invalid="ignore"):
        ints = filled.astype(np.int64)
    if not bool((ints == filled).all()):
        return None  # a fraction, an infinity or an int64 overflow: pandas' error
    return pd.Series(pd.arrays.IntegerArray(ints, missing), index=value.index, name=value.name)


def _passes(check, data, has_nulls: bool | None = None) -> bool:
    """Whether pandera's `check` passes on `data` (a column or the frame): the check's own
    vectorised function on the non-null values (pandera leaves nulls out of a check that ignores
    them, and only ever adds passes for them). Anything but a plain boolean answer is put to
    pandera's Check. `has_nulls`: whether the column holds a null, when known."""
    if not check.element_wise and check.groupby is None:
        if isinstance(data, pd.Series) and check.ignore_na and (data.hasnans if has_nulls is None else has_nulls):
            values = data.dropna()
        else:
            values = data
        try:
            output = check._check_fn(values, **check._check_kwargs)
        except Exception:  # noqa: BLE001 - e.g. a built-in check pandera has not dispatched yet
            output = None
        if isinstance(output, pd.Series) and output.dtype == bool:
            return bool(output.all())
        if isinstance(output, (bool, np.bool_)):
            return bool(output)
    return bool(check(data).check_passed)


# The words of the pages (pipeline.core.explanations): explanations, commitment shares, citations
# and the search index.

LINK_METHODS = ("exact", "normalised", "fuzzy", "topic")


class BudgetExplanation(pa.DataFrameModel):
    """One row per section of a page's prose (a heading and its paragraphs), linked to the budget line of the same document it explains, or unlinked with the reason."""

    explanation_id: Series[str] = col("Key of the section: '<document_id>-e<section_number>'.", "VARCHAR", unique=True)
    document_id: Series[str] = col("The document the section is printed in.", "VARCHAR")
    section_number: Series[int] = col("1-based order of the section in the document's prose.", "INTEGER", ge=1)
    heading_path: Series[str] = col("The headings above and of the section, joined by ' > ': artikelonderdeel > instrument > regeling > topic, as printed (flexibility sections: 'Geschatte budgetflexibiliteit > category > instrument').", "VARCHAR")
    heading: Series[str] = col("The section's own heading as printed (the last part of heading_path).", "VARCHAR")
    # DuckDB stores long strings uncompressed: this column was 496 of a 738 MB warehouse at
    # 10,000 generated pages, 47 MB with zstd.
    text: Series[str] = col("The section's paragraphs as printed, separated by blank lines; empty for a heading followed directly by another.", "VARCHAR", compression="zstd")
    first_source_line: Series[int] = col("1-based line of the section's heading in the source file.", "INTEGER", ge=1)
    last_source_line: Series[int] = col("1-based line of the section's last paragraph (its heading's line when it has none).", "INTEGER", ge=1)
    line_id: Series[str] = col("The budget line (dim_budget_line) the section explains: always a line of the same document, under the same artikelonderdeel and instrument; empty when it explains none (see unmatched_reason).", "VARCHAR", nullable=True)
    link_method: Series[str] = col("How the heading was linked: exact (the printed label), normalised (equal once case, accents, dashes and punctuation are folded), fuzzy (similar: see link_score), topic (a subheading inside a regeling's or artikelonderdeel's text, linked to that line); empty when unlinked.", "VARCHAR", nullable=True, isin=list(LINK_METHODS))
    link_score: Series[float] = col("Similarity of heading and label, 0..1 (1 for exact and normalised links); empty for topic links and unlinked sections.", "DOUBLE", nullable=True, ge=0, le=1)
    unmatched_reason: Series[str] = col("Why the section is linked to no line (the article as a whole, budget flexibility, no similar line under its instrument ...); empty when linked.", "VARCHAR", nullable=True)


class FactInstrumentCommitment(pa.DataFrameModel):
    """Per-instrument shares of the budget flexibility prose ('Bijdrage aan ZBO/RWT's: Het budget is voor 56% juridisch verplicht'): join on (document_id, instrument) to every line of the instrument in the document."""

    document_id: Series[str] = col("The document whose flexibility text prints the share.", "VARCHAR")
    article_code: Series[str] = col("Article the share is for.", "VARCHAR", nullable=True)
    instrument: Series[str] = col("The instrument as the document's table spells it (dim_budget_line.instrument, canonical); empty when the text names no instrument of the table (a load warning says so).", "VARCHAR", nullable=True)
    printed_instrument: Series[str] = col("The instrument as the flexibility text prints it ('Bijdrage aan ZBO/RWT's').", "VARCHAR")
    fiscal_year: Series[pd.Int64Dtype] = col("Year the share is for: the document's budget year.", "INTEGER", nullable=True, ge=1990, le=2100)
    category: Series[str] = col("Flexibility category of the share (normalised as in fact_budget_flexibility): usually juridisch verplicht.", "VARCHAR")
    share_pct: Series[float] = col("Share of the instrument's budget in the category, in percent as printed.", "DOUBLE", ge=0, le=100)
    source_line: Series[int] = col("1-based line of the sentence with the share in the source file.", "INTEGER", ge=1)


class ParliamentaryPaperCitation(pa.DataFrameModel):
    """Link table: which explanation section cites which parliamentary paper ('Kamerstukken II 2021/22, 26643, nr. 842'); one row per citation."""

    document_id: Series[str] = col("The document the citation is printed in.", "VARCHAR")
    explanation_id: Series[str] = col("The citing section (budget_explanation).", "VARCHAR")
    paper_id: Series[str] = col("The paper cited (dim_parliamentary_paper): a hash of dossier and number.", "VARCHAR")
    chamber: Series[str] = col("Tweede Kamer (Kamerstukken II) or Eerste Kamer (Kamerstukken I); empty when the citation does not say.", "VARCHAR", nullable=True, isin=["Tweede Kamer", "Eerste Kamer"])
    session_year: Series[str] = col("Parliamentary session as 'YYYY-YYYY' (printed '2021/22'); empty when not printed.", "VARCHAR", nullable=True)
    dossier_number: Series[str] = col("Kamerstuk dossier number ('26643', with a chapter suffix such as '36200-VII' when printed).", "VARCHAR")
    paper_number: Series[int] = col("Number of the paper within the dossier (nr.).", "INTEGER", ge=0)
    cited_text: Series[str] = col("The citation as printed (whitespace folded).", "VARCHAR")
    source_line: Series[int] = col("1-based line of the citation in the source file.", "INTEGER", ge=1)


class ExplanationTerm(pa.DataFrameModel):
    """Search index of the explanations (internal to search_budget): per document and budget line, the words of the sections that explain it (headings and texts), case and accents folded, with their stem."""

    document_id: Series[str] = col("The document of the explanations.", "VARCHAR")
    line_id: Series[str] = col("The budget line the explanations explain (budget_explanation.line_id).", "VARCHAR")
    word: Series[str] = col("The word, lower case without accents.", "VARCHAR")
    stem: Series[str] = col("The word's stem (a light Dutch suffix stemmer: 'klokkenluiders' -> 'klokkenluider').", "VARCHAR")
    occurrences: Series[int] = col("How often the word occurs in the line's explanations.", "INTEGER", ge=1)


TABLE_MODELS["budget_explanation"] = BudgetExplanation
TABLE_MODELS["fact_instrument_commitment"] = FactInstrumentCommitment
TABLE_MODELS["parliamentary_paper_citation"] = ParliamentaryPaperCitation
TABLE_MODELS["explanation_term"] = ExplanationTerm


class DimParliamentaryPaper(pa.DataFrameModel):
    """One row per parliamentary paper (Kamerstuk) any explanation cites; the citing sections are in parliamentary_paper_citation."""

    paper_id: Series[str] = ref(ParliamentaryPaperCitation, "paper_id", "Key of the paper: a hash of dossier and number.")
    chamber: Series[str] = ref(ParliamentaryPaperCitation, "chamber", "Tweede Kamer or Eerste Kamer, as the citations say; empty when none says.")
    session_year: Series[str] = ref(ParliamentaryPaperCitation, "session_year", "Parliamentary session 'YYYY-YYYY' as the citations print it; empty when none does.")
    dossier_number: Series[str] = ref(ParliamentaryPaperCitation, "dossier_number")
    paper_number: Series[int] = ref(ParliamentaryPaperCitation, "paper_number")
    reference: Series[str] = col("The paper in the usual notation: 'Kamerstukken II 2021/22, 26643, nr. 842'.", "VARCHAR")
    citing_sections: Series[int] = col("How many explanation sections cite it.", "BIGINT", ge=1)


VIEW_MODELS["dim_parliamentary_paper"] = DimParliamentaryPaper


class SearchWordForm(pa.DataFrameModel):
    """Word forms of the search (search_budget): each form a query may use, lower case without accents, and the stem of explanation_term it finds: the words of the explanations as printed, and each stem with the endings the stemmer takes off (s, e, en, es, a doubled consonant + en, heid/heden)."""

    word_form: Series[str] = col("A form of a word ('klokkenluider', 'klokkenluiders').", "VARCHAR")
    stem: Series[str] = ref(ExplanationTerm, "stem", "The stem the form finds in explanation_term.")


VIEW_MODELS["search_word_form"] = SearchWordForm
