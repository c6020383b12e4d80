"""Release what a killed run still holds in the Dagster instance.

A run killed without warning (SIGKILL, out of memory, a power cut) stays STARTED in the instance
and keeps its slot of the `budget_warehouse` pool (limit one): with a persistent DAGSTER_HOME,
every later run then waits for that slot forever. The data are safe either way (staging writes
are transactions; publication swaps a complete file), only the slot is stuck.

`release_dead_runs(instance)` marks such runs failed and frees their slots. A run counts as dead
when the process that executed its steps (the pid of its first engine event) no longer exists
on this machine (so: for instances whose runs execute here, like `budget-warehouse build`'s
in-process runs). Call it before starting a run, as
`budget-warehouse build` does, or by hand:

    DAGSTER_HOME=... python -m pipeline.defs.recovery
"""

from __future__ import annotations

import os
import socket

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter

_ACTIVE = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def _executing_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=1).records
    if not records or records[0].event_log_entry.dagster_event is None:
        return None
    return records[0].event_log_entry.dagster_event.pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark runs whose process is gone as failed and free their pool slots; their ids."""
    released = []
    host = socket.gethostname()
    for run in instance.get_runs(filters=RunsFilter(statuses=_ACTIVE)):
        pid = _executing_pid(instance, run.run_id)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        instance.report_run_failed(run, message=f"the process of this run (pid {pid} on {host}) is gone; marked failed and its pool slots freed")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


if __name__ == "__main__":
    with dg.DagsterInstance.get() as current:
        for run_id in release_dead_runs(current):
            print(f"released run {run_id}")
