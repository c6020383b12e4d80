"""Source pages on disk: the manifest, page discovery, identity resolution and de-duplication."""

from __future__ import annotations

import csv
import difflib
import errno
import hashlib
import io
import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import tables as tables_module
from pipeline.core.metadata import (
    PHASES,
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
_YEAR = re.compile(r"(?:19|20)\d{2}")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_NOT_TEXT = re.compile("[\x00\udc80-\udcff]")
_ESCAPED_BYTE = re.compile(r"\\x([89a-f][0-9a-f])")


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A listed file whose bytes cannot be read, and why (the reason names the file)."""

    reason: str

    @property
    def sha256(self) -> str:
        """Stands in for the content hash: stable while the cause holds, distinct per file and cause."""
        return hashlib.sha256(f"unreadable\x1f{self.reason}".encode("utf-8", "backslashreplace")).hexdigest()


class NotAFile(OSError):
    """The path is a FIFO, a socket, a device or a folder: nothing to read as a page."""


_FILE_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
}


def read_page(sources_dir: Path, key: str) -> bytes | Unreadable:
    """The bytes of a listed file, or why they cannot be read: a broken or looping link, a FIFO,
    a file the system refuses to read. Never raises, never blocks."""
    path, misnamed = _entry_path(sources_dir, key)
    if key.endswith("/"):
        cause = _unlistable(path)
        if cause is None:
            return Unreadable(f"{key}: the folder can be listed again; the next build reads the pages in it")
        return Unreadable(f"{key}: the folder cannot be listed: {cause}; the pages in it were not read")
    if misnamed:
        return Unreadable(f"{key}: cannot be read: the file name is not UTF-8 text (shown here with \\x escapes); rename the file to load it")
    try:
        return _read_file(path)
    except OSError as error:
        return Unreadable(f"{key}: cannot be read: {_cause(path, error)}")


def _key_name(name: str) -> str:
    """A file name as a page key. Bytes that are not UTF-8 (which os.scandir gives as surrogates,
    and no database or run tag can store) are written as \\xNN."""
    return _NOT_UTF8.sub(lambda match: f"\\x{ord(match[0]) - 0xDC00:02x}", name)


def _entry_path(sources_dir: Path, key: str) -> tuple[Path, bool]:
    """The path a page key stands for, and whether its name is not UTF-8 (see `_key_name`)."""
    path = sources_dir / key
    if "\\x" in key and not os.path.lexists(path):
        raw = sources_dir / _ESCAPED_BYTE.sub(lambda match: chr(0xDC00 + int(match[1], 16)), key)
        if os.path.lexists(raw):
            return raw, True
    return path, False


def _read_file(path: Path) -> bytes:
    """The bytes of a regular file. Anything else (a FIFO, a device) is refused by its type before
    it is opened, and again once open (it may have been swapped in between): opened without
    waiting (O_NONBLOCK) and never as a terminal (O_NOCTTY), nothing can hang the build."""
    _only_files(os.stat(path).st_mode)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        _only_files(os.fstat(descriptor).st_mode)
        chunks = []
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _only_files(mode: int) -> None:
    kind = stat.S_IFMT(mode)
    if kind != stat.S_IFREG:
        raise NotAFile(f"it is {_FILE_KINDS.get(kind, 'a special file')}, not a file")


def _cause(path: Path, error: OSError) -> str:
    """What went wrong, in words, whatever the error names (an `[Errno 5]` names no file)."""
    if isinstance(error, NotAFile):
        return str(error)
    code = f"[Errno {error.errno}] {error.strerror}" if error.errno is not None else str(error) or type(error).__name__
    if error.errno == errno.ELOOP:
        return f"a symbolic link that loops ({code})"
    if error.errno == errno.ENOENT and os.path.islink(path):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"a symbolic link to {target!r}, which does not exist ({code})"
    return code


def read_manifest(sources_dir: Path) -> dict[str, ManifestRow]:
    """The manifest rows by file name; an absent manifest is an empty one.

    Nothing in it stops a build or is passed over in silence. A wrong value is left out (the page's
    address and text decide) with a warning on its page; two rows for one file that disagree are
    both left out. What concerns no page (the header, a row naming no page file, a manifest that
    cannot be read) is the row of MANIFEST itself, which `scan` lists as a page and the parse
    refuses, with one rejection per problem."""
    if not os.path.lexists(sources_dir / MANIFEST):
        return {}
    data = read_page(sources_dir, MANIFEST)
    if isinstance(data, Unreadable):
        return {MANIFEST: ManifestRow(MANIFEST, problems=(("manifest", f"{data.reason}; no row of it is used"),))}
    folder = str(sources_dir)
    return parse_manifest(data, lambda name: _names_a_page(folder, name))


def parse_manifest(data: bytes, is_page: Callable[[str], bool]) -> dict[str, ManifestRow]:
    """The rows of a manifest's bytes by file name (see `read_manifest`); `is_page(name)` says
    whether a page file of that name exists."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Bytes that are not UTF-8 stay as surrogates: the values holding them are left out below.
        text = data.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if not header:
        return {}
    if "file" not in header:
        message = (
            f"{MANIFEST} line 1: no 'file' column (the header is {_shown(','.join(header))}); "
            f"no row can name its page, so none is used (columns: {', '.join(MANIFEST_COLUMNS)})"
        )
        return {MANIFEST: ManifestRow(MANIFEST, problems=(("manifest", message),))}
    own: list[str] = []  # problems of the manifest itself
    position: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in position:
            own.append(f"{MANIFEST} line 1: column {_shown(name)} appears twice; the second is not used")
        elif name in MANIFEST_COLUMNS:
            position[name] = index
        elif name:
            own.append(f"{MANIFEST} line 1: column {_shown(name)} is not a manifest column{_suggestion(name)}; its values are not used")
    listed: dict[str, list[tuple[int, ManifestRow]]] = {}
    end = 1
    for cells in reader:
        line, end = end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        where = f"{MANIFEST} line {line}"
        values = {name: cells[index].strip() if index < len(cells) else "" for name, index in position.items()}
        name = values["file"]
        problem = _not_text(name)
        if not name or problem:
            own.append(f"{where}: {'no file name' if not name else f'file name {_shown(name)} {problem}'}; the row is not used")
        elif not is_page(name):
            own.append(f"{where}: file {_shown(name)} is not a page file in the sources folder; the row is not used")
        elif any(cell.strip() for cell in cells[len(header):]):
            extra = f"{where} has {len(cells)} values for {len(header)} columns (an unquoted comma?); the row is not used"
            listed.setdefault(name, []).append((line, ManifestRow(name, problems=(("manifest", extra),))))
        else:
            listed.setdefault(name, []).append((line, _manifest_row(name, values, where)))
    rows = {name: entries[0][1] if len(entries) == 1 else _repeated(name, entries) for name, entries in listed.items()}
    if own:
        rows[MANIFEST] = ManifestRow(MANIFEST, problems=tuple(("manifest", message) for message in own))
    return rows


def _manifest_row(name: str, values: dict[str, str], where: str) -> ManifestRow:
    """One row's values; a value that is wrong is left out with a (column, message) problem."""
    problems: list[tuple[str, str]] = []

    def value(column: str) -> str | None:
        text = values.get(column, "")
        problem = _not_text(text)
        if problem:
            problems.append((column, f"{where}: {column} {_shown(text)} {problem}; left out"))
            return None
        return text or None

    year_text, phase_text = value("budget_year"), value("phase")
    year = int(year_text) if year_text and _YEAR.fullmatch(year_text) else None
    if year_text and year is None:
        problems.append(("budget_year", f"{where}: budget_year {_shown(year_text)} is not a year; left out, the page's address or text gives it"))
    phase = normalise_phase(phase_text)
    if phase_text and phase is None:
        problems.append(("phase", f"{where}: phase {_shown(phase_text)} is not a phase ({', '.join(PHASES)} or SBS); left out, the page's address gives it"))
    return ManifestRow(
        file=name,
        source_url=value("source_url"),
        chapter=normalise_chapter(value("chapter")),
        budget_year=year,
        phase=phase,
        article=value("article"),
        problems=tuple(problems),
    )


def _repeated(name: str, entries: list[tuple[int, ManifestRow]]) -> ManifestRow:
    """Two or more rows for one file: one row when they agree; none when they do not."""
    lines = ", ".join(str(line) for line, _ in entries[:-1]) + f" and {entries[-1][0]}"
    problems = tuple(problem for _, row in entries for problem in row.problems)
    said = [(row.source_url, row.chapter, row.budget_year, row.phase, row.article) for _, row in entries]
    if len(set(said)) == 1:
        note = f"{MANIFEST} lines {lines} all list {name!r}, with the same values; used once"
        return ManifestRow(name, *said[0], problems=problems + (("file", note),))
    columns = ("source_url", "chapter", "budget_year", "phase", "article")
    differences = "; ".join(
        f"{column} " + " against ".join(_shown(values[index]) for values in said)
        for index, column in enumerate(columns)
        if len({values[index] for values in said}) > 1
    )
    note = f"{MANIFEST} lines {lines} list {name!r} and disagree ({differences}); neither is used, the page's address and text decide"
    return ManifestRow(name, problems=problems + (("file", note),))


def _not_text(value: str) -> str | None:
    """Why a manifest value cannot be used as text, if it cannot."""
    if not _NOT_TEXT.search(value):
        return None
    return "holds a NUL byte" if "\x00" in value else "is not UTF-8 text"


def _shown(value: object) -> str:
    """A value as a message quotes it: bytes that are not UTF-8 as U+FFFD, control characters escaped."""
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return repr(value)


def _suggestion(name: str) -> str:
    """'; did you mean ...?' for a misspelt column, or what the columns are."""
    close = [column for column in MANIFEST_COLUMNS if name in column or column in name]
    close = close if len(close) == 1 else difflib.get_close_matches(name, MANIFEST_COLUMNS, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (the columns are {', '.join(MANIFEST_COLUMNS)})"


def _names_a_page(sources_dir: str, name: str) -> bool:
    """Whether a manifest file name is a page the listing shows (see `_page_stats`)."""
    parts = name.split("/")
    if not name.endswith(PAGE_SUFFIXES) or any(part in ("", "..") or part.startswith(".") for part in parts):
        return False
    return _is_entry(os.path.join(sources_dir, name))


def present(sources_dir: Path, keys: list[str], manifest: dict[str, ManifestRow]) -> list[str]:
    """The keys a listing of the folder would still show (see `scan`); the others are gone."""
    return [key for key in keys if _is_present(sources_dir, key, manifest)]


def _is_present(sources_dir: Path, key: str, manifest: dict[str, ManifestRow]) -> bool:
    if key == MANIFEST:
        return key in manifest
    path = _entry_path(sources_dir, key)[0]
    return _unlistable(path) is not None if key.endswith("/") else _is_entry(path)


def _is_entry(path: Path | str) -> bool:
    """Whatever is there but a folder: a file, a FIFO, a link even if broken."""
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return os.path.lexists(path)


def list_pages(sources_dir: Path) -> list[Path]:
    """Every page file under the sources folder, in a stable order."""
    return [sources_dir / key for key in sorted(_page_stats(sources_dir), key=_key_order)]


def page_key(sources_dir: Path, path: Path) -> str:
    return path.relative_to(sources_dir).as_posix()


def _key_order(key: str) -> tuple[str, ...]:
    return tuple(key.split("/"))  # the order of the paths, folder by folder


def _page_stats(sources_dir: Path) -> dict[str, str]:
    """Page key -> stat signature of every page file (os.scandir: a stat per file, no more).

    Every entry named as a page is listed, also one that cannot be read (a broken or looping
    link, a FIFO): its signature is empty and its parse records why. So is a subfolder that
    cannot be listed, as 'folder/': its pages never vanish unnoticed. A folder reached again
    through a link is not entered twice (a link to a folder above would never end)."""
    found: dict[str, str] = {}
    pending = [(str(sources_dir), "")]
    entered: set[tuple[int, int]] = set()
    while pending:
        folder, prefix = pending.pop()
        try:
            identity = os.stat(folder)
            if (identity.st_dev, identity.st_ino) in entered:
                continue
            entered.add((identity.st_dev, identity.st_ino))
            entries = _list_folder(folder)
        except OSError as error:
            if not prefix:
                raise  # the sources folder itself: a fault of the environment, not of one page
            if not isinstance(error, FileNotFoundError):  # one removed during the scan is simply gone
                found[prefix] = ""
            continue
        for entry in entries:
            name = _key_name(entry.name)
            if _is_folder(entry):
                pending.append((entry.path, prefix + name + "/"))
            elif name.endswith(PAGE_SUFFIXES) and not name.startswith("."):
                found[prefix + name] = _entry_signature(entry) if name == entry.name else ""
    return found


def _list_folder(folder: Path | str) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return list(entries)


def _unlistable(folder: Path) -> str | None:
    """Why a folder cannot be listed, if it cannot."""
    try:
        _list_folder(folder)
    except OSError as error:
        return _cause(folder, error)
    return None


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link that loops: listed as a page, refused when read
        return False


def _entry_signature(entry: os.DirEntry) -> str:
    try:
        info = entry.stat()
    except OSError:
        return ""
    return stat_signature(info) if stat.S_ISREG(info.st_mode) else ""


def _file_signature(path: Path) -> tuple[str, int]:
    """The stat signature of a regular file and its ctime; ("", 0) for anything else."""
    try:
        info = path.stat()
    except OSError:
        return "", 0
    return (stat_signature(info), info.st_ctime_ns) if stat.S_ISREG(info.st_mode) else ("", 0)


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
    """What a page's parse depends on: its bytes, its manifest row (with the row's problems,
    which the parse reports) and the parser's code."""
    from pipeline.core import PARSER_VERSION

    row = manifest or ManifestRow(file="")
    parts = [sha256, PARSER_VERSION, row.source_url, row.chapter, row.budget_year, row.phase, row.article]
    parts += [message for _column, message in row.problems]
    return stable_id(*parts, length=32)


# A hash made within this many nanoseconds of the file's last change is not reused (as "racy git").
RACY_NS = 2_000_000_000
# A known file: its stat signature when it was hashed, its size and its SHA-256.
KnownHashes = dict[str, tuple[str, int, str]]


def scan(sources_dir: Path, manifest: dict[str, ManifestRow] | None = None, known: KnownHashes | None = None) -> list[SourcePage]:
    """Every page file with its content hash and fingerprint; the manifest too, as a page, when
    it has problems of its own (see `read_manifest`).

    A file whose stat signature is the one in `known` is not read again (as git and rsync do):
    at 10,000 pages that saves reading and hashing half a gigabyte on every scan."""
    manifest = read_manifest(sources_dir) if manifest is None else manifest
    stats = _page_stats(sources_dir)
    keys = sorted(stats.keys() | ({MANIFEST} & manifest.keys()), key=_key_order)
    return scan_files(sources_dir, keys, manifest, known, stats)


def scan_files(
    sources_dir: Path,
    keys: list[str],
    manifest: dict[str, ManifestRow] | None = None,
    known: KnownHashes | None = None,
    stats: dict[str, str] | None = None,
) -> list[SourcePage]:
    """These page files with their content hash and fingerprint. A file that cannot be read
    gets the hash of why (`Unreadable.sha256`) and no signature: it is looked at again each scan."""
    manifest = read_manifest(sources_dir) if manifest is None else manifest
    known = known or {}
    pages = []
    for key in keys:
        path = sources_dir / key
        signature = stats[key] if stats is not None and key in stats else _file_signature(path)[0]
        cached = known.get(key)
        if signature and cached is not None and cached[0] == signature:
            size, sha = cached[1], cached[2]
        else:
            data = read_page(sources_dir, key)
            if isinstance(data, Unreadable):
                size, sha, signature = 0, data.sha256, ""
            else:
                size, sha = len(data), hashlib.sha256(data).hexdigest()
                after, changed_ns = _file_signature(path)
                if after != signature or time.time_ns() - changed_ns < RACY_NS:
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
    found_tables, _ = found if found is not None else tables_module.find_tables(text)
    first_table_line = found_tables[0].first_line if found_tables else None
    # The heading is looked for above the first table only: split off just those lines.
    above = -1 if first_table_line is None else max(0, first_table_line - 1)
    lines = tables_module.normalise_text(text).split("\n", above)
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
