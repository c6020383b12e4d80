"""Source pages on disk: the manifest, page discovery, identity resolution and de-duplication."""

from __future__ import annotations

import csv
import hashlib
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
    return sorted(
        p for p in sources_dir.rglob("*") if p.is_file() and p.suffix in PAGE_SUFFIXES and not p.name.startswith(".")
    )


def page_key(sources_dir: Path, path: Path) -> str:
    return path.relative_to(sources_dir).as_posix()


@dataclass(slots=True)
class SourcePage:
    key: str
    path: Path
    sha256: str
    size_bytes: int
    fingerprint: str


def fingerprint(sha256: str, manifest: ManifestRow | None) -> str:
    """What a page's parse depends on: its bytes, its manifest row and the parser's code."""
    from pipeline.core import PARSER_VERSION

    row = manifest or ManifestRow(file="")
    parts = [sha256, PARSER_VERSION, row.source_url, row.chapter, row.budget_year, row.phase, row.article]
    return stable_id(*parts, length=32)


def scan(sources_dir: Path, manifest: dict[str, ManifestRow] | None = None) -> list[SourcePage]:
    """Every page file with its content hash and fingerprint."""
    keys = [page_key(sources_dir, path) for path in list_pages(sources_dir)]
    return scan_files(sources_dir, keys, manifest)


def scan_files(sources_dir: Path, keys: list[str], manifest: dict[str, ManifestRow] | None = None) -> list[SourcePage]:
    """These page files with their content hash and fingerprint."""
    manifest = read_manifest(sources_dir) if manifest is None else manifest
    pages = []
    for key in keys:
        path = sources_dir / key
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        pages.append(SourcePage(key, path, sha, len(data), fingerprint(sha, manifest.get(key))))
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
