"""Assets: page files -> tables and cells -> budget lines and amounts -> validated -> warehouse.

Each asset keeps its result in the staging database (replacing the rows of the pages it
covers), so any step can run in its own process, on its own machine, or in a later run.
"""


from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipeline.core import build, documents
from pipeline.core.schemas import TABLE_MODELS, columns_of
from pipeline.defs.partitions import pages_partitions, single_run
from pipeline.defs.resources import BudgetPaths
from pipeline.store import staging
from pipeline.store.publish import publish

# One writer at a time: the staging database and the warehouse each allow a single writer.
POOL = "budget_warehouse"
# Pages parsed, validated and written per batch: bounds memory whatever the run's size.
BATCH_PAGES = 500


def _connect(db: DuckDBResource):
    if not db.database.startswith("md:"):  # MotherDuck needs no folder
        Path(db.database).parent.mkdir(parents=True, exist_ok=True)
    return db.get_connection()


def _preview(frame: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.head(rows).to_markdown(index=False) if len(frame) else "_(no rows)_")


def _schema(name: str) -> dg.TableSchema:
    from pipeline.core.schemas import column_descriptions

    return dg.TableSchema(
        columns=[
            dg.TableColumn(column, sql_type, description=description)
            for column, (sql_type, description, _nullable) in column_descriptions(TABLE_MODELS[name]).items()
        ]
    )


def _scope(context: dg.AssetExecutionContext) -> list[str]:
    """The page keys this run covers."""
    return sorted(context.partition_keys)


@dg.asset(
    group_name="extract",
    kinds={"python", "duckdb"},
    pool=POOL,
    partitions_def=pages_partitions,
    backfill_policy=single_run,
)
def source_pages(context: dg.AssetExecutionContext, budget_paths: BudgetPaths, staging_db: DuckDBResource) -> dg.MaterializeResult:
    """The page files under BUDGET_SOURCES_DIR and their content hashes.

    Records each page of the run with its SHA-256 and a fingerprint of what its parse depends
    on (bytes, manifest row, parser code). A page whose file is gone leaves every staging table.
    """
    sources = budget_paths.sources
    if not sources.is_dir():
        raise dg.Failure(f"BUDGET_SOURCES_DIR {sources} is not a folder")
    keys = _scope(context)
    manifest = documents.read_manifest(sources)
    present = documents.present(sources, keys, manifest)
    gone = [k for k in keys if k not in set(present)]
    with _connect(staging_db) as con:
        known = staging.known_hashes(con)
    pages = documents.scan_files(sources, present, manifest, known)
    scan = pd.DataFrame(
        [(p.key, p.sha256, p.size_bytes, p.fingerprint, p.stat_signature) for p in pages],
        columns=columns_of(TABLE_MODELS["source_scan"]),
    )
    with _connect(staging_db) as con:
        removed = staging.remove_files(con, gone)
        staging.replace_scan(con, scan, keys)
    unlisted = [p.key for p in pages if p.key not in manifest]
    if unlisted:
        context.log.warning(f"{len(unlisted)} page(s) not in manifest.csv; metadata derived from the text: {unlisted[:5]}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(scan),
            "pages": len(scan),
            "bytes": int(scan["size_bytes"].sum()) if len(scan) else 0,
            "pages_not_in_manifest": len(unlisted),
            "pages_removed": len(gone),
            "documents_removed": len(removed),
            "sources_dir": str(sources),
            "dagster/column_schema": _schema("source_scan"),
            "preview": _preview(scan),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "page_tables",
            deps=["source_pages"],
            group_name="parse",
            kinds={"python", "duckdb"},
            description=(
                "The tables on each page, as cells with row, column and source-line lineage "
                "(dim_table, table_cell, table_column_identity)."
            ),
        ),
        dg.AssetSpec(
            "budget_lines",
            deps=["page_tables"],
            group_name="parse",
            kinds={"python", "duckdb"},
            description=(
                "Budget lines and amounts with their hierarchy inferred (sums, codes, the instrument "
                "list and row order), flexibility shares, rejections and warnings; not yet validated."
            ),
        ),
    ],
    pool=POOL,
    # Unpartitioned: it parses every staged page whose fingerprint changed, whichever run staged it.
    backfill_policy=single_run,
)
def parsed_pages(context: dg.AssetExecutionContext, budget_paths: BudgetPaths, staging_db: DuckDBResource):
    """Parse the pages whose fingerprint changed since their last parse (all of them the first time).

    One pass over each page finds its tables and reads their cells, rows and hierarchy: the sums
    that place a ragged row's values are the same sums that infer the tree, so they are one step.
    """
    sources = budget_paths.sources
    manifest = documents.read_manifest(sources)
    with _connect(staging_db) as con:
        staging.ensure_schema(con)
        registry = staging.registry(con)
        scan = staging.scanned_pages(con)
    previous = registry.set_index("source_file") if len(registry) else pd.DataFrame()
    changed = {
        row.source_file for row in scan.itertuples(index=False)
        if row.source_file not in previous.index or previous.loc[row.source_file, "fingerprint"] != row.fingerprint
    }
    # A duplicate is looked at again whenever the page it repeats changes.
    changed |= {
        row.source_file for row in scan.itertuples(index=False)
        if row.source_file in previous.index and previous.loc[row.source_file, "duplicate_of"] in changed
    }
    todo = [row for row in scan.itertuples(index=False) if row.source_file in changed]
    known = {
        r.document_id: (r.source_file, r.sha256)
        for r in registry.itertuples(index=False)
        if r.status == "loaded" and r.source_file not in changed and r.document_id is not None
    }
    totals: dict[str, int] = {}
    kinds: dict[str, int] = {}
    samples: dict[str, pd.DataFrame] = {}
    refused: dict[str, str] = {}
    # Batches of pages keep memory flat however many pages the run covers; the parsing
    # processes start once and serve every batch.
    with build.parsing_pool(len(todo)) as pool:
        for start in range(0, len(todo), BATCH_PAGES):
            batch = todo[start : start + BATCH_PAGES]
            blobs = [(row.source_file, documents.read_page(sources, row.source_file)) for row in batch]
            parsed = build.parse_many(blobs, manifest, pool=pool)
            for row, page in zip(batch, parsed):
                if page.sha256 != row.sha256:
                    raise dg.Failure(f"{row.source_file} changed during the run; run again")
            refused.update(build.deduplicate(parsed, known))
            frames = build.to_frames(parsed)
            files = {row.source_file for row in batch}
            old_documents = {previous.loc[f, "document_id"] for f in files if f in previous.index and previous.loc[f, "document_id"]}
            scope = sorted(old_documents | {p.page.document_id for p in parsed})
            with _connect(staging_db) as con:
                page_frames = {k: v for k, v in frames.items() if k in staging.PAGE_TABLES}
                staging.replace_pages(con, page_frames, files=files, document_ids=scope, prefix=staging.PARSED_PREFIX)
                staging.replace_pages(con, {"source_file": frames["source_file"]}, files=files, document_ids=[])
            for p in parsed:
                if p.duplicate_of is None and p.rejected_reason is None:
                    known[p.page.document_id] = (p.key, p.sha256)
            for name, frame in frames.items():
                totals[name] = totals.get(name, 0) + len(frame)
            for kind, count in frames["dim_table"]["table_kind"].value_counts().items():
                kinds[kind] = kinds.get(kind, 0) + int(count)
            totals["rejected_tables"] = totals.get("rejected_tables", 0) + int((frames["dim_table"]["status"] == "rejected").sum())
            _keep_sample(samples, "tables", frames["dim_table"][["table_id", "table_kind", "text_shape", "caption", "status"]])
            _keep_sample(samples, "rejections", frames["load_rejections"][["source_file", "source_line", "reason"]], rows=50)
            _keep_sample(samples, "amounts", frames["fact_budget_amount"])
            del parsed, frames
    if refused:
        # A second version of an already-loaded page turned up: neither is loaded.
        with _connect(staging_db) as con:
            staging.refuse_documents(con, refused)
    yield dg.MaterializeResult(
        asset_key="page_tables",
        metadata={
            "pages_parsed": len(todo),
            "pages_unchanged": len(scan) - len(todo),
            "tables": totals.get("dim_table", 0),
            "cells": totals.get("table_cell", 0),
            "tables_by_kind": dg.MetadataValue.json(kinds),
            "dagster/row_count": totals.get("table_cell", 0),
            "dagster/column_schema": _schema("table_cell"),
            "preview": _preview(samples.get("tables", pd.DataFrame())),
        },
    )
    yield dg.MaterializeResult(
        asset_key="budget_lines",
        metadata={
            "lines": totals.get("stg_budget_line", 0),
            "amounts": totals.get("fact_budget_amount", 0),
            "flexibility_shares": totals.get("fact_budget_flexibility", 0),
            "rejected_tables": totals.get("rejected_tables", 0),
            "rejections": _preview(samples.get("rejections", pd.DataFrame()), rows=50),
            "dagster/row_count": totals.get("fact_budget_amount", 0),
            "dagster/column_schema": _schema("fact_budget_amount"),
            "preview": _preview(samples.get("amounts", pd.DataFrame())),
        },
    )


def _keep_sample(samples: dict[str, pd.DataFrame], name: str, frame: pd.DataFrame, rows: int = 10) -> None:
    """The first rows seen of a frame, for the materialization's preview."""
    have = samples.get(name)
    if have is None or len(have) < rows:
        samples[name] = pd.concat([have, frame.head(rows)], ignore_index=True).head(rows) if have is not None else frame.head(rows)


@dg.asset(
    deps=["budget_lines"],
    group_name="validate",
    kinds={"pandas", "duckdb"},
    pool=POOL,
    backfill_policy=single_run,
)
def validated_budget(context: dg.AssetExecutionContext, staging_db: DuckDBResource) -> dg.MaterializeResult:
    """The parsed frames checked against their pandera models.

    A table with any row that fails its model is quarantined whole (into load_rejections, with
    the failing check and line); everything else moves to the validated staging tables.
    """
    with _connect(staging_db) as con:
        staging.ensure_schema(con)
        pending = con.execute(
            "SELECT source_file, document_id FROM source_file WHERE validated_fingerprint IS DISTINCT FROM fingerprint ORDER BY source_file"
        ).df()
    validated = quarantined = 0
    quarantine: dict[str, str] = {}
    for start in range(0, len(pending), BATCH_PAGES):
        batch = pending.iloc[start : start + BATCH_PAGES]
        files = list(batch["source_file"])
        docs = [d for d in batch["document_id"] if d]
        with _connect(staging_db) as con:
            frames = staging.read_parsed(con, docs, files)
        outcome = build.validate_frames(frames)
        with _connect(staging_db) as con:
            staging.replace_pages(con, outcome.frames, files=files, document_ids=docs)
            con.execute(
                "UPDATE source_file SET validated_fingerprint = fingerprint WHERE source_file IN (SELECT unnest(?::VARCHAR[]))",
                [files],
            )
        validated += len(outcome.frames["fact_budget_amount"])
        quarantined += len(outcome.quarantined_tables)
        quarantine.update(list(outcome.quarantined_tables.items())[: max(0, 50 - len(quarantine))])
    with _connect(staging_db) as con:
        orphans = staging.drop_orphans(con)
    return dg.MaterializeResult(
        metadata={
            "pages_validated": len(pending),
            "amounts_validated": validated,
            "tables_quarantined": quarantined,
            "quarantined": dg.MetadataValue.json(quarantine),
            "orphan_rows_removed": orphans,
            "dagster/row_count": validated,
        }
    )


@dg.asset(
    deps=["validated_budget"],
    group_name="warehouse",
    kinds={"duckdb"},
    pool=POOL,
    # Unpartitioned (it publishes every page), but one run per range of pages with the rest.
    backfill_policy=single_run,
)
def budget_warehouse(context: dg.AssetExecutionContext, budget_paths: BudgetPaths, staging_db: DuckDBResource) -> dg.MaterializeResult:
    """The served warehouse at BUDGET_WAREHOUSE_PATH: star schema, views and comments.

    Built as a new file from the validated staging tables, checkpointed, then renamed over the
    served file: readers never block it and never see it half-loaded.
    """
    publication = publish(Path(staging_db.database), budget_paths.warehouse)
    import duckdb

    con = duckdb.connect(str(budget_paths.warehouse), read_only=True)
    try:
        rejections = con.execute(
            "SELECT source_file, table_caption, source_line, reason FROM load_rejections ORDER BY source_file, source_line"
        ).df()
        sample = con.execute("SELECT * FROM v_budget_amount LIMIT 10").df()
    finally:
        con.close()
    counts = publication.row_counts
    return dg.MaterializeResult(
        metadata={
            "warehouse": dg.MetadataValue.path(str(publication.path)),
            "publish_seconds": round(publication.seconds, 3),
            "documents": counts["dim_document"],
            "tables": counts["dim_table"],
            "budget_lines": counts["dim_budget_line"],
            "amounts": counts["fact_budget_amount"],
            "flexibility_shares": counts["fact_budget_flexibility"],
            "rejected": counts["load_rejections"],
            "rejections": _preview(rejections, rows=50),
            "dagster/row_count": counts["fact_budget_amount"],
            "dagster/column_schema": _schema("fact_budget_amount"),
            "preview": _preview(sample),
        }
    )
