"""Source pages on disk: the manifest, page discovery, identity resolution and de-duplication."""

from __future__ import annotations

import csv
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import tables as tables_module
from pipeline.core.metadata import (
    ManifestRow,
    PageIdentity,
    document_identity,
    heading_article,
    normalise_chapter,
    normalise_phase,
    parse_address,
    stable_id,
)

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ("file", "source_url", "chapter", "budget_year", "phase", "article")
PAGE_SUFFIXES = (".txt",)


class ManifestError(ValueError):
    pass


def read_manifest(sources_dir: Path) -> dict[str, ManifestRow]:
    """The manifest rows by file name; an absent manifest is an empty one."""
    path = sources_dir / MANIFEST
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("file",) if c not in (reader.fieldnames or [])]
        if missing:
            raise ManifestError(f"{path}: missing column(s) {missing}; expected {', '.join(MANIFEST_COLUMNS)}")
        rows: dict[str, ManifestRow] = {}
        for number, raw in enumerate(reader, start=2):
            name = (raw.get("file") or "").strip()
            if not name:
                continue
            year = (raw.get("budget_year") or "").strip()
            if year and not year.isdigit():
                raise ManifestError(f"{path}, line {number}: budget_year {year!r} is not a year")
            rows[name] = ManifestRow(
                file=name,
                source_url=(raw.get("source_url") or "").strip() or None,
                chapter=normalise_chapter((raw.get("chapter") or "").strip() or None),
                budget_year=int(year) if year else None,
                phase=normalise_phase((raw.get("phase") or "").strip() or None),
                article=(raw.get("article") or "").strip() or None,
            )
    return rows


def list_pages(sources_dir: Path) -> list[Path]:
    """Every page file under the sources folder, in a stable order."""
    return [sources_dir / key for key in sorted(_page_stats(sources_dir), key=_key_order)]


def page_key(sources_dir: Path, path: Path) -> str:
    return path.relative_to(sources_dir).as_posix()


def _key_order(key: str) -> tuple[str, ...]:
    return tuple(key.split("/"))  # the order of the paths, folder by folder


def _page_stats(sources_dir: Path) -> dict[str, str]:
    """Page key -> stat signature of every page file (os.scandir: a stat per file, no more)."""
    found: dict[str, str] = {}
    pending = [(str(sources_dir), "")]
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    pending.append((entry.path, prefix + entry.name + "/"))
                elif entry.is_file() and entry.name.endswith(PAGE_SUFFIXES) and not entry.name.startswith("."):
                    found[prefix + entry.name] = stat_signature(entry.stat())
    return found


def stat_signature(stat: os.stat_result) -> str:
    """Size, modification and change times and inode of a file. Any write to the file changes
    its ctime, which no tool can set back: while the signature holds, so does the content."""
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"


@dataclass(slots=True)
class SourcePage:
    key: str
    path: Path
    sha256: str
    size_bytes: int
    fingerprint: str
    stat_signature: str = ""


def fingerprint(sha256: str, manifest: ManifestRow | None) -> str:
    """What a page's parse depends on: its bytes, its manifest row and the parser's code."""
    from pipeline.core import PARSER_VERSION

    row = manifest or ManifestRow(file="")
    parts = [sha256, PARSER_VERSION, row.source_url, row.chapter, row.budget_year, row.phase, row.article]
    return stable_id(*parts, length=32)


# A hash made within this many nanoseconds of the file's last change is not reused (as "racy git").
RACY_NS = 2_000_000_000
# A known file: its stat signature when it was hashed, its size and its SHA-256.
KnownHashes = dict[str, tuple[str, int, str]]


def scan(sources_dir: Path, manifest: dict[str, ManifestRow] | None = None, known: KnownHashes | None = None) -> list[SourcePage]:
    """Every page file with its content hash and fingerprint.

    A file whose stat signature is the one in `known` is not read again (as git and rsync do):
    at 10,000 pages that saves reading and hashing half a gigabyte on every scan."""
    stats = _page_stats(sources_dir)
    return scan_files(sources_dir, sorted(stats, key=_key_order), manifest, known, stats)


def scan_files(
    sources_dir: Path,
    keys: list[str],
    manifest: dict[str, ManifestRow] | None = None,
    known: KnownHashes | None = None,
    stats: dict[str, str] | None = None,
) -> list[SourcePage]:
    """These page files with their content hash and fingerprint."""
    manifest = read_manifest(sources_dir) if manifest is None else manifest
    known = known or {}
    pages = []
    for key in keys:
        path = sources_dir / key
        signature = stats[key] if stats is not None and key in stats else stat_signature(path.stat())
        cached = known.get(key)
        if cached is not None and cached[0] == signature:
            size, sha = cached[1], cached[2]
        else:
            data = path.read_bytes()
            size, sha = len(data), hashlib.sha256(data).hexdigest()
            after = path.stat()
            if stat_signature(after) != signature or time.time_ns() - after.st_ctime_ns < RACY_NS:
                # Written to while read, or so recently that another write could still come
                # within the file system's timestamp resolution: read it again next time.
                signature = ""
        pages.append(SourcePage(key, path, sha, size, fingerprint(sha, manifest.get(key)), signature))
    return pages


def resolve_identity(
    key: str, text: str, manifest: ManifestRow | None, found: tuple[list, list] | None = None
) -> PageIdentity:
    """Manifest first, then the address, then the text; warnings for what stays empty.
    `found` is the result of `find_tables(text)` when the caller has it."""
    manifest = manifest or ManifestRow(file=key)
    address = parse_address(manifest.source_url)
    provenance: dict[str, str] = {}
    warnings: list[str] = []

    def pick(name: str, *candidates: tuple[str, object]) -> object:
        for origin, value in candidates:
            if value not in (None, ""):
                provenance[name] = origin
                return value
        return None

    chapter = pick("chapter", ("manifest", manifest.chapter), ("address", address.chapter))
    phase = pick("phase", ("manifest", manifest.phase), ("address", address.phase))
    year = pick("budget_year", ("manifest", manifest.budget_year), ("address", address.budget_year))
    lines = tables_module.normalise_text(text).split("\n")
    found_tables, _ = found if found is not None else tables_module.find_tables(text)
    first_table_line = found_tables[0].first_line if found_tables else None
    heading_code, heading_name = heading_article(lines, first_table_line)
    article = pick("article_code", ("manifest", manifest.article), ("text", heading_code))
    article_name = heading_name if heading_code and (article is None or str(article) == heading_code) else None
    if article_name:
        provenance["article_name"] = "text"
    if year is None:
        from pipeline.core.parse import derive_budget_year  # local: parse imports this module's peers

        derived = derive_budget_year(found_tables)
        if derived is not None:
            year = derived
            provenance["budget_year"] = "text"
    for name, value in (("chapter", chapter), ("budget_year", year), ("phase", phase), ("article_code", article)):
        if value is None:
            warnings.append(f"{name} not in the manifest, the address or the text; left empty")
    if article is not None and article_name is None:
        warnings.append("article_name not in the page heading; left empty")
    identity = document_identity(
        source_url=manifest.source_url, chapter=chapter, budget_year=year, phase=phase, article=article, file=key
    )
    return PageIdentity(
        file=key,
        source_url=manifest.source_url,
        chapter=chapter,
        budget_year=int(year) if year is not None else None,
        phase=phase,
        article_code=str(article) if article is not None else None,
        article_name=article_name,
        document_id=stable_id("document", identity),
        identity=identity,
        provenance=provenance,
        warnings=warnings,
    )
