"""Scan, parse, validate and stage: the pages whose fingerprint changed go from file to
validated rows in staging, written once, keyed by page.

    scan     every page file, its SHA-256 (not read again while its stat signature holds) and
             its fingerprint (bytes, manifest row, parser code): the one change detector
    parse    the pages whose fingerprint differs from the one staged (and the pages asked for),
             on every core, in batches that keep memory flat; the workers parse the next batch
             while this process validates and stages the last
    validate each batch's frames with their pandera models (a table with an invalid row is
             quarantined whole, with its reason)
    stage    the validated rows replace the page's previous rows, in one transaction per batch

Files that are gone leave staging; a second version of an already-loaded page refuses both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb

from pipeline.core import build, documents
from pipeline.core.frames import to_frames, validate_frames
from pipeline.store import staging

# Pages parsed, validated and written per batch: bounds memory whatever the run's size (two
# batches are held at once; 200 keeps the build's process near 500 MB at 10,000 generated pages).
BATCH_PAGES = 200
# Quarantined tables and refusals listed in the report (the tables have them all).
REPORT_SAMPLE = 50

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


class SourcesChanged(RuntimeError):
    """A page file changed while it was being loaded."""


@dataclass
class LoadReport:
    pages: int = 0  # page files in the sources folder
    bytes: int = 0
    parsed: int = 0
    unchanged: int = 0
    removed: int = 0  # page files gone since the last run
    not_in_manifest: list[str] = field(default_factory=list)
    tables_by_kind: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, str] = field(default_factory=dict)  # table_id -> reason (a sample)
    quarantined_tables: int = 0
    refused_documents: dict[str, str] = field(default_factory=dict)
    orphan_rows_removed: int = 0


def load_pages(sources: Path, connect: Connect, *, force: Iterable[str] = ()) -> LoadReport:
    """Bring staging up to date with the page files under `sources`; `force`: page keys to
    parse again whatever their fingerprint (loading one document again)."""
    if not sources.is_dir():
        raise FileNotFoundError(f"BUDGET_SOURCES_DIR {sources} is not a folder")
    # One connection for the whole run, one transaction per batch: closing a connection
    # checkpoints the file (compression, fsync), which per batch cost ~1 CPU-s per 2,000 pages.
    # DuckDB still checkpoints on a commit whose log passed checkpoint_threshold (16 MB: every
    # other batch), which keeps the log, and the memory its rows hold, bounded.
    with connect() as con:
        return _load_pages(sources, con, force)


def _load_pages(sources: Path, con: duckdb.DuckDBPyConnection, force: Iterable[str]) -> LoadReport:
    staging.ensure_schema(con)
    registry = staging.registry(con)
    known_hashes = staging.known_hashes(con)
    manifest = documents.read_manifest(sources)
    pages = documents.scan(sources, manifest, known_hashes)
    # The manifest is scanned like a page when it has problems of its own (they are refused in
    # its name), but it is no page: the counts are of page files.
    page_files = [p for p in pages if p.key != documents.MANIFEST]
    report = LoadReport(pages=len(page_files), bytes=sum(p.size_bytes for p in page_files))
    report.not_in_manifest = [p.key for p in page_files if p.key not in manifest]
    staged = {r.source_file: r for r in registry.itertuples(index=False)}
    on_disk = {p.key for p in pages}
    gone = sorted(k for k in staged if k not in on_disk)
    changed = {p.key for p in pages if p.key not in staged or staged[p.key].fingerprint != p.fingerprint}
    changed |= set(force) & on_disk
    # A duplicate is looked at again whenever the page it repeats changes.
    changed |= {k for k, r in staged.items() if k in on_disk and r.duplicate_of in changed}
    todo = [p for p in pages if p.key in changed]
    parsed_files = sum(1 for p in todo if p.key != documents.MANIFEST)
    report.parsed, report.unchanged = parsed_files, len(page_files) - parsed_files
    report.removed = sum(1 for key in gone if key != documents.MANIFEST)
    known = {
        r.document_id: (r.source_file, r.sha256)
        for r in staged.values()
        if r.status == "loaded" and r.source_file not in changed and r.source_file in on_disk and r.document_id is not None
    }
    staging.remove_files(con, gone)
    # Unchanged files touched since their hash was made: remember their new signature.
    staging.record_signatures(con, {
        p.key: p.stat_signature for p in pages
        if p.key not in changed and p.stat_signature and known_hashes.get(p.key, ("",))[0] != p.stat_signature
    })
    batches = [todo[start : start + BATCH_PAGES] for start in range(0, len(todo), BATCH_PAGES)]
    # The workers parse the next batch while this process validates and writes the last one
    # (that work would otherwise leave the workers idle: ~10 s per 2,000 generated pages).
    with build.parsing_pool(len(todo)) as pool, ThreadPoolExecutor(1) as parsing:
        parse = partial(_parse_batch, sources=sources, manifest=manifest, pool=pool)
        upcoming = parsing.submit(parse, batches[0]) if batches else None
        for index, batch in enumerate(batches):
            parsed = upcoming.result()
            if index + 1 < len(batches):
                upcoming = parsing.submit(parse, batches[index + 1])
            _stage_batch(batch, parsed, staged, known, con, report)
    if report.refused_documents:
        staging.refuse_documents(con, report.refused_documents)
    report.orphan_rows_removed = staging.drop_orphans(con)
    return report


def _parse_batch(batch, *, sources, manifest, pool) -> list[build.ParsedPage]:
    blobs = [(page.key, documents.read_page(sources, page.key)) for page in batch]
    return build.parse_many(blobs, manifest, pool=pool)


def _stage_batch(batch, parsed, staged, known, con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    for page, result in zip(batch, parsed):
        if result.sha256 != page.sha256:
            raise SourcesChanged(f"{page.key} changed during the run; run again")
    report.refused_documents.update(build.deduplicate(parsed, known))
    outcome = validate_frames(to_frames(parsed))
    frames = outcome.frames
    signatures = {page.key: page.stat_signature or None for page in batch}
    frames["source_file"]["stat_signature"] = frames["source_file"]["source_file"].map(signatures)
    files = {page.key for page in batch}
    old_documents = {staged[f].document_id for f in files if f in staged and staged[f].document_id}
    staging.replace_pages(con, frames, files=files, document_ids=old_documents | {p.page.document_id for p in parsed})
    for p in parsed:
        if p.duplicate_of is None and p.rejected_reason is None:
            known[p.page.document_id] = (p.key, p.sha256)
    for kind, count in frames["dim_table"]["table_kind"].value_counts().items():
        report.tables_by_kind[kind] = report.tables_by_kind.get(kind, 0) + int(count)
    report.quarantined_tables += len(outcome.quarantined_tables)
    for table_id, reason in outcome.quarantined_tables.items():
        if len(report.quarantined) < REPORT_SAMPLE:
            report.quarantined[table_id] = reason
