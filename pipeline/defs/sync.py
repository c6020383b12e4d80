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
from pipeline.store import staging


@dataclass
class Plan:
    scanned: dict[str, str]  # page key -> fingerprint
    new_partitions: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)

    @property
    def work(self) -> set[str]:
        return set(self.changed) | set(self.gone)


def scan_sources(sources: Path, known: documents.KnownHashes | None = None) -> dict[str, str]:
    """Page key -> fingerprint of every page file."""
    return {page.key: page.fingerprint for page in scan_pages(sources, known)}


def scan_pages(sources: Path, known: documents.KnownHashes | None = None) -> list[documents.SourcePage]:
    """Every page file with its hash; files whose stat signature is in `known` are not read."""
    if not sources.is_dir():
        raise FileNotFoundError(f"BUDGET_SOURCES_DIR {sources} is not a folder")
    return documents.scan(sources, known=known)


def registered_fingerprints(staging_path: Path) -> dict[str, str]:
    """What staging last parsed, per page; empty when there is no staging database yet."""
    return _read_staging(staging_path, lambda con: dict(con.execute("SELECT source_file, validated_fingerprint FROM source_file").fetchall()), {})


def known_hashes(staging_path: Path) -> documents.KnownHashes:
    """The hashes the last scans recorded; empty when staging is missing or being written."""
    return _read_staging(staging_path, staging.known_hashes, {}, tolerate_lock=True)


def _read_staging(staging_path: Path, read, empty, *, tolerate_lock: bool = False):
    if not staging_path.exists():
        return empty
    try:
        con = duckdb.connect(str(staging_path), read_only=True)
    except duckdb.IOException:
        if tolerate_lock:
            return empty  # another process writes staging: hash every file instead
        raise
    try:
        return read(con)
    except duckdb.CatalogException:
        return empty  # no page staged yet
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
