"""Jobs."""

import dagster as dg

# Everything, in one run: scan and stage the changed pages, build, prove and serve the
# warehouse. What `budget-warehouse build` and the sources sensor execute.
build_warehouse = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Parse and validate the pages that changed, then build, check and serve the warehouse.",
)
