"""From page files to validated frames, without Dagster: the core the assets wire together.

  parse_source      bytes of one page -> ParsedPage (identity + parse result)
  parse_many        many pages, on every core (workers send their rows back column-wise)
  deduplicate       one page per document: the same page under two names or addresses loads once
  to_frames         parsed pages -> one DataFrame per warehouse table (unvalidated)
  validate_frames   pandera validation; a table with an invalid row is quarantined, never loaded

The last two (and FRAME_MODELS, PER_TABLE_FRAMES, ValidationOutcome) live in
`pipeline.core.frames`, with pandas and pandera, and are imported from there on first use: the
worker processes of `parse_many` only parse and pack rows, and never import numpy, pandas or
pandera (see `_packed_columns`).
"""

from __future__ import annotations

import gc
import hashlib
import operator
import os
from array import array
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from pipeline.core import tables as tables_module
from pipeline.core.documents import MANIFEST, Unreadable, fingerprint, resolve_identity
from pipeline.core.explanations import explain_page
from pipeline.core.metadata import ManifestRow, PageIdentity, stable_id
from pipeline.core.parse import AMOUNT_COLUMNS, CELL_COLUMNS, PageResult, parse_page

# The frames' half of this module (see above): names -> pipeline.core.frames, loaded when asked for.
_FRAME_NAMES = frozenset({"to_frames", "validate_frames", "ValidationOutcome", "FRAME_MODELS", "PER_TABLE_FRAMES"})


def __getattr__(name: str) -> object:
    if name in _FRAME_NAMES:
        from pipeline.core import frames

        return getattr(frames, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

    def part(self, attribute: str) -> list[dict]:
        """One list of the result (a PageResult attribute), without rebuilding the others."""
        if self._rows is not None:
            index = RESULT_INDEX[attribute]
            return self._rows.block.records(index, *self._rows.spans[index])
        return getattr(self._result, attribute)

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
                    warnings=parsed.part("warnings"),
                )
            if document_id in known:
                refused_known[document_id] = f"{known[document_id][0]}: {reason}"
        else:
            for parsed in group[1:]:
                parsed.duplicate_of = group[0].key
    return refused_known


def _parse_one(args: tuple[str, bytes | Unreadable, ManifestRow | None]) -> ParsedPage:
    return parse_source(*args)


def _parse_chunk(jobs: list[tuple[str, bytes | Unreadable, ManifestRow | None]]) -> list[ParsedPage]:
    """Parse consecutive pages in a worker; their rows travel back column-wise in one block."""
    # What a worker keeps from chunk to chunk (its modules, the parse's caches) leaves the cycle
    # collector's sight once the last chunk's garbage is gone: its collections then walk only this
    # chunk's objects, not all of those again and again (measured: 10-15% of a worker's time).
    gc.collect()
    gc.freeze()
    # The chunk's own objects are mostly freed by their reference counts: the collector stays off
    # until its rows are packed, rather than walking every page's young objects (and then the
    # records of the chunk, all alive until packed) pass after pass (callgrind: 2.5% of the parse).
    # In a worker it stays off after the chunk too (`_worker_without_collector`): the collection
    # at the start of the next chunk is the worker's only one. A call in the caller's own process
    # leaves the collector as it found it.
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        pages = [parse_source(*job) for job in jobs]
        block, spans = _Block.of([p.result for p in pages])
        for parsed, span in zip(pages, spans):
            parsed._rows = _PageRows(block, span, parsed._result.derived_budget_year)
            parsed._result = None
    finally:
        if collector_was_on:
            gc.enable()
    return pages


def _worker_without_collector() -> None:
    """A parse worker's start: its collector stays off, as `_parse_chunk` collects once per chunk.
    Re-enabled after each chunk, it walked the whole chunk's result while concurrent.futures
    pickled it for the build's process (py-spy: 19 of the workers' ~115 sample-s at 10,000 pages)."""
    gc.disable()


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
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_without_collector) as pool:
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


# Rows column-wise, for `pipeline.core.frames` to build each frame from its columns exactly as
# pandas builds it from the records, without going through one dict per row.

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
# The parts a PageResult keeps as row tuples (parse.RowsAsRecords): their rows' attribute and columns.
ROW_PARTS = {"cells": ("cell_rows", CELL_COLUMNS), "amounts": ("amount_rows", AMOUNT_COLUMNS)}
_MISSING = float("nan")  # what DataFrame.from_records puts where a record lacks a column


def _columns_of_records(records: list[dict], columns: tuple[str, ...]) -> list[list]:
    """One list of values per column, as DataFrame.from_records reads the records."""
    return [[record.get(column, _MISSING) for record in records] for column in columns]


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


def _packed_columns(records: list[dict], keys: tuple[str, ...]) -> list:
    """The columns of records that all have these keys, in a form cheap to send and exactly
    recoverable: a column of Python ints as an array of int64 ("q"), any other as a tuple of its
    values (`frames` decides whether a column of ints becomes int64 or, for a text column, objects).

    The records are taken apart by C loops (itemgetter, zip), without pandas or numpy: a worker
    that imported pandas for this spent 1.2 s starting, half of the core's time on 1,000 real
    pages; numpy was half of what remained of a pool's start (its first results after 0.5-0.65 s
    without it, 1.2-1.6 s with it, at load 4.7)."""
    if not keys:
        return []
    if len(keys) == 1:  # (an itemgetter of one key gives the value, not a tuple)
        columns = [tuple([record[keys[0]] for record in records])]
    else:
        columns = list(zip(*map(operator.itemgetter(*keys), records)))
    return _packed(columns)


def _packed(columns: list[tuple]) -> list:
    """The columns with each column of Python ints as an array of int64 (see _packed_columns)."""
    for index, values in enumerate(columns):
        # (The first value's type spares the scan of most other columns. A bool's type is not int:
        # flags stay objects, as in pandas.)
        if type(values[0]) is int and set(map(type, values)) == _INT_ONLY:
            try:
                columns[index] = array("q", values)
            except OverflowError:
                pass
    return columns


_INT_ONLY = {int}


def _unpack(piece):
    """The values of a packed piece (a list, a tuple or an object array): an int64 array as a
    list of Python ints."""
    return piece.tolist() if isinstance(piece, array) else piece


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
        for attribute, _name in RESULT_PARTS:
            rows_attribute, columns = ROW_PARTS.get(attribute, (attribute, None))
            records: list = []
            for index, result in enumerate(results):
                start = len(records)
                records.extend(getattr(result, rows_attribute))
                spans[index].append((start, len(records)))
            if columns is not None:  # rows of one shape: transposed at once
                parts.append((columns, _packed(list(zip(*records)))) if records else ((), []))
                continue
            keys = tuple(records[0]) if records else ()
            if all(map(keys.__eq__, map(tuple, records))):
                parts.append((keys, _packed_columns(records, keys)))
            else:
                parts.append((None, records))
        return cls(parts), [tuple(s) for s in spans]

    def columns(self, part: int, columns: tuple[str, ...], start: int, stop: int) -> list[list]:
        keys, data = self.parts[part]
        if keys is None:
            return _columns_of_records(data[start:stop], columns)
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


__all__ = ["ParsedPage", "parse_source", "parse_many", "parsing_pool", "deduplicate", "stable_id"]
