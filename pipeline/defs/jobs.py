"""Jobs."""

from __future__ import annotations

import dagster as dg

# Everything, in one run: what `budget-warehouse build` executes.
build_warehouse = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Scan BUDGET_SOURCES_DIR, parse what changed, validate, and publish the warehouse.",
)
