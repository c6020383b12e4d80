"""From page files to validated frames, without Dagster: the core the assets wire together.

  parse_source      bytes of one page -> ParsedPage (identity + parse result)
  parse_many        many pages, on every core (workers send their rows back column-wise)
  deduplicate       one page per document: the same page under two names or addresses loads once
  to_frames         parsed pages -> one DataFrame per warehouse table (unvalidated)
  validate_frames   pandera validation; a table with an invalid row is quarantined, never loaded
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pandera.errors
from pandas.api.types import infer_dtype

from pipeline.core import tables as tables_module
from pipeline.core.documents import MANIFEST, Unreadable, fingerprint, resolve_identity
from pipeline.core.explanations import explain_page
from pipeline.core.fdp import FDP_PHASE_BY_KIND
from pipeline.core.metadata import ManifestRow, PageIdentity, stable_id
from pipeline.core.parse import REJECTED, PageResult, parse_page
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


class ParsedPage:
    """One page parsed: its identity and its rows.

    The rows are `result` (a PageResult, lists of dicts) or, for pages parsed in a worker process
    (`parse_many`), column-wise in a block shared with the other pages of the worker's chunk:
    far cheaper to send back than dicts. `result` is then rebuilt on first use.
    """

    __slots__ = ("key", "sha256", "page", "_result", "size_bytes", "fingerprint", "duplicate_of", "rejected_reason", "_rows")

    def __init__(
        self,
        key: str,
        sha256: str,
        page: PageIdentity,
        result: PageResult | None = None,
        size_bytes: int = 0,
        fingerprint: str = "",
        duplicate_of: str | None = None,
        rejected_reason: str | None = None,
        rows: _PageRows | None = None,
    ) -> None:
        self.key = key
        self.sha256 = sha256
        self.page = page
        self._result = result
        self.size_bytes = size_bytes
        self.fingerprint = fingerprint
        self.duplicate_of = duplicate_of
        self.rejected_reason = rejected_reason
        self._rows = rows

    @property
    def result(self) -> PageResult:
        if self._result is None and self._rows is not None:
            self._result = self._rows.to_result()
            self._rows = None
        return self._result

    @result.setter
    def result(self, value: PageResult) -> None:
        self._result = value
        self._rows = None

    def __repr__(self) -> str:
        return (
            f"ParsedPage(key={self.key!r}, sha256={self.sha256!r}, document_id={self.page.document_id!r}, "
            f"duplicate_of={self.duplicate_of!r}, rejected_reason={self.rejected_reason!r})"
        )

    def _count(self, part: int) -> int:
        if self._rows is not None:
            start, stop = self._rows.spans[part]
            return stop - start
        return len(getattr(self._result, RESULT_PARTS[part][0]))

    def _add_part(self, segments: dict[str, list], part: int) -> None:
        attribute, name = RESULT_PARTS[part]
        if self._rows is not None:
            start, stop = self._rows.spans[part]
            _add_span(segments[name], self._rows.block, part, start, stop)
        else:
            _add_records(segments[name], getattr(self._result, attribute))


def parse_source(key: str, data: bytes | Unreadable, manifest: ManifestRow | None) -> ParsedPage:
    """Identify and parse one page. A file that cannot be read or is not text rejects the whole
    page, out loud; so does the manifest's own row, one rejection per problem of the manifest."""
    parsed = _parse_source(key, data, manifest)
    parsed.fingerprint = fingerprint(parsed.sha256, manifest)
    return parsed


def _parse_source(key: str, data: bytes | Unreadable, manifest: ManifestRow | None) -> ParsedPage:
    sha = data.sha256 if isinstance(data, Unreadable) else hashlib.sha256(data).hexdigest()
    size = 0 if isinstance(data, Unreadable) else len(data)
    notes = list(manifest.problems) if manifest is not None else []
    if key == MANIFEST:
        page = resolve_identity(key, "", None)
        reasons = [message for _column, message in notes] or [f"{key}: changed during the run; the next build checks it again"]
        return _refused(key, sha, size, page, reasons, [])
    if isinstance(data, Unreadable):
        return _refused(key, sha, size, resolve_identity(key, "", manifest), [data.reason], notes)
    text, problem = _decode(key, data)
    if text is None:
        return _refused(key, sha, size, resolve_identity(key, "", manifest), [problem], notes)
    if problem:
        notes.append(("encoding", problem))
    found = tables_module.find_tables(text)
    page = resolve_identity(key, text, manifest, found)
    result = parse_page(text, page, found)
    _explain(text, found[0], page, result)
    notes += [(message.split(" ", 1)[0], message) for message in page.warnings]
    result.warnings[:0] = _warnings(page, notes)
    return ParsedPage(key, sha, page, result, size)


def _decode(key: str, data: bytes) -> tuple[str | None, str | None]:
    """The page's text and what to say of its encoding, or (None, why it is not text).

    UTF-8 first; failing that, Windows-1252, the usual encoding of text saved on Windows, unless
    a NUL byte shows binary data (no text file holds one)."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        at = f"byte {error.start} is {data[error.start]:#04x}"
    if b"\x00" in data:
        return None, f"{key}: not UTF-8 text ({at}) and holds NUL bytes: binary data; the page was not read"
    try:
        return data.decode("cp1252"), f"{key}: not UTF-8 text ({at}); read as Windows-1252"
    except UnicodeDecodeError as error:
        return None, f"{key}: not UTF-8 text ({at}), nor Windows-1252 (byte {error.start}); the page was not read"


def _refused(key: str, sha: str, size: int, page: PageIdentity, reasons: list[str], notes: list[tuple[str, str]]) -> ParsedPage:
    """A page of which nothing loads: a rejection per reason, and its manifest row's problems as warnings."""
    result = PageResult()
    result.rejections = [_page_rejection(page, reason, stage="identify") for reason in reasons]
    result.warnings = _warnings(page, notes)
    return ParsedPage(key, sha, page, result, size, rejected_reason=reasons[0])


def _warnings(page: PageIdentity, notes: list[tuple[str, str]]) -> list[dict]:
    return [{"document_id": page.document_id, "source_file": page.file, "field": column, "message": message} for column, message in notes]


def _explain(text: str, tables: list, page: PageIdentity, result: PageResult) -> None:
    """The page's prose: explanation sections linked to the lines just parsed, commitment shares
    and citations (pipeline.core.explanations)."""
    words = explain_page(text, tables, result.lines, page)
    result.explanations = words.sections
    result.instrument_commitments = words.commitments
    result.paper_citations = words.citations
    result.warnings.extend(words.warnings)


def _page_rejection(page: PageIdentity, reason: str, *, stage: str) -> dict:
    return {
        "document_id": page.document_id,
        "source_file": page.file,
        "table_id": None,
        "table_caption": None,
        "source_line": None,
        "stage": stage,
        "reason": reason,
    }


def deduplicate(pages: list[ParsedPage], known: dict[str, tuple[str, str]] | None = None) -> dict[str, str]:
    """Mark pages that repeat another: the same content (sha256) or the same identity.

    `known` maps document_id -> (source_file, sha256) of documents already loaded from files
    outside this batch. Same content, or same identity and same content: the later name is a
    duplicate, loaded once. Same identity, different content: two versions of one page; both
    are refused, never one guessed. Returns the known documents that must now be refused too,
    with the reason (document_id -> reason).
    """
    refused_known: dict[str, str] = {}
    known = dict(known or {})
    known_by_sha = {sha: source for source, sha in known.values()}
    by_sha: dict[str, ParsedPage] = {}
    by_doc: dict[str, list[ParsedPage]] = {}
    for parsed in sorted(pages, key=lambda p: p.key):
        if parsed.rejected_reason is not None:
            continue  # a refused page loads nothing, so it repeats nothing and nothing repeats it
        first = by_sha.get(parsed.sha256)
        if first is not None or parsed.sha256 in known_by_sha:
            parsed.duplicate_of = first.key if first is not None else known_by_sha[parsed.sha256]
            continue
        by_sha[parsed.sha256] = parsed
        by_doc.setdefault(parsed.page.document_id, []).append(parsed)
    for document_id, group in by_doc.items():
        versions = {p.sha256 for p in group}
        if document_id in known and known[document_id][0] not in {p.key for p in group}:
            versions.add(known[document_id][1])
            if len(versions) == 1:
                for parsed in group:
                    parsed.duplicate_of = known[document_id][0]
                continue
        if len(versions) > 1:
            names = sorted({p.key for p in group} | ({known[document_id][0]} if document_id in known else set()))
            reason = f"{len(names)} files ({', '.join(names)}) claim the same page ({group[0].page.identity}) with different content; refusing to pick one"
            for parsed in group:
                # The refusal replaces the parse's rejections, which no longer matter; its warnings stay.
                parsed.rejected_reason = f"{parsed.key}: {reason}"
                parsed.result = PageResult(
                    rejections=[_page_rejection(parsed.page, parsed.rejected_reason, stage="identify")],
                    warnings=parsed.result.warnings,
                )
            if document_id in known:
                refused_known[document_id] = f"{known[document_id][0]}: {reason}"
        else:
            for parsed in group[1:]:
                parsed.duplicate_of = group[0].key
    return refused_known


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
    phases = amounts["column_kind"].map(FDP_PHASE_BY_KIND).astype(object)
    amounts["fdp_phase"] = phases.where(phases.notna(), None)
    return frames


# Rows column-wise. A frame is built from its columns exactly as pandas builds it from the
# records (DataFrame.from_records over rows: same object arrays, same dtype inference), without
# going through one dict per row.

# PageResult attribute -> the frame its rows go to, in to_frames' order.
RESULT_PARTS = (
    ("tables", "dim_table"),
    ("cells", "table_cell"),
    ("footnotes", "table_footnote"),
    ("lines", "stg_budget_line"),
    ("amounts", "fact_budget_amount"),
    ("flexibility", "fact_budget_flexibility"),
    ("identities", "table_column_identity"),
    ("rejections", "load_rejections"),
    ("warnings", "load_warnings"),
    ("explanations", "budget_explanation"),
    ("instrument_commitments", "fact_instrument_commitment"),
    ("paper_citations", "parliamentary_paper_citation"),
)
RESULT_INDEX = {attribute: index for index, (attribute, _name) in enumerate(RESULT_PARTS)}
FRAME_COLUMNS = {name: tuple(columns_of(model)) for name, model in FRAME_MODELS.items()}
# Columns the models declare as strings (a hint only: the values decide the frame's dtypes).
_TEXT_COLUMNS = {
    name: {column for column, spec in model.to_schema().columns.items() if str(spec.dtype) == "str"}
    for name, model in FRAME_MODELS.items()
}
_MISSING = float("nan")  # what DataFrame.from_records puts where a record lacks a column
try:  # the two halves of DataFrame.from_records(records): records -> object arrays -> columns
    from pandas._libs.lib import dicts_to_array as _dicts_to_array
    from pandas.core.internals.construction import convert_object_array as _convert_object_array
except ImportError:  # another pandas: build the frames the plain way
    _dicts_to_array = _convert_object_array = None


def _add_records(segment: list, records: list[dict]) -> None:
    if not records:
        return
    if segment and isinstance(segment[-1], list):
        segment[-1].extend(records)
    else:
        segment.append(list(records))


def _add_span(segment: list, block: _Block, part: int, start: int, stop: int) -> None:
    if start == stop:
        return
    last = segment[-1] if segment else None
    if isinstance(last, tuple) and last[0] is block and last[1] == part and last[3] == start:
        segment[-1] = (block, part, last[2], stop)
    else:
        segment.append((block, part, start, stop))


def _record_columns(records: list[dict], columns: tuple[str, ...]) -> list:
    """One array (or list) of values per column, as from_records reads the records."""
    if _dicts_to_array is None:
        return [[record.get(column, _MISSING) for record in records] for column in columns]
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
    a column of ints); anything else is inferred from the values."""
    if all(isinstance(piece, np.ndarray) and piece.dtype == np.int64 for piece in pieces):
        return np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    return _infer(_object_array([_unpack(piece) for piece in pieces]), text)


def _object_array(pieces: list) -> np.ndarray:
    """One object array of a column's pieces (object arrays, or lists of values)."""
    if len(pieces) == 1 and isinstance(pieces[0], np.ndarray):
        return pieces[0]
    array = np.empty(sum(len(piece) for piece in pieces), dtype=object)
    start = 0
    for piece in pieces:
        array[start : start + len(piece)] = piece
        start += len(piece)
    return array


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


def _pack(values, text: bool = False) -> object:
    """A column's values in a form cheap to send, exactly recoverable: Python ints as int64 (a
    column the model declares as text is sent as it is, unexamined)."""
    if text:
        return values
    try:
        array = values if isinstance(values, np.ndarray) else _object_array([values])
    except (ValueError, TypeError):
        return values
    if infer_dtype(array, skipna=False) == "integer":
        try:
            return array.astype(np.int64)
        except OverflowError:
            pass
    return values


def _unpack(piece) -> list | np.ndarray:
    """The values of a packed piece (a list or an object array)."""
    if isinstance(piece, np.ndarray) and piece.dtype != object:
        return piece.astype(object)  # int64 -> Python ints
    return piece


class _Block:
    """The rows of consecutive pages parsed together, column-wise: per PageResult attribute, the
    records' keys and one packed column per key (or the records themselves when their keys
    differ)."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[tuple[tuple[str, ...] | None, list]]) -> None:
        self.parts = parts

    @classmethod
    def of(cls, results: list[PageResult]) -> tuple[_Block, list[tuple[tuple[int, int], ...]]]:
        """A block of these results, and each result's (start, stop) per attribute."""
        parts = []
        spans: list[list[tuple[int, int]]] = [[] for _ in results]
        for attribute, name in RESULT_PARTS:
            records: list[dict] = []
            for index, result in enumerate(results):
                start = len(records)
                records.extend(getattr(result, attribute))
                spans[index].append((start, len(records)))
            keys = tuple(records[0]) if records else ()
            if all(map(keys.__eq__, map(tuple, records))):
                text = _TEXT_COLUMNS[name]
                parts.append((keys, [_pack(values, key in text) for key, values in zip(keys, _record_columns(records, keys))]))
            else:
                parts.append((None, records))
        return cls(parts), [tuple(s) for s in spans]

    def columns(self, part: int, columns: tuple[str, ...], start: int, stop: int) -> list[list]:
        keys, data = self.parts[part]
        if keys is None:
            return _record_columns(data[start:stop], columns)
        position = {key: index for index, key in enumerate(keys)}
        out = []
        for column in columns:
            if column not in position:
                out.append([_MISSING] * (stop - start))
                continue
            values = data[position[column]]
            out.append(values if start == 0 and stop == len(values) else values[start:stop])
        return out

    def records(self, part: int, start: int, stop: int) -> list[dict]:
        keys, data = self.parts[part]
        if keys is None:
            return data[start:stop]
        if not keys:
            return [{} for _ in range(start, stop)]
        columns = [_unpack(values[start:stop]) for values in data]
        columns = [values.tolist() if isinstance(values, np.ndarray) else values for values in columns]
        return [dict(zip(keys, row)) for row in zip(*columns)]


class _PageRows:
    """Where one page's rows are in its block."""

    __slots__ = ("block", "spans", "derived_budget_year")

    def __init__(self, block: _Block, spans: tuple[tuple[int, int], ...], derived_budget_year: int | None) -> None:
        self.block = block
        self.spans = spans
        self.derived_budget_year = derived_budget_year

    def to_result(self) -> PageResult:
        result = PageResult(derived_budget_year=self.derived_budget_year)
        for part, (attribute, _name) in enumerate(RESULT_PARTS):
            setattr(result, attribute, self.block.records(part, *self.spans[part]))
        return result


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


__all__ = ["ParsedPage", "parse_source", "deduplicate", "to_frames", "validate_frames", "stable_id"]


def _parse_one(args: tuple[str, bytes | Unreadable, ManifestRow | None]) -> ParsedPage:
    return parse_source(*args)


def _parse_chunk(jobs: list[tuple[str, bytes | Unreadable, ManifestRow | None]]) -> list[ParsedPage]:
    """Parse consecutive pages in a worker; their rows travel back column-wise in one block."""
    pages = [parse_source(*job) for job in jobs]
    block, spans = _Block.of([p.result for p in pages])
    for parsed, span in zip(pages, spans):
        parsed._rows = _PageRows(block, span, parsed._result.derived_budget_year)
        parsed._result = None
    return pages


# Below this many pages a process pool costs more than it saves.
PARALLEL_MIN_PAGES = 50


def _default_workers() -> int:
    return min(os.cpu_count() or 1, 8)


@contextmanager
def parsing_pool(pages: int, workers: int | None = None) -> Iterator[Executor | None]:
    """Worker processes for `parse_many`, started once and reused by every batch of a run (each
    worker pays a second or two of imports); None when the pages are too few to pay for them."""
    workers = workers if workers is not None else _default_workers()
    if workers <= 1 or pages < PARALLEL_MIN_PAGES:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool


def parse_many(
    blobs: list[tuple[str, bytes | Unreadable]],
    manifest: dict[str, ManifestRow],
    workers: int | None = None,
    pool: Executor | None = None,
) -> list[ParsedPage]:
    """Parse many pages, on every core when there are enough of them to pay for the processes.

    Each page is parsed on its own (pure function of its bytes and manifest row), so the work
    splits over processes without shared state. Workers take consecutive chunks of pages and
    send each chunk's rows back column-wise (see ParsedPage); results come back in input order.
    Pass the `pool` of `parsing_pool` to reuse its workers across calls.
    """
    jobs = [(key, data, manifest.get(key)) for key, data in blobs]
    if pool is None:
        with parsing_pool(len(jobs), workers) as own_pool:
            if own_pool is None:
                return [_parse_one(job) for job in jobs]
            return parse_many(blobs, manifest, pool=own_pool)
    size = max(4, min(32, len(jobs) // (_default_workers() * 4)))
    chunks = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    parsed: list[ParsedPage] = []
    for pages in pool.map(_parse_chunk, chunks):
        parsed.extend(pages)
    return parsed


def _first_line(frames: dict[str, pd.DataFrame], table_id: str) -> object:
    tables = frames.get("dim_table")
    if tables is None or "first_line" not in tables.columns:
        return None
    lines = tables.loc[tables["table_id"] == table_id, "first_line"]
    return int(lines.iloc[0]) if len(lines) and pd.notna(lines.iloc[0]) else None
