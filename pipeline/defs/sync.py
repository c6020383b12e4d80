"""Which pages a run must cover: the page files on disk against what staging last parsed.

Shared by `budget-warehouse build` and the sources sensor. A page needs work when it is new,
when its fingerprint (bytes, manifest row, parser code) changed, or when its file is gone.
"""

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from pipeline.core import documents
from pipeline.defs.partitions import PAGES


@dataclass
class Plan:
    scanned: dict[str, str]  # page key -> fingerprint
    new_partitions: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)

    @property
    def work(self) -> set[str]:
        return set(self.changed) | set(self.gone)


def scan_sources(sources: Path) -> dict[str, str]:
    if not sources.is_dir():
        raise FileNotFoundError(f"BUDGET_SOURCES_DIR {sources} is not a folder")
    return {page.key: page.fingerprint for page in documents.scan(sources)}


def registered_fingerprints(staging_path: Path) -> dict[str, str]:
    """What staging last parsed, per page; empty when there is no staging database yet."""
    if not staging_path.exists():
        return {}
    con = duckdb.connect(str(staging_path), read_only=True)
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'source_file'"
        ).fetchone()[0]
        if not exists:
            return {}
        return dict(con.execute("SELECT source_file, validated_fingerprint FROM source_file").fetchall())
    finally:
        con.close()


def plan(instance: dg.DagsterInstance, scanned: dict[str, str], registered: dict[str, str]) -> Plan:
    """Register new pages as partitions and list the pages a run must cover."""
    existing = set(instance.get_dynamic_partitions(PAGES))
    gone = sorted((existing | set(registered)) - set(scanned))
    # A gone page still needs a partition for one last run that removes its rows.
    new = sorted((set(scanned) | set(gone)) - existing)
    if new:
        instance.add_dynamic_partitions(PAGES, new)
    changed = sorted(k for k, fp in scanned.items() if registered.get(k) != fp)
    return Plan(scanned=scanned, new_partitions=new, changed=changed, gone=gone)
