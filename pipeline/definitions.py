"""The Dagster code location: `dagster dev -w workspace.yaml`, `dagster asset materialize -m pipeline.definitions`."""

from __future__ import annotations

import os

import dagster as dg

from pipeline.defs.assets import budget_warehouse, parsed_pages, source_pages, validated_budget
from pipeline.defs.checks import CHECKS
from pipeline.defs.jobs import build_warehouse, register_page_partitions
from pipeline.defs.report import budget_report
from pipeline.defs.resources import paths_from_env, staging_from_env
from pipeline.defs.sensors import sources_sensor


def executor_from_env() -> dg.ExecutorDefinition:
    """BUDGET_EXECUTOR: in_process (default), multiprocess, celery or k8s.

    The steps share nothing in memory (each reads and writes the staging database), so any
    executor runs them; in one process saves ~2 s of start-up per step.
    """
    name = os.environ.get("BUDGET_EXECUTOR", "in_process")
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "celery":
        from dagster_celery import celery_executor  # pip install dagster-celery

        return celery_executor
    if name == "k8s":
        from dagster_k8s import k8s_job_executor  # pip install dagster-k8s

        return k8s_job_executor
    raise ValueError(f"BUDGET_EXECUTOR={name!r}: expected in_process, multiprocess, celery or k8s")


def make_definitions() -> dg.Definitions:
    paths = paths_from_env()
    return dg.Definitions(
        assets=[source_pages, parsed_pages, validated_budget, budget_warehouse, budget_report],
        asset_checks=CHECKS,
        jobs=[build_warehouse, register_page_partitions],
        sensors=[sources_sensor],
        resources={"budget_paths": paths, "staging_db": staging_from_env(paths)},
        executor=executor_from_env(),
    )


defs = make_definitions()
