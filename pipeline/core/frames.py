"""Parsed pages to validated frames: one DataFrame per warehouse table, validated by its pandera
model (pandas and pandera: kept out of `build`, whose worker processes only parse).

  to_frames         parsed pages -> one DataFrame per warehouse table (unvalidated)
  validate_frames   pandera validation; a table with an invalid row is quarantined, never loaded
"""

from __future__ import annotations

from array import array as PackedInts  # (build._packed_columns: a column of ints, int64)
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain

import numpy as np
import pandas as pd
import pandera.errors
from pandas.api.types import infer_dtype

from pipeline.core.build import RESULT_INDEX, RESULT_PARTS, ParsedPage, _add_records, _columns_of_records, _page_rejection, _unpack
from pipeline.core.fdp import FDP_PHASE_BY_KIND
from pipeline.core.parse import REJECTED
from pipeline.core.schemas import (
    BudgetExplanation,
    DimDocument,
    DimTable,
    FactBudgetAmount,
    FactBudgetFlexibility,
    FactInstrumentCommitment,
    LoadRejection,
    LoadWarning,
    ParliamentaryPaperCitation,
    SourceFile,
    StagedBudgetLine,
    TableCell,
    TableColumnIdentity,
    TableFootnote,
    columns_of,
    validate,
)

# Frames produced per batch of pages, and the model that validates each.
FRAME_MODELS = {
    "dim_document": DimDocument,
    "dim_table": DimTable,
    "table_cell": TableCell,
    "table_footnote": TableFootnote,
    "stg_budget_line": StagedBudgetLine,
    "fact_budget_amount": FactBudgetAmount,
    "fact_budget_flexibility": FactBudgetFlexibility,
    "table_column_identity": TableColumnIdentity,
    "load_rejections": LoadRejection,
    "load_warnings": LoadWarning,
    "source_file": SourceFile,
    "budget_explanation": BudgetExplanation,
    "fact_instrument_commitment": FactInstrumentCommitment,
    "parliamentary_paper_citation": ParliamentaryPaperCitation,
}
# Frames whose rows belong to one table (quarantined together when one row is invalid).
PER_TABLE_FRAMES = ("table_footnote", "stg_budget_line", "fact_budget_amount", "fact_budget_flexibility", "table_column_identity")


def to_frames(pages: list[ParsedPage], loaded_at: datetime | None = None) -> dict[str, pd.DataFrame]:
    """One frame per warehouse table for a batch of parsed pages (duplicates left out, with a warning)."""
    loaded_at = loaded_at or datetime.now(UTC)
    # Each frame's rows in page order, as runs: a list of dicts, or a span of a block's columns.
    segments: dict[str, list] = {name: [] for name in FRAME_MODELS}
    rejections = RESULT_INDEX["rejections"]
    for parsed in pages:
        page = parsed.page
        _add_records(segments["source_file"], [
            {
                "source_file": parsed.key,
                "sha256": parsed.sha256,
                "size_bytes": parsed.size_bytes,
                "fingerprint": parsed.fingerprint,
                "document_id": page.document_id,
                "status": "duplicate" if parsed.duplicate_of else "rejected" if parsed.rejected_reason else "loaded",
                "duplicate_of": parsed.duplicate_of,
                "stat_signature": None,  # the scan's, set by the loader
            }
        ])
        if parsed.duplicate_of is not None:
            _add_records(segments["load_warnings"], [
                {"document_id": page.document_id, "source_file": parsed.key, "field": "duplicate",
                 "message": f"{parsed.key} repeats {parsed.duplicate_of} (same page); loaded once, from {parsed.duplicate_of}"}
            ])
            continue
        if parsed.rejected_reason is not None:
            if parsed._count(rejections):
                parsed._add_part(segments, rejections)
            else:
                _add_records(segments["load_rejections"], [_page_rejection(page, parsed.rejected_reason, stage="identify")])
            parsed._add_part(segments, RESULT_INDEX["warnings"])
            continue
        _add_records(segments["dim_document"], [
            {
                "document_id": page.document_id,
                "source_file": parsed.key,
                "source_url": page.source_url,
                "sha256": parsed.sha256,
                "chapter": page.chapter,
                "budget_year": page.budget_year,
                "phase": page.phase,
                "article_code": page.article_code,
                "article_name": page.article_name,
                "identity_key": page.identity,
                "metadata_sources": ", ".join(f"{k}={v}" for k, v in sorted(page.provenance.items())) or None,
                "loaded_at": loaded_at,
            }
        ])
        for part in range(len(RESULT_PARTS)):
            parsed._add_part(segments, part)
    frames = {name: _frame(segments[name], name) for name in FRAME_MODELS}
    amounts = frames["fact_budget_amount"]
    # The budget phase is the column's, not the document's (pipeline.core.fdp).
    # Looked up once per distinct kind (an empty or unknown kind, and mutaties: None).
    kinds, kind_values = pd.factorize(amounts["column_kind"])
    phases = np.array([*(FDP_PHASE_BY_KIND.get(kind) for kind in kind_values), None], dtype=object)
    amounts["fdp_phase"] = phases[kinds]
    return frames


# A frame is built from its columns exactly as pandas builds it from the records
# (DataFrame.from_records over rows: same object arrays, same dtype inference).
FRAME_COLUMNS = {name: tuple(columns_of(model)) for name, model in FRAME_MODELS.items()}
# Columns the models declare as strings (a hint only: the values decide the frame's dtypes).
_TEXT_COLUMNS = {
    name: {column for column, spec in model.to_schema().columns.items() if str(spec.dtype) == "str"}
    for name, model in FRAME_MODELS.items()
}
try:  # the two halves of DataFrame.from_records(records): records -> object arrays -> columns
    from pandas._libs.lib import dicts_to_array as _dicts_to_array
    from pandas.core.internals.construction import convert_object_array as _convert_object_array
except ImportError:  # another pandas: build the frames the plain way
    _dicts_to_array = _convert_object_array = None


def _record_columns(records: list[dict], columns: tuple[str, ...]) -> list:
    """One array (or list) of values per column, as from_records reads the records."""
    if _dicts_to_array is None:
        return _columns_of_records(records, columns)
    content = _dicts_to_array(records, list(columns))
    return [content[:, index] for index in range(len(columns))]


def _frame(segment: list, name: str) -> pd.DataFrame:
    columns = FRAME_COLUMNS[name]
    if not segment:
        return pd.DataFrame({c: [] for c in columns})
    pieces: list[list] = [[] for _ in columns]
    for run in segment:
        values = _record_columns(run, columns) if isinstance(run, list) else run[0].columns(run[1], columns, run[2], run[3])
        for target, column in zip(pieces, values):
            target.append(column)
    if _convert_object_array is None:
        data = [[value for piece in column for value in piece] for column in pieces]
        return pd.DataFrame.from_records(list(zip(*data)), columns=list(columns))
    try:
        arrays = [_column(column, column_name in _TEXT_COLUMNS[name]) for column_name, column in zip(columns, pieces)]
    except (ValueError, TypeError):  # a value numpy takes for a sequence: let pandas sort it out
        data = [[value for piece in column for value in _unpack(piece)] for column in pieces]
        return pd.DataFrame.from_records(list(zip(*data)), columns=list(columns))
    return pd.DataFrame(dict(zip(columns, arrays)), columns=list(columns), copy=False)


def _column(pieces: list, text: bool) -> np.ndarray:
    """A frame column from its pieces: Python ints sent as int64 stay int64 (what pandas makes of
    a column of ints), unless the model says text; anything else is inferred from the values."""
    if not text and all(isinstance(piece, PackedInts) for piece in pieces):
        return np.concatenate([np.frombuffer(piece, dtype=np.int64) for piece in pieces])
    return _infer(_object_array([_unpack(piece) for piece in pieces]), text)


def _object_array(pieces: list) -> np.ndarray:
    """One object array of a column's pieces (object arrays, or lists of values)."""
    if len(pieces) == 1 and isinstance(pieces[0], np.ndarray):
        return pieces[0]
    # (fromiter stores the values one by one; assigning a tuple to a slice first looks at every
    # value for a shape and a dtype: 18 against 21-55 ns a value, most for columns of ints and None)
    return np.fromiter(chain.from_iterable(pieces), dtype=object, count=sum(len(piece) for piece in pieces))


def _infer(array: np.ndarray, text: bool = False) -> np.ndarray:
    """The column DataFrame.from_records makes of these values (its own conversion), with the
    common cases done directly: Python ints -> int64; ints and None -> float64 with NaN
    (exact below 2**53); bools -> bool. `text`: the model says strings, which pandas' own
    conversion settles at the first value."""
    if text:
        return _convert_object_array([array], dtype=None)[0]
    kind = infer_dtype(array, skipna=False)
    try:
        if kind == "integer":
            return array.astype(np.int64)
        if kind == "boolean":
            return array.astype(bool)
        if kind == "mixed-integer":
            missing = array == None  # noqa: E711 - elementwise
            present = array[~missing]
            if infer_dtype(present, skipna=False) == "integer":
                ints = present.astype(np.int64)
                if len(ints) and -(2**53) < int(ints.min()) and int(ints.max()) < 2**53:
                    floats = np.full(len(array), np.nan)
                    floats[~missing] = ints
                    return floats
    except OverflowError:
        pass
    return _convert_object_array([array], dtype=None)[0]


@dataclass(slots=True)
class ValidationOutcome:
    frames: dict[str, pd.DataFrame]
    quarantined_tables: dict[str, str] = field(default_factory=dict)  # table_id -> reason


def validate_frames(frames: dict[str, pd.DataFrame]) -> ValidationOutcome:
    """Validate every frame with its pandera model. Rows that fail take their whole table out of
    the facts (quarantined with the failing check and line); the rest loads.

    Each frame is validated once for the whole batch, on the fast road of `schemas.validate`;
    pandera's full, lazy report is drawn only for a frame that fails, to name its failing rows.
    """
    frames = dict(frames)
    quarantined: dict[str, str] = {}
    for name in PER_TABLE_FRAMES:
        if name not in frames:
            continue
        model = FRAME_MODELS[name]
        try:
            frames[name] = validate(model, frames[name])
        except pandera.errors.SchemaErrors as errors:
            frame = frames[name]
            cases = errors.failure_cases
            bad_index = cases["index"].dropna().unique()
            for index in bad_index:
                row = frame.loc[int(index)]
                table_id = row["table_id"]
                if table_id in quarantined:
                    continue
                case = cases[cases["index"] == index].iloc[0]
                # Frames without a source line (column identities) name the table's first line.
                line = row["source_line"] if "source_line" in row.index else _first_line(frames, table_id)
                quarantined[table_id] = (
                    f"line {line}: {name}.{case['column'] or 'row'} fails {case['check']} "
                    f"(value {case['failure_case']!r})"
                )
            if cases["index"].isna().any():
                # A failure that names no row (a missing column): nothing of this frame is safe.
                raise
    if quarantined:
        for name in PER_TABLE_FRAMES:
            frame = frames[name]
            frames[name] = frame[~frame["table_id"].isin(quarantined)].reset_index(drop=True)
        tables = frames["dim_table"].copy()
        documents = frames["dim_document"].set_index("document_id")["source_file"].to_dict()
        new_rejections = []
        for table_id, reason in quarantined.items():
            mask = tables["table_id"] == table_id
            tables.loc[mask, "status"] = REJECTED
            tables.loc[mask, "reason"] = reason
            record = tables[mask].iloc[0]
            source_file = documents.get(record["document_id"], "?")
            new_rejections.append(
                {
                    "document_id": record["document_id"],
                    "source_file": source_file,
                    "table_id": table_id,
                    "table_caption": record["caption"],
                    "source_line": int(reason.split(":")[0].removeprefix("line ")) if reason.startswith("line ") and reason.split(":")[0].removeprefix("line ").isdigit() else None,
                    "stage": "validate",
                    "reason": f"{source_file}, table {record['table_ordinal']} ({record['caption'] or 'no caption'}): {reason}",
                }
            )
        frames["dim_table"] = tables
        frames["load_rejections"] = pd.concat([frames["load_rejections"], pd.DataFrame(new_rejections)], ignore_index=True)
    for name in frames:
        if name in PER_TABLE_FRAMES:
            continue
        frames[name] = validate(FRAME_MODELS[name], frames[name])
    return ValidationOutcome(frames, quarantined)


def _first_line(frames: dict[str, pd.DataFrame], table_id: str) -> object:
    tables = frames.get("dim_table")
    if tables is None or "first_line" not in tables.columns:
        return None
    lines = tables.loc[tables["table_id"] == table_id, "first_line"]
    return int(lines.iloc[0]) if len(lines) and pd.notna(lines.iloc[0]) else None

__all__ = ["FRAME_MODELS", "PER_TABLE_FRAMES", "ValidationOutcome", "to_frames", "validate_frames"]
