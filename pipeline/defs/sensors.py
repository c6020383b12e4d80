"""The sources sensor: new, changed and removed pages load without a manual step.

Every tick scans BUDGET_SOURCES_DIR and compares each page's fingerprint (bytes, manifest row,
parser code) with the cursor: new pages become partitions, and one run is requested over the
pages that changed (a run key per set of fingerprints, so a tick never requests the same work
twice). A page whose file is gone gets one last run, which removes its rows; its partition is
deleted on a later tick, once that run has succeeded.
"""

import hashlib
import json

import dagster as dg

from pipeline.defs.jobs import build_warehouse
from pipeline.defs.partitions import PAGES, contiguous_ranges, pages_partitions, range_tags
from pipeline.defs.resources import BudgetPaths
from pipeline.defs.sync import scan_pages

# Hashes of the files the last tick in this process read, by stat signature.
_HASHES_SEEN: dict[str, tuple[str, int, str]] = {}


@dg.sensor(
    job=build_warehouse,
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Loads pages added to, changed in or removed from BUDGET_SOURCES_DIR.",
)
def sources_sensor(context: dg.SensorEvaluationContext, budget_paths: BudgetPaths) -> dg.SensorResult | dg.SkipReason:
    try:
        pages = scan_pages(budget_paths.sources, _HASHES_SEEN)
    except FileNotFoundError as error:
        return dg.SkipReason(str(error))
    # Only a shortcut: a tick in a fresh process hashes every file again.
    _HASHES_SEEN.clear()
    _HASHES_SEEN.update({p.key: (p.stat_signature, p.size_bytes, p.sha256) for p in pages if p.stat_signature})
    scanned = {p.key: p.fingerprint for p in pages}
    state = json.loads(context.cursor) if context.cursor else {"pages": {}, "removing": {}}
    seen: dict[str, str] = state["pages"]
    removing: dict[str, str] = state["removing"]  # page key -> run key of its removal run
    existing = list(context.instance.get_dynamic_partitions(PAGES))
    # Pages whose removal run has succeeded: their partition can go.
    finished_removals = sorted(
        k for k, run_key in removing.items()
        if k not in scanned and _succeeded(context.instance, run_key)
    )
    gone = sorted(k for k in seen if k not in scanned)
    changed = sorted(k for k, fp in scanned.items() if seen.get(k) != fp)
    new = sorted(k for k in changed if k not in existing)
    requests = []
    partition_requests = []
    if new:
        partition_requests.append(pages_partitions.build_add_request(new))
    run_key = None
    if changed or gone:
        order = [k for k in existing if k not in finished_removals] + new
        ranges = contiguous_ranges(order, set(changed) | set(gone))
        first, last = ranges[0][0], ranges[-1][1]
        digest = hashlib.sha256(json.dumps([changed, gone, [scanned[k] for k in changed]]).encode()).hexdigest()[:16]
        run_key = f"pages-{digest}"
        requests.append(dg.RunRequest(run_key=run_key, tags=range_tags(first, last)))
    if finished_removals:
        partition_requests.append(pages_partitions.build_delete_request(finished_removals))
    if not requests and not partition_requests:
        if removing:
            return dg.SkipReason(f"{len(scanned)} page(s), none changed; waiting for the removal of {sorted(removing)}")
        return dg.SkipReason(f"{len(scanned)} page(s), none changed")
    context.log.info(f"{len(new)} new, {len(changed) - len(new)} changed, {len(gone)} removed page(s)")
    removing = {k: v for k, v in removing.items() if k not in finished_removals and k not in scanned}
    removing.update({k: run_key for k in gone})
    cursor = {"pages": scanned, "removing": removing}
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=partition_requests, cursor=json.dumps(cursor))


def _succeeded(instance: dg.DagsterInstance, run_key: str) -> bool:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/run_key": run_key}), limit=1)
    return bool(runs) and runs[0].status == dg.DagsterRunStatus.SUCCESS
