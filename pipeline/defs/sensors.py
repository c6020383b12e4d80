"""The sources sensor: new, changed and removed pages load without a manual step.

Every tick scans BUDGET_SOURCES_DIR and compares each page's fingerprint (bytes, manifest row,
parser code) with the cursor; when any page is new, changed or gone it requests one run of
`build_warehouse`, which loads exactly those pages (by the same fingerprints, in staging). The
run key is a digest of the fingerprints, so a tick never requests the same work twice.
"""

import hashlib
import json

import dagster as dg

from pipeline.core import documents
from pipeline.defs.jobs import build_warehouse
from pipeline.defs.resources import BudgetPaths

# Hashes of the files the last tick in this process read, by stat signature.
_HASHES_SEEN: documents.KnownHashes = {}


@dg.sensor(
    job=build_warehouse,
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Loads pages added to, changed in or removed from BUDGET_SOURCES_DIR.",
)
def sources_sensor(context: dg.SensorEvaluationContext, budget_paths: BudgetPaths) -> dg.RunRequest | dg.SkipReason:
    if not budget_paths.sources.is_dir():
        return dg.SkipReason(f"BUDGET_SOURCES_DIR {budget_paths.sources} is not a folder")
    pages = documents.scan(budget_paths.sources, known=_HASHES_SEEN)
    # Only a shortcut: a tick in a fresh process hashes every file again.
    _HASHES_SEEN.clear()
    _HASHES_SEEN.update({p.key: (p.stat_signature, p.size_bytes, p.sha256) for p in pages if p.stat_signature})
    scanned = {p.key: p.fingerprint for p in pages}
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(k for k, fp in scanned.items() if seen.get(k) != fp)
    gone = sorted(k for k in seen if k not in scanned)
    if not changed and not gone:
        return dg.SkipReason(f"{len(scanned)} page(s), none changed")
    context.log.info(f"{len(changed)} new or changed, {len(gone)} removed page(s)")
    context.update_cursor(json.dumps(scanned, sort_keys=True))
    digest = hashlib.sha256(json.dumps(scanned, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=f"pages-{digest}", tags={"budget/pages_changed": str(len(changed)), "budget/pages_removed": str(len(gone))})
