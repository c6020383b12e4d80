"""The Dagster code location: `dagster dev -w workspace.yaml`, `dagster asset materialize -m pipeline.definitions`."""

from __future__ import annotations

import dagster as dg

from pipeline.defs.assets import budget_warehouse, parsed_pages, source_pages, validated_budget
from pipeline.defs.checks import CHECKS
from pipeline.defs.jobs import build_warehouse, register_page_partitions
from pipeline.defs.resources import paths_from_env, staging_from_env
from pipeline.defs.sensors import sources_sensor


def make_definitions() -> dg.Definitions:
    paths = paths_from_env()
    return dg.Definitions(
        assets=[source_pages, parsed_pages, validated_budget, budget_warehouse],
        asset_checks=CHECKS,
        jobs=[build_warehouse, register_page_partitions],
        sensors=[sources_sensor],
        resources={"budget_paths": paths, "staging_db": staging_from_env(paths)},
        # The steps share one staging database and one pool slot: running them in one process
        # saves ~2 s of process start-up per step and changes nothing else.
        executor=dg.in_process_executor,
    )


defs = make_definitions()
