"""The pages asset: page files -> validated rows in staging (pipeline.store.load).

Not partitioned: a run covers every page whose fingerprint changed, so the events a run writes
do not grow with the number of pages. Loading one document again is a run with its file in
this asset's config (`pages`).
"""

import dagster as dg

from pipeline.defs.resources import BudgetPaths
from pipeline.store.load import load_pages

# One writer at a time: the staging database and the warehouse each allow a single writer.
POOL = "budget_warehouse"


class PagesConfig(dg.Config):
    pages: list[str] = []  # page files (paths under BUDGET_SOURCES_DIR) to parse again whatever their fingerprint


@dg.asset(group_name="staging", kinds={"python", "duckdb"}, pool=POOL)
def source_pages(context: dg.AssetExecutionContext, config: PagesConfig, budget_paths: BudgetPaths) -> dg.MaterializeResult:
    """The page files under BUDGET_SOURCES_DIR, parsed and validated into staging.

    Scans every page (its fingerprint: bytes, manifest row, parser code), parses and validates
    the pages whose fingerprint changed (and those named in the config), and writes their rows
    once, keyed by page; pages whose file is gone leave staging.
    """
    try:
        report = load_pages(budget_paths.sources, budget_paths.staging_connection, force=config.pages)
    except FileNotFoundError as error:
        raise dg.Failure(str(error)) from None
    if report.not_in_manifest:
        context.log.warning(
            f"{len(report.not_in_manifest)} page(s) not in manifest.csv; metadata derived from the text: {report.not_in_manifest[:5]}"
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": report.pages,
            "pages": report.pages,
            "bytes": report.bytes,
            "pages_parsed": report.parsed,
            "pages_unchanged": report.unchanged,
            "pages_removed": report.removed,
            "pages_not_in_manifest": len(report.not_in_manifest),
            "tables_by_kind": dg.MetadataValue.json(report.tables_by_kind),
            "tables_quarantined": report.quarantined_tables,
            "quarantined": dg.MetadataValue.json(report.quarantined),
            "documents_refused": dg.MetadataValue.json(report.refused_documents),
            "orphan_rows_removed": report.orphan_rows_removed,
            "sources_dir": dg.MetadataValue.path(str(budget_paths.sources)),
        }
    )
