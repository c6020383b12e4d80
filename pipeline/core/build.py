"""From page files to validated frames, without Dagster: the core the assets wire together.

  parse_source      bytes of one page -> ParsedPage (identity + parse result)
  deduplicate       one page per document: the same page under two names or addresses loads once
  to_frames         parsed pages -> one DataFrame per warehouse table (unvalidated)
  validate_frames   pandera validation; a table with an invalid row is quarantined, never loaded
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd
import pandera.errors

from pipeline.core import tables as tables_module
from pipeline.core.documents import fingerprint, resolve_identity
from pipeline.core.fdp import FDP_PHASE_BY_KIND
from pipeline.core.metadata import ManifestRow, PageIdentity, stable_id
from pipeline.core.parse import REJECTED, PageResult, parse_page
from pipeline.core.schemas import (
    DimDocument,
    DimTable,
    FactBudgetAmount,
    FactBudgetFlexibility,
    LoadRejection,
    LoadWarning,
    SourceFile,
    StagedBudgetLine,
    TableCell,
    TableColumnIdentity,
    columns_of,
)

# Frames produced per batch of pages, and the model that validates each.
FRAME_MODELS = {
    "dim_document": DimDocument,
    "dim_table": DimTable,
    "table_cell": TableCell,
    "stg_budget_line": StagedBudgetLine,
    "fact_budget_amount": FactBudgetAmount,
    "fact_budget_flexibility": FactBudgetFlexibility,
    "table_column_identity": TableColumnIdentity,
    "load_rejections": LoadRejection,
    "load_warnings": LoadWarning,
    "source_file": SourceFile,
}
# Frames whose rows belong to one table (quarantined together when one row is invalid).
PER_TABLE_FRAMES = ("stg_budget_line", "fact_budget_amount", "fact_budget_flexibility", "table_column_identity")


@dataclass(slots=True)
class ParsedPage:
    key: str
    sha256: str
    page: PageIdentity
    result: PageResult
    size_bytes: int = 0
    fingerprint: str = ""
    duplicate_of: str | None = None
    rejected_reason: str | None = None


def parse_source(key: str, data: bytes, manifest: ManifestRow | None) -> ParsedPage:
    """Identify and parse one page. Undecodable text rejects the whole page, out loud."""
    parsed = _parse_source(key, data, manifest)
    parsed.fingerprint = fingerprint(parsed.sha256, manifest)
    return parsed


def _parse_source(key: str, data: bytes, manifest: ManifestRow | None) -> ParsedPage:
    sha = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        page = resolve_identity(key, "", manifest)
        result = PageResult()
        reason = f"{key}: not UTF-8 text (byte {error.start}); the page was not read"
        result.rejections.append(_page_rejection(page, reason, stage="identify"))
        return ParsedPage(key, sha, page, result, len(data), rejected_reason=reason)
    found = tables_module.find_tables(text)
    page = resolve_identity(key, text, manifest, found)
    result = parse_page(text, page, found)
    for message in page.warnings:
        field_name = message.split(" ", 1)[0]
        result.warnings.insert(0, {"document_id": page.document_id, "source_file": key, "field": field_name, "message": message})
    return ParsedPage(key, sha, page, result, len(data))


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
                parsed.rejected_reason = f"{parsed.key}: {reason}"
            if document_id in known:
                refused_known[document_id] = f"{known[document_id][0]}: {reason}"
        else:
            for parsed in group[1:]:
                parsed.duplicate_of = group[0].key
    return refused_known


def to_frames(pages: list[ParsedPage], loaded_at: datetime | None = None) -> dict[str, pd.DataFrame]:
    """One frame per warehouse table for a batch of parsed pages (duplicates left out, with a warning)."""
    loaded_at = loaded_at or datetime.now(timezone.utc)
    rows: dict[str, list[dict]] = {name: [] for name in FRAME_MODELS}
    for parsed in pages:
        page = parsed.page
        rows["source_file"].append(
            {
                "source_file": parsed.key,
                "sha256": parsed.sha256,
                "size_bytes": parsed.size_bytes,
                "fingerprint": parsed.fingerprint,
                "document_id": page.document_id,
                "status": "duplicate" if parsed.duplicate_of else "rejected" if parsed.rejected_reason else "loaded",
                "duplicate_of": parsed.duplicate_of,
                "validated_fingerprint": None,
            }
        )
        if parsed.duplicate_of is not None:
            rows["load_warnings"].append(
                {"document_id": page.document_id, "source_file": parsed.key, "field": "duplicate",
                 "message": f"{parsed.key} repeats {parsed.duplicate_of} (same page); loaded once, from {parsed.duplicate_of}"}
            )
            continue
        if parsed.rejected_reason is not None and not parsed.result.rejections:
            rows["load_rejections"].append(_page_rejection(page, parsed.rejected_reason, stage="identify"))
            continue
        if parsed.rejected_reason is not None:
            rows["load_rejections"].extend(parsed.result.rejections)
            continue
        result = parsed.result
        rows["dim_document"].append(
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
        )
        rows["dim_table"].extend(result.tables)
        rows["table_cell"].extend(result.cells)
        rows["stg_budget_line"].extend(result.lines)
        rows["fact_budget_amount"].extend(result.amounts)
        rows["fact_budget_flexibility"].extend(result.flexibility)
        rows["table_column_identity"].extend(result.identities)
        rows["load_rejections"].extend(result.rejections)
        rows["load_warnings"].extend(result.warnings)
    frames = {name: _frame(rows[name], FRAME_MODELS[name]) for name in FRAME_MODELS}
    amounts = frames["fact_budget_amount"]
    # The budget phase is the column's, not the document's (pipeline.core.fdp).
    phases = amounts["column_kind"].map(FDP_PHASE_BY_KIND).astype(object)
    amounts["fdp_phase"] = phases.where(phases.notna(), None)
    return frames


def _frame(records: list[dict], model) -> pd.DataFrame:
    columns = columns_of(model)
    frame = pd.DataFrame.from_records(records, columns=columns) if records else pd.DataFrame({c: [] for c in columns})
    return frame


@dataclass(slots=True)
class ValidationOutcome:
    frames: dict[str, pd.DataFrame]
    quarantined_tables: dict[str, str] = field(default_factory=dict)  # table_id -> reason


def validate_frames(frames: dict[str, pd.DataFrame]) -> ValidationOutcome:
    """Validate every frame with its pandera model. Rows that fail take their whole table out of
    the facts (quarantined with the failing check and line); the rest loads."""
    frames = dict(frames)
    quarantined: dict[str, str] = {}
    for name in PER_TABLE_FRAMES:
        if name not in frames:
            continue
        model = FRAME_MODELS[name]
        try:
            frames[name] = model.validate(frames[name], lazy=True)
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
                quarantined[table_id] = (
                    f"line {row['source_line']}: {name}.{case['column'] or 'row'} fails {case['check']} "
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
        frames[name] = FRAME_MODELS[name].validate(frames[name], lazy=True)
    return ValidationOutcome(frames, quarantined)


def document_ids(frames: dict[str, pd.DataFrame]) -> list[str]:
    return sorted(set(frames["dim_document"]["document_id"]))


__all__ = ["ParsedPage", "parse_source", "deduplicate", "to_frames", "validate_frames", "stable_id"]


def _parse_one(args: tuple[str, bytes, ManifestRow | None]) -> ParsedPage:
    return parse_source(*args)


def parse_many(blobs: list[tuple[str, bytes]], manifest: dict[str, ManifestRow], workers: int | None = None) -> list[ParsedPage]:
    """Parse many pages, on every core when there are enough of them to pay for the processes.

    Each page is parsed on its own (pure function of its bytes and manifest row), so the work
    splits over processes without shared state; results come back in input order.
    """
    jobs = [(key, data, manifest.get(key)) for key, data in blobs]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(jobs) < 50:
        return [_parse_one(job) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_parse_one, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
