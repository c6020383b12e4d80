"""File exports for tools that prefer files: Parquet per table (a folder of partition files for
the big tables) and the open-data CSV (`open_data_csv.py`).

Written from the new warehouse before it is served, into a fresh folder
`<warehouse dir>/.exports/<id>/`; `<warehouse dir>/export` is a symbolic link swapped to it
atomically right after the warehouse itself is swapped. A reader of `export/` sees one
publication's complete set of files, never a mix; the previous set stays on disk until the next
publication, so a reader that resolved the link just before the swap can finish.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipeline.report import REPORT_DIR
from pipeline.store.connections import side_by_side
from pipeline.store.ddl import quote
from pipeline.store.increment import Scope, pages_digest
from pipeline.store.open_data_csv import CSV_NAME, ReusableChunks, reusable_chunks, write_budgettaire_tabellen
from pipeline.store.warehouse_file import columns_of_relation

EXPORT_LINK = "export"
VERSIONS_DIR = ".exports"
# The partitioned tables' files: per table its columns and per partition its rows, and the
# warehouse the files were made from (increment.pages_digest). A small publication made from that
# warehouse links the files of the partitions its pages did not touch instead of writing them.
PARTITIONS_INDEX = ".partitions.json"
# The big tables are exported as a folder of files, one per partition, so a reader can take
# one year and phase (`2024_OWB.parquet`) or one chapter (`VII.parquet`) of them; `none` stands
# for an empty year, phase or chapter. The files have the table's columns (the partition is in
# the name only): `<folder>/*.parquet` reads as the table.
DOCUMENT, CHAPTER = "document", "chapter"
PARTITIONED = {
    "fact_budget_amount": DOCUMENT,
    "table_cell": DOCUMENT,
    "budget_explanation": DOCUMENT,
    "dim_budget_line": CHAPTER,
}
# Rows per Parquet row group: a row group is buffered whole while it is written, and 122,880 rows
# of explanation text (DuckDB's default) outgrow the memory limit at 10,000 pages.
ROW_GROUP_ROWS = 16384


def document_partition_sql(alias: str = "d") -> str:
    """SQL over a dim_document row: the partition of its rows in a document-partitioned table."""
    return f"coalesce({alias}.budget_year::VARCHAR, 'none') || '_' || coalesce({alias}.phase, 'none')"


def partition_key_sql(name: str) -> str:
    """SQL over `t` (a row of the partitioned table `name`, with its document joined as `d`, see
    _partition_source): the partition the row goes in."""
    return document_partition_sql("d") if PARTITIONED[name] == DOCUMENT else "coalesce(t.chapter::VARCHAR, 'none')"


def _partition_source(name: str) -> str:
    join = " LEFT JOIN dim_document AS d ON d.document_id = t.document_id" if PARTITIONED[name] == DOCUMENT else ""
    return f"{name} AS t{join}"


def _partition_query(name: str, value: str, within: str = "true") -> str:
    """The rows of one partition (the same as filtering on partition_key_sql, cheaper), among
    the rows `within` (SQL over the table's rows)."""
    return f"SELECT * FROM {name} WHERE ({_partition_condition(name, value)}) AND ({within})"


def _partition_condition(name: str, value: str) -> str:
    if PARTITIONED[name] == CHAPTER:
        return "chapter IS NULL" if value == "none" else f"chapter = {quote(value)}"
    year, _, phase = value.partition("_")
    if year == "none" and phase == "none":  # also the rows of documents not in dim_document
        return ("document_id IS NULL OR document_id NOT IN "
                "(SELECT document_id FROM dim_document WHERE budget_year IS NOT NULL OR phase IS NOT NULL)")
    year_is = "budget_year IS NULL" if year == "none" else f"budget_year = {int(year)}"
    phase_is = "phase IS NULL" if phase == "none" else f"phase = {quote(phase)}"
    return f"document_id IN (SELECT document_id FROM dim_document WHERE {year_is} AND {phase_is})"


def _document_partitions(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, tuple[int, str]]:
    """Per partition of a document-partitioned table: its row count, and SQL naming the row ids
    its rows lie within: the runs of consecutive rows of its documents. A document's rows are
    together in the file (copied from staging page by page, as staged: by year and phase at
    10,000 pages, one run per partition), so a query of one partition that names them reads only
    their blocks. One scan of the table, per document (a row whose document is not in
    dim_document is in none_none)."""
    partitions = con.execute(f"""
        WITH documents AS (
            SELECT {document_partition_sql("d")} AS value, t.rows, t.first_row, t.last_row
            FROM (SELECT document_id, count(*) AS rows, min(rowid) AS first_row, max(rowid) AS last_row FROM {name} GROUP BY ALL) AS t
            LEFT JOIN dim_document AS d USING (document_id)
        ),
        numbered AS (
            SELECT *, sum(starts_run::INTEGER) OVER (ORDER BY first_row ROWS UNBOUNDED PRECEDING) AS run
            FROM (SELECT *, value IS DISTINCT FROM lag(value) OVER w OR first_row <> lag(last_row) OVER w + 1 AS starts_run
                  FROM documents WINDOW w AS (ORDER BY first_row))
        )
        SELECT value, sum(rows)::BIGINT, string_agg(format('rowid BETWEEN {{}} AND {{}}', first_row, last_row), ' OR ' ORDER BY first_row)
        FROM (SELECT value, run, sum(rows) AS rows, min(first_row) AS first_row, max(last_row) AS last_row FROM numbered GROUP BY ALL)
        GROUP BY value""").fetchall()
    return {value: (rows, runs) for value, rows, runs in partitions}


def partition_file(value: str) -> str:
    """`2024_OWB.parquet`, `VII.parquet`, `none_JV.parquet`; a value with other characters than
    letters, digits and '_' is written in hex: `x-<hex>.parquet`."""
    return f"{_stem(value)}.parquet"


def _stem(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9_]+", value) else "x-" + value.encode("utf-8").hex()


def _copy_parquet(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> int:
    # COPY returns the number of rows it wrote.
    return con.execute(
        f"COPY ({query}) TO {quote(str(target))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    ).fetchall()[0][0]


def _write_partitioned(
    con: duckdb.DuckDBPyConnection, name: str, version: Path, reuse: tuple[Path, dict, set[str]] | None = None
) -> tuple[dict[str, int], dict]:
    """The folder `name/` of a partitioned table: one file per partition (an empty table gets
    one empty file, so the folder always reads as the table); returns the row count of each file
    and the table's entry of the index. With `reuse` (the previous version, its index entry and
    the partitions in scope, in a small publication), only the partitions in scope are written;
    the others are the previous version's files, hard-linked."""
    folder = version / name
    folder.mkdir()
    by_document = _document_partitions(con, name) if PARTITIONED[name] == DOCUMENT else None
    if by_document is not None:
        present = {value: rows for value, (rows, _) in by_document.items()}
    else:
        key = partition_key_sql(name)
        in_scope = f" WHERE {key} IN ({', '.join(map(quote, sorted(reuse[2]))) or 'NULL'})" if reuse is not None else ""
        present = dict(con.execute(f"SELECT {key} AS p, count(*) FROM {_partition_source(name)}{in_scope} GROUP BY p").fetchall())
    counts: dict[str, int] = {}
    partitions: dict[str, int] = {}
    if reuse is not None:
        previous, entry, scope = reuse
        present = {value: rows for value, rows in present.items() if value in scope}
        for value, rows in entry["partitions"].items():
            if value not in scope:
                os.link(previous / name / partition_file(value), folder / partition_file(value))
                counts[f"{name}/{partition_file(value)}"] = partitions[value] = rows
    todo = sorted(present)
    if by_document is not None:
        # One query per partition, over the blocks of its runs of rows: DuckDB's partitioned
        # COPY costs twice as much per row as a plain one (at 10,000 pages, fact_budget_amount's
        # 90 files took 7.2 CPU-s in passes of 12 partitions, 4.1 this way; table_cell 5.5 -> 2.5).
        for value in todo:
            file = partition_file(value)
            counts[f"{name}/{file}"] = _copy_document_partition(con, name, value, *by_document[value], folder / file)
    else:
        # A chapter's rows lie all over the table (ordered by line): a COPY per chapter, each
        # writing its rows in the table's order. DuckDB's partitioned COPY kept no row order (the
        # files differed from run to run) and cost more (dim_budget_line at 10,000 pages, 11
        # chapters, one thread: 1.35 CPU-s, 1.15 this way).
        for value in todo:
            file = partition_file(value)
            counts[f"{name}/{file}"] = _copy_parquet(con, _partition_query(name, value), folder / file)
    partitions.update(present)
    if not counts:
        file = partition_file(_empty_partition(name))
        counts[f"{name}/{file}"] = _copy_parquet(con, f"SELECT * FROM {name}", folder / file)
    _check_total(con, name, counts)
    return counts, {"columns": columns_of_relation(con, name), "partitions": partitions}


def _copy_document_partition(con: duckdb.DuckDBPyConnection, name: str, value: str, rows: int, runs: str, target: Path) -> int:
    """One partition of a document-partitioned table, its rows in the table's order. Its runs of
    rows hold its documents' rows and, when a document's rows are not together, others: then
    they are more than its `rows`, and the partition is written again, filtered. (A filter on its
    documents, a join, writes the rows in an order that differs from run to run: at 10,000 pages
    fact_budget_amount's 2013_1SUPP.parquet came out in another order at each of three COPYs.)"""
    written = _copy_parquet(con, f"SELECT * FROM {name} WHERE {runs}", target)
    if written != rows:
        written = _copy_parquet(con, f"{_partition_query(name, value, runs)} ORDER BY rowid", target)
    return written


def _reusable_partitions(con: duckdb.DuckDBPyConnection, previous: Path | None, scope: Scope | None) -> dict | None:
    """The previous version's partition index, when a small publication can link its files: made
    from the served file the publication starts from, and every file it lists there."""
    if scope is None or previous is None:
        return None
    try:
        index = json.loads((previous / PARTITIONS_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # no previous version, or one made before the index: write everything
    if index.get("made_from") != scope.served_pages or set(index.get("tables", {})) != set(PARTITIONED):
        return None
    for name, entry in index["tables"].items():
        if not all((previous / name / partition_file(value)).is_file() for value in entry["partitions"]):
            return None
    return index


def _partitions_in_scope(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Per partitioning, the partitions a small publication's pages touch: their documents'
    partitions, as served and as now (a document missing from dim_document has its rows in
    none_none, so that one is always in), and the chapters of the budget lines whose conformed
    row changed (before and after)."""
    documents = " UNION ".join(f"SELECT '{DOCUMENT}' AS partitioning, {document_partition_sql(alias)} AS value FROM {source}" for alias, source in (
        ("p", "scope_served_partitions AS p"),
        ("d", "scope_documents AS s LEFT JOIN dim_document AS d USING (document_id)"),
    ))
    in_scope: dict[str, set[str]] = {DOCUMENT: set(), CHAPTER: set()}
    for partitioning, value in con.execute(
        f"{documents} UNION SELECT '{DOCUMENT}', 'none_none' UNION SELECT '{CHAPTER}', coalesce(chapter::VARCHAR, 'none') FROM changed_lines"
    ).fetchall():
        in_scope[partitioning].add(value)
    return in_scope


def _empty_partition(name: str) -> str:
    return "none_none" if PARTITIONED[name] == DOCUMENT else "none"


def _check_total(con: duckdb.DuckDBPyConnection, name: str, counts: dict[str, int]) -> None:
    total = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    if sum(counts.values()) != total:
        raise RuntimeError(f"export of {name}: {sum(counts.values())} rows in its files, {total} in the table")


@dataclass(frozen=True)
class Previous:
    """The export folder served now and what of it a small publication reuses (previous_exports)."""

    folder: Path | None
    partitions: dict | None = None  # its partition index, when its files can be linked
    partitions_in_scope: dict[str, set[str]] = field(default_factory=dict)  # per partitioning: written again
    csv: ReusableChunks | None = None


def previous_exports(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, scope: Scope | None = None) -> Previous:
    """The served exports, and what of them a publication (`scope`: the pages a small one
    replaced) reuses. Asked on the connection holding a small publication's temporary tables
    (pipeline.store.increment), which write_exports' connections do not see."""
    link = warehouse_dir / EXPORT_LINK
    folder = link.resolve() if link.is_symlink() and link.resolve().is_dir() else None
    partitions = _reusable_partitions(con, folder, scope)
    return Previous(
        folder,
        partitions,
        _partitions_in_scope(con) if partitions is not None else {},
        reusable_chunks(con, folder, scope),
    )


class Discarded(Exception):
    """The publication was discarded while its exports were written: no more were started."""


def write_exports(
    con: duckdb.DuckDBPyConnection, warehouse_dir: Path, relations: list[str], previous: Previous,
    discarded: threading.Event | None = None,
) -> tuple[Path, dict[str, int]]:
    """Write every export into a new version folder; returns it and the row count of each file
    (by its path in the folder). Nothing a reader sees changes until `activate` links `export`
    to the folder. The files are written side by side (connections.side_by_side), a job per table
    and one for the CSV; a job starting once `discarded` is set raises Discarded, and the folder
    is removed."""
    version = warehouse_dir / VERSIONS_DIR / uuid.uuid4().hex
    version.mkdir(parents=True)
    index = {"made_from": pages_digest(con), "tables": {}}
    written: dict[str, dict[str, int]] = {}  # per job, the row count of each of its files

    def job(name, write):
        def work(cursor: duckdb.DuckDBPyConnection) -> None:
            if discarded is not None and discarded.is_set():
                raise Discarded()
            written[name] = write(cursor)
        return work, ()

    def partitioned(cursor: duckdb.DuckDBPyConnection, name: str) -> dict[str, int]:
        entry = previous.partitions["tables"][name] if previous.partitions is not None else None
        reuse = None
        if entry is not None and entry["columns"] == columns_of_relation(cursor, name):
            reuse = (previous.folder, entry, previous.partitions_in_scope[PARTITIONED[name]])
        table_counts, index["tables"][name] = _write_partitioned(cursor, name, version, reuse)
        return table_counts

    # The longest jobs first (the CSV, then the partitioned tables, biggest first), so that the
    # lanes end at about the same time.
    jobs = {CSV_NAME: job(CSV_NAME, lambda cursor: {CSV_NAME: write_budgettaire_tabellen(cursor, version / CSV_NAME, previous.csv)})}
    for name in sorted(relations, key=lambda name: list(PARTITIONED).index(name) if name in PARTITIONED else len(PARTITIONED)):
        if name in PARTITIONED:
            jobs[name] = job(name, lambda cursor, name=name: partitioned(cursor, name))
        else:
            jobs[name] = job(name, lambda cursor, name=name: {
                f"{name}.parquet": _copy_parquet(cursor, f"SELECT * FROM {name}", version / f"{name}.parquet")})
    try:
        side_by_side(con, jobs)
        counts = {file: rows for name in [*relations, CSV_NAME] for file, rows in written[name].items()}
        if previous.folder is not None and (previous.folder / REPORT_DIR).is_dir():
            # The report is made after the swap (pipeline.report), from this one: until then the
            # exports carry the previous one, and it renders again only the articles that changed.
            shutil.copytree(previous.folder / REPORT_DIR, version / REPORT_DIR, copy_function=os.link)
        (version / PARTITIONS_INDEX).write_text(json.dumps(index, sort_keys=True), encoding="utf-8")
        # Durable before `activate` links them: the files, then their folders. A file with
        # other links is the previous version's, linked here, and durable already (a small
        # publication at 10,000 pages links ~700 files: their syncs took 2.6 s).
        for path in sorted(version.rglob("*"), reverse=True):
            if path.is_dir() or path.stat().st_nlink == 1:
                fsync(path)
        fsync(version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    return version, counts


def activate(warehouse_dir: Path, version: Path) -> None:
    """Point `export` at `version` in one atomic rename, then remove all versions but it and the previous one."""
    link = warehouse_dir / EXPORT_LINK
    previous = None
    if link.is_symlink():
        previous = (warehouse_dir / os.readlink(link)).resolve()
    elif link.exists():  # a real folder (made by hand or an older version): move it aside
        aside = warehouse_dir / VERSIONS_DIR / f"replaced-{uuid.uuid4().hex}"
        os.replace(link, aside)
    temporary = warehouse_dir / f".{EXPORT_LINK}.{uuid.uuid4().hex}.link"
    os.symlink(os.path.relpath(version, warehouse_dir), temporary)
    os.replace(temporary, link)
    fsync(warehouse_dir)
    keep = {version.resolve(), previous}
    for old in (warehouse_dir / VERSIONS_DIR).iterdir():
        if old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


def discard_stale(warehouse_dir: Path) -> None:
    """Remove what a killed publication left: link files that were never renamed into place."""
    for stale in warehouse_dir.glob(f".{EXPORT_LINK}.*.link"):
        stale.unlink(missing_ok=True)


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
