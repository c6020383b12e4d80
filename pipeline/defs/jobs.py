"""Jobs."""

import dagster as dg

from pipeline.defs.partitions import pages_partitions
from pipeline.defs.resources import BudgetPaths

# Everything, in one run per set of pages: what `budget-warehouse build` and the sensor execute.
build_warehouse = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all(),
    partitions_def=pages_partitions,
    description="Scan the pages of the run, parse what changed, validate, and publish the warehouse.",
)


@dg.op(description="Register every page file under BUDGET_SOURCES_DIR as a partition of 'pages'.")
def register_pages(context: dg.OpExecutionContext, budget_paths: BudgetPaths) -> list[str]:
    from pipeline.defs.partitions import PAGES
    from pipeline.defs.sync import scan_sources

    keys = sorted(scan_sources(budget_paths.sources))
    existing = set(context.instance.get_dynamic_partitions(PAGES))
    new = [k for k in keys if k not in existing]
    if new:
        context.instance.add_dynamic_partitions(PAGES, new)
    context.log.info(f"{len(new)} new page partition(s); {len(keys)} page(s) in all")
    return keys


@dg.job(description="Register page files as partitions (for `dagster asset materialize --partition-range`).")
def register_page_partitions():
    register_pages()
