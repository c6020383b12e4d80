"""The Dagster code location: `dagster dev -w workspace.yaml`, `dagster asset materialize -m pipeline.definitions`."""

from __future__ import annotations

import os

import dagster as dg

from pipeline.defs.assets import source_pages
from pipeline.defs.jobs import build_warehouse
from pipeline.defs.report import budget_report
from pipeline.defs.resources import paths_from_env
from pipeline.defs.sensors import sources_sensor
from pipeline.defs.warehouse import budget_warehouse


def executor_from_env() -> dg.ExecutorDefinition:
    """BUDGET_EXECUTOR: in_process (default), multiprocess, celery or k8s.

    The two steps share nothing in memory (the pages go through the staging database), so any
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
    return dg.Definitions(
        assets=[source_pages, budget_warehouse, budget_report],
        jobs=[build_warehouse],
        sensors=[sources_sensor],
        resources={"budget_paths": paths_from_env()},
        executor=executor_from_env(),
    )


defs = make_definitions()
