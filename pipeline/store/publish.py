"""Atomic publication of the served warehouse, full or incremental.

A publication makes a complete new DuckDB file next to the served one from the staging
database, checkpoints and fsyncs it, then renames it over the served file. So:
  * a reader holding the old file open (a BI tool, even read-write-locked) never blocks it;
    on POSIX the old inode stays readable until the reader closes it, and the reader keeps
    seeing the whole previous warehouse; a new connection sees the new one;
  * a reader never sees a half-loaded warehouse;
  * a failed or killed publication leaves the previous warehouse whole (only a stray
    temporary file, removed by the next publication).
The file exports (`export.py`) are written from the new file before the swap and switched
right after it. Publications are serialised by an exclusive lock file beside the warehouse
(and, within Dagster, by the assets' pool of one).

The new file is made in one of two ways, with the same content (every table and view has the
same rows; only the physical order of rows within a table may differ):
  * full: every table loaded from staging, the derived tables computed, views and COMMENTs
    made, every export written;
  * incremental: the served file is copied (a byte copy, cheap next to a rebuild) and brought
    up to date in the copy: the rows of what changed are deleted and inserted again from
    staging, dim_budget_line recomputed for the lines a change reaches (dim_chapter, dim_year
    and budget_by_year remade when their content would differ; the other views and the
    COMMENTs stay as they are); unchanged export files (and partition files) are hard links
    to the previous ones, and the CSV keeps the previous bytes of the (budget year, phase)
    sections no change reaches.
What changed is found per *unit*: a document (`document_id`), or for a row without a document
its source file. Each publication records, per unit and staged table, the row count and the
sum of the rows' hashes, every column (`_meta.unit_signature`); the next one computes the same
from staging and replaces exactly the (unit, table) pairs whose signature differs: added,
changed, removed and refused documents, rejections and warnings of removed files alike.

`_meta` is a schema of the warehouse for the publication's own bookkeeping (analysts use
`main`): the signatures, the budget lines each document prints (`unit_line`), where each
(budget year, phase) section is in the CSV (`csv_section`) and `publication` (a fingerprint of
the layout and of the code that made the file, the export folder made with it, the row count
of every table and export file). The incremental way is taken only when the served file has
that record with the same fingerprint, its tables still have the recorded row counts (nobody
wrote to it), and at most MAX_CHANGED_SHARE of the units changed; anything else, and any error
on the way, gives a full build. The exports are taken over only from the folder `export`
links to and the record names. `publish(..., incremental=False)` forces a full build.
The test-only pause points (`hooks.py`) are in both ways: `mid_load` with the new file
half-made, `before_replace` with it complete.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core import metadata
from pipeline.core.schemas import TABLE_MODELS, VIEW_MODELS, column_descriptions, columns_of, table_description
from pipeline.sql import sql_text
from pipeline.store import export
from pipeline.store.connections import duckdb_config
from pipeline.store.ddl import comment_sql, create_table_sql, quote, view_comment_sql
from pipeline.store.dimensions import chapter_frame, phase_frame
from pipeline.store.export import fsync
from pipeline.store.hooks import pause

log = logging.getLogger(__name__)

# In load order: the phase and chapter dimensions first (dim_budget_line orders documents by
# phase), dim_year last (it spans the years of the loaded facts).
PUBLIC_TABLES = (
    "dim_phase",
    "dim_chapter",
    "dim_document",
    "dim_table",
    "table_cell",
    "dim_budget_line",
    "fact_budget_amount",
    "fact_budget_flexibility",
    "table_column_identity",
    "load_rejections",
    "load_warnings",
    "budget_explanation",
    "fact_instrument_commitment",
    "parliamentary_paper_citation",
    "explanation_term",
    "dim_year",
)
ORDER_BY = {
    "dim_document": "document_id",
    "dim_table": "table_id",
    "table_cell": "table_id, cell_order",
    "fact_budget_amount": "document_id, table_id, row_number, column_position",
    "fact_budget_flexibility": "document_id, table_id, fiscal_year, category",
    "table_column_identity": "table_id, identity_number, term_position",
    "load_rejections": "source_file, source_line, table_id",
    "load_warnings": "source_file, field, message",
    "budget_explanation": "document_id, section_number",
    "fact_instrument_commitment": "document_id, source_line, category",
    "parliamentary_paper_citation": "document_id, source_line, paper_id",
}
# Tables made by SQL of their own rather than copied from staging.
TABLE_SQL = {"dim_budget_line": "dim_budget_line.sql", "dim_year": "dim_year.sql", "explanation_term": "explanation_term.sql"}
DOCUMENTS_MARKER = "/*documents*/"
# Views in creation order (later ones read earlier ones); their columns are VIEW_MODELS[name].
VIEW_FILES = {
    "v_budget_amount": "v_budget_amount.sql",
    "budget_vintages": "budget_vintages.sql",
    "budget_by_year": "budget_by_year.sql",
    "budget_flexibility": "budget_flexibility.sql",
    "dim_parliamentary_paper": "dim_parliamentary_paper.sql",
    "search_word_form": "search_word_form.sql",
}
# Table macros, made after the views: name -> SQL file (a CREATE MACRO ... AS TABLE).
MACRO_FILES = {"search_budget": "search_budget.sql"}
YEAR_COLUMNS_MARKER = "/*year columns*/"
YEAR_COLUMN = re.compile(r"y\d{4}")
LINES_MARKER = "/*lines*/"
STAGING_ATTACH_TIMEOUT_S = 120.0

# Incremental publication ---------------------------------------------------------------------
# Bump when the publication changes in a way the fingerprint (the models' DDL and comments, the
# SQL files, this package's code, DuckDB's version) would not show.
FORMAT_VERSION = "1"
# Above this share of changed units, a full build (no slower, and it leaves a compact file).
MAX_CHANGED_SHARE = 0.2
META = "_meta"
# The staged tables a publication reads per unit: the public ones copied from staging, and the
# budget lines of each table row (dim_budget_line and the CSV are made from them).
COPIED_TABLES = tuple(name for name in PUBLIC_TABLES if name in ORDER_BY)
SIGNED_TABLES = (*COPIED_TABLES, "stg_budget_line")
META_TABLES = {
    "publication": (
        "How this file was published (internal: incremental publication).",
        {"key": ("VARCHAR", "fingerprint, export_version, row_counts, mode or published_at."), "value": ("VARCHAR", "Its value.")},
    ),
    "unit_signature": (
        "Per unit (a document, or the source file of rows without one) and staged table: what was published (internal).",
        {
            "unit": ("VARCHAR", "'d:' || document_id, else 'f:' || source_file, else '-'."),
            "table_name": ("VARCHAR", "The staged table."),
            "row_count": ("BIGINT", "Rows of the unit in the table."),
            "hash_sum": ("HUGEINT", "Sum of hash() of those rows, every column."),
        },
    ),
    "unit_line": (
        "The budget lines each unit's staged rows print (internal: which dim_budget_line rows a change reaches).",
        {"unit": ("VARCHAR", "The unit."), "line_id": ("VARCHAR", "A line it prints.")},
    ),
    "changed_unit": (
        "The units the last publication replaced when it was incremental (the asset checks re-prove their tables); empty after a full build (internal).",
        {"unit": ("VARCHAR", "The unit.")},
    ),
    "csv_section": (
        f"Where the rows of each budget year and phase are in {export.CSV_NAME} of the export made with this file (internal).",
        {
            "budget_year": ("INTEGER", "The budget year."),
            "phase": ("VARCHAR", "The phase."),
            "byte_offset": ("BIGINT", "Offset of its first row."),
            "byte_length": ("BIGINT", "Bytes of its rows."),
            "row_count": ("BIGINT", "Its rows."),
            "fallback_headers": ("VARCHAR[]", "Columns outside the fixed layout its documents need."),
        },
    ),
}


@dataclass
class Publication:
    path: Path
    seconds: float
    row_counts: dict[str, int]
    export_dir: Path | None = None
    export_counts: dict[str, int] = field(default_factory=dict)
    mode: str = "full"  # "full" or "incremental"
    reason: str = ""  # why a full build (empty for an incremental one)
    changed_units: int | None = None  # units replaced by an incremental publication
    exports_linked: list[str] = field(default_factory=list)  # export files taken over from the previous set
    csv_sections_written: int | None = None  # (budget year, phase) sections of the CSV written (None: the whole file)
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, for tuning


class _Steps(dict):
    """Seconds per step of a publication."""

    def __init__(self) -> None:
        super().__init__()
        self._last = time.perf_counter()

    def mark(self, step: str) -> None:
        now = time.perf_counter()
        self[step] = round(self.get(step, 0.0) + now - self._last, 3)
        self._last = now


@contextmanager
def publication_lock(warehouse: Path, timeout_s: float = 600.0):
    """One publication at a time per warehouse file, across processes."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another publication holds {lock_path} for over {timeout_s:.0f} s") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class _Result:
    counts: dict[str, int]
    version: Path
    export_counts: dict[str, int]
    linked: list[str]
    csv_written: frozenset | None
    changed_units: int | None = None


def publish(staging_path: Path, warehouse_path: Path, *, incremental: bool = True) -> Publication:
    """Make a new warehouse (and its exports) from staging and swap it in atomically:
    incrementally from the served one when it can (see the module's docstring), else in full."""
    started = time.perf_counter()
    directory = warehouse_path.parent
    with publication_lock(warehouse_path):
        for stale in directory.glob(f".{warehouse_path.name}.*.tmp*"):
            stale.unlink(missing_ok=True)  # left by a killed publication
        export.discard_stale(directory)
        tmp = warehouse_path.with_name(f".{warehouse_path.name}.{uuid.uuid4().hex}.tmp")
        version: Path | None = None
        steps = _Steps()
        try:
            result, reason = None, "asked for a full build"
            if incremental:
                try:
                    result, reason = _update(staging_path, warehouse_path, tmp, directory, steps)
                except Exception as error:  # anything unexpected: the full build decides
                    log.warning("incremental publication failed, building in full: %r", error)
                    result, reason = None, f"incremental publication failed: {error!r}"
            if result is None:
                _remove_database(tmp)
                steps.mark("incremental attempt")
                result = _build(staging_path, tmp, directory, steps)
            version = result.version
            fsync(tmp)
            pause("before_replace")
            os.replace(tmp, warehouse_path)
            fsync(directory)
            export.activate(directory, version)
            steps.mark("swap")
        except BaseException:
            if version is not None and (directory / export.EXPORT_LINK).resolve() != version.resolve():
                shutil.rmtree(version, ignore_errors=True)
            raise
        finally:
            _remove_database(tmp)
    mode = "full" if result.changed_units is None else "incremental"
    return Publication(
        warehouse_path, time.perf_counter() - started, result.counts, directory / export.EXPORT_LINK,
        result.export_counts, mode, reason if mode == "full" else "", result.changed_units, result.linked,
        None if result.csv_written is None else len(result.csv_written), dict(steps),
    )


def _remove_database(path: Path) -> None:
    path.unlink(missing_ok=True)
    Path(str(path) + ".wal").unlink(missing_ok=True)


def _attach_staging(con: duckdb.DuckDBPyConnection, staging_path: Path) -> None:
    """Attach staging read-only, waiting while another process writes it (outside Dagster's pool).
    With no staging database yet (no page ever staged) an empty one is made: an empty warehouse."""
    if not staging_path.exists():
        from pipeline.store import staging

        staging_path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(staging_path)) as empty:
            staging.ensure_schema(empty)
    deadline = time.monotonic() + STAGING_ATTACH_TIMEOUT_S
    delay = 0.05
    while True:
        try:
            con.execute(f"ATTACH {quote(str(staging_path))} AS staging (READ_ONLY)")
            return
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


# Full build -------------------------------------------------------------------------------------


def _build(staging_path: Path, target: Path, directory: Path, steps: _Steps) -> _Result:
    con = duckdb.connect(str(target), config=duckdb_config())
    try:
        _attach_staging(con, staging_path)
        for name in PUBLIC_TABLES:
            model = TABLE_MODELS[name]
            con.execute(create_table_sql(name, model))
            columns = ", ".join(columns_of(model))
            if name in TABLE_SQL:
                con.execute(_table_sql(name))
            elif name == "dim_phase":
                _insert_frame(con, name, phase_frame())
            elif name == "dim_chapter":
                _insert_frame(con, name, _chapter_frame(con))
            else:
                con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM staging.{name} ORDER BY {ORDER_BY[name]}")
            steps.mark(f"load {name}")
        pause("mid_load")
        _create_meta(con)
        _stage_signatures(con)
        con.execute(f"INSERT INTO {META}.unit_signature SELECT * FROM staged_signature")
        con.execute(f"INSERT INTO {META}.unit_line SELECT DISTINCT {_unit('stg_budget_line', 'l')}, l.line_id FROM staging.stg_budget_line AS l")
        steps.mark("signatures")
        con.execute("BEGIN TRANSACTION")
        for view in VIEW_FILES:
            _create_view(con, view)
        for macro in MACRO_FILES:
            con.execute(sql_text(MACRO_FILES[macro]))
        for name in PUBLIC_TABLES:
            for statement in comment_sql(name, TABLE_MODELS[name]):
                con.execute(statement)
        con.execute("COMMIT")
        steps.mark("views and comments")
        version, export_counts, counts, csv_index, linked = _finish(con, directory, "full", None, steps)
        return _Result(counts, version, export_counts, linked, csv_index.written)
    finally:
        con.close()


def _finish(
    con: duckdb.DuckDBPyConnection, directory: Path, mode: str, reuse: export.Reuse | None, steps: _Steps
) -> tuple[Path, dict[str, int], dict[str, int], export.CsvIndex, list[str]]:
    """Exports and the publication record; then detach staging and checkpoint. The caller
    removes the returned export folder if anything after this fails."""
    counts = _row_counts(con)
    version, export_counts, csv_index, linked = export.write_exports(con, directory, list(PUBLIC_TABLES), reuse=reuse)
    steps.mark("exports")
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(f"DELETE FROM {META}.csv_section")
        if csv_index.sections:
            frame = pd.DataFrame(
                [(y, p, e.offset, e.length, e.rows, list(e.fallback_headers)) for (y, p), e in sorted(csv_index.sections.items())],
                columns=["budget_year", "phase", "byte_offset", "byte_length", "row_count", "fallback_headers"],
            )
            _insert_frame(con, f"{META}.csv_section", frame)
        record = {
            "fingerprint": fingerprint(),
            "export_version": version.name,
            "csv_header": csv_index.header,
            "row_counts": json.dumps(counts, sort_keys=True),
            "export_counts": json.dumps(export_counts, sort_keys=True),
            "mode": mode,
            "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        con.execute(f"DELETE FROM {META}.publication")
        _insert_frame(con, f"{META}.publication", pd.DataFrame(list(record.items()), columns=["key", "value"]))
        con.execute("COMMIT")
        con.execute("DETACH staging")
        con.execute("CHECKPOINT")
        steps.mark("checkpoint")
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    return version, export_counts, counts, csv_index, linked


# Incremental publication ------------------------------------------------------------------------


def _update(staging_path: Path, warehouse: Path, target: Path, directory: Path, steps: _Steps) -> tuple[_Result | None, str]:
    """Bring a copy of the served warehouse up to date with staging, in `target`. Returns
    (None, why) when only a full build will do (then `target` is left for the caller to remove)."""
    if not warehouse.is_file():
        return None, "no served warehouse yet"
    if Path(str(warehouse) + ".wal").exists():
        return None, "the served warehouse has a write-ahead log: something wrote to it"
    shutil.copyfile(warehouse, target)
    steps.mark("copy")
    con = duckdb.connect(str(target), config=duckdb_config())
    try:
        record = _publication_record(con)
        if record is None:
            return None, "the served warehouse has no publication record"
        if record.get("fingerprint") != fingerprint():
            return None, "the served warehouse was made by another version of the schema or the publication"
        if json.loads(record.get("row_counts", "{}")) != _row_counts(con):
            return None, "the served warehouse's tables changed after its publication"
        _attach_staging(con, staging_path)
        con.execute("BEGIN TRANSACTION")
        steps.mark("checks")
        _stage_signatures(con)
        changed_units, total_units = _diff_signatures(con)
        steps.mark("signatures")
        if changed_units > MAX_CHANGED_SHARE * max(total_units, 1):
            con.execute("ROLLBACK")
            return None, f"{changed_units} of {total_units} documents changed (over {MAX_CHANGED_SHARE:.0%})"
        changed_tables = {t for (t,) in con.execute("SELECT DISTINCT table_name FROM changed_part").fetchall()}
        # The budget year and phase of each changed unit before and after: the CSV's sections and
        # the export partitions a change reaches.
        con.execute("CREATE OR REPLACE TEMP TABLE unit_section (unit VARCHAR, budget_year INTEGER, phase VARCHAR, stage VARCHAR)")
        _record_unit_sections(con, "before")
        for name in COPIED_TABLES:
            if name not in changed_tables:
                continue
            scope = _scope(name)
            columns = ", ".join(columns_of(TABLE_MODELS[name]))
            con.execute(f"DELETE FROM {name} WHERE {scope}")
            con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM staging.{name} WHERE {scope} ORDER BY {ORDER_BY[name]}")
            steps.mark(f"replace {name}")
        _record_unit_sections(con, "after")
        csv_sections = set(con.execute(
            "SELECT DISTINCT budget_year, phase FROM unit_section WHERE budget_year IS NOT NULL AND phase IS NOT NULL"
        ).fetchall())
        partitions = {name: _document_partitions(con, name) for name, key in export.PARTITIONED.items() if key == export.DOCUMENT}
        if "dim_document" in changed_tables:  # a document's rows may move to another year's file
            changed_tables |= set(partitions)
        # dim_chapter: the known chapters (their names are in the fingerprint) and the codes the
        # documents name.
        codes = {c for (c,) in con.execute("SELECT DISTINCT chapter FROM staging.dim_document WHERE chapter <> ''").fetchall()}
        chapters_changed = {c for (c,) in con.execute("SELECT chapter FROM dim_chapter").fetchall()} != set(metadata.CHAPTERS) | codes
        if chapters_changed:
            con.execute("DELETE FROM dim_chapter")
            _insert_frame(con, "dim_chapter", _chapter_frame(con))
            changed_tables.add("dim_chapter")
        steps.mark("dim_chapter")
        line_chapters, renamed_lines = _update_budget_lines(con)
        steps.mark("dim_budget_line")
        if line_chapters:
            changed_tables.add("dim_budget_line")
            partitions["dim_budget_line"] = frozenset(line_chapters)
        if renamed_lines:
            # Rows that take their article's name from dim_budget_line (their own heading has none).
            csv_sections |= set(con.execute(
                "SELECT DISTINCT d.budget_year, d.phase FROM staging.stg_budget_line AS l JOIN dim_document AS d USING (document_id) "
                "WHERE l.article_name IS NULL AND l.line_id IN (SELECT line_id FROM renamed_line) "
                "AND d.budget_year IS NOT NULL AND d.phase IS NOT NULL"
            ).fetchall())
        if "budget_explanation" in changed_tables:
            # The search index of the changed documents, made again from their explanations.
            changed = "SELECT key FROM changed_part WHERE table_name = 'budget_explanation' AND kind = 'd'"
            con.execute(f"DELETE FROM explanation_term WHERE document_id IN ({changed})")
            con.execute(sql_text(TABLE_SQL["explanation_term"]).replace(DOCUMENTS_MARKER, f"AND document_id IN ({changed})"))
            changed_tables.add("explanation_term")
            steps.mark("explanation_term")
        years_before = _frame_rows(con, "dim_year")
        con.execute("DELETE FROM dim_year")
        con.execute(_table_sql("dim_year"))
        if _frame_rows(con, "dim_year") != years_before:
            changed_tables.add("dim_year")
        steps.mark("dim_year")
        # The views are queries over the tables; only budget_by_year's columns depend on the data.
        if _year_columns(con) != [c for c in _columns(con, "budget_by_year") if YEAR_COLUMN.fullmatch(c)]:
            _create_view(con, "budget_by_year")
        steps.mark("views")
        pause("mid_load")
        con.execute(f"DELETE FROM {META}.changed_unit")
        con.execute(f"INSERT INTO {META}.changed_unit SELECT DISTINCT unit FROM changed_part")
        con.execute(f"DELETE FROM {META}.unit_signature AS m USING changed_part AS c WHERE m.unit = c.unit AND m.table_name = c.table_name")
        con.execute(f"INSERT INTO {META}.unit_signature SELECT s.* FROM staged_signature AS s JOIN changed_part AS c USING (unit, table_name)")
        con.execute("COMMIT")
        steps.mark("commit")
        reuse = _export_reuse(con, directory, record, changed_tables, partitions, None if chapters_changed else csv_sections)
        version, export_counts, counts, csv_index, linked = _finish(con, directory, "incremental", reuse, steps)
        return _Result(counts, version, export_counts, linked, csv_index.written, changed_units), ""
    finally:
        con.close()


def _stage_signatures(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table staged_signature: row count and sum of row hashes (every column) per unit and
    staged table."""
    parts = []
    for name in SIGNED_TABLES:
        names = columns_of(TABLE_MODELS[name])
        columns = ", ".join(names)
        if "source_file" in names:  # by document and file first, then by unit
            parts.append(
                f"SELECT {_unit(name)} AS unit, {quote(name)} AS table_name, sum(n) AS row_count, sum(h)::HUGEINT AS hash_sum "
                f"FROM (SELECT document_id, source_file, count(*) AS n, sum(hash({columns})) AS h FROM staging.{name} GROUP BY ALL) "
                "GROUP BY 1"
            )
        else:
            parts.append(
                f"SELECT {_unit(name)} AS unit, {quote(name)} AS table_name, count(*) AS row_count, "
                f"sum(hash({columns}))::HUGEINT AS hash_sum FROM staging.{name} GROUP BY document_id"
            )
    con.execute("CREATE OR REPLACE TEMP TABLE staged_signature AS " + "\nUNION ALL\n".join(parts))


def _diff_signatures(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Temp table changed_part: the (unit, table) pairs whose staged rows differ from the
    published ones, with the unit split into kind ('d', 'f' or '-') and key. Returns the
    number of changed units and of units on either side."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE changed_part AS
        SELECT DISTINCT coalesce(s.unit, p.unit) AS unit, coalesce(s.table_name, p.table_name) AS table_name,
               left(coalesce(s.unit, p.unit), 1) AS kind, substr(coalesce(s.unit, p.unit), 3) AS key
        FROM staged_signature AS s
        FULL JOIN {META}.unit_signature AS p ON p.unit = s.unit AND p.table_name = s.table_name
        WHERE s.row_count IS DISTINCT FROM p.row_count OR s.hash_sum IS DISTINCT FROM p.hash_sum
    """)
    return con.execute(f"""
        SELECT (SELECT count(DISTINCT unit) FROM changed_part),
               (SELECT count(*) FROM (SELECT unit FROM staged_signature UNION SELECT unit FROM {META}.unit_signature))
    """).fetchone()


def _unit(name: str, alias: str = "") -> str:
    """The unit of a row of a staged table, as SQL."""
    prefix = f"{alias}." if alias else ""
    if "source_file" in columns_of(TABLE_MODELS[name]):
        return f"coalesce('d:' || {prefix}document_id, 'f:' || {prefix}source_file, '-')"
    return f"coalesce('d:' || {prefix}document_id, '-')"


def _scope(name: str) -> str:
    """SQL: the rows of `name` in its changed (unit, table) pairs."""
    quoted = quote(name)
    return (
        f"(document_id IN (SELECT key FROM changed_part WHERE table_name = {quoted} AND kind = 'd') "
        f"OR (document_id IS NULL AND {_unit(name)} IN (SELECT unit FROM changed_part WHERE table_name = {quoted})))"
    )


def _record_unit_sections(con: duckdb.DuckDBPyConnection, stage: str) -> None:
    """Add to temp table unit_section the budget year and phase each changed unit has now (NULL:
    none, or not a document), `stage` being 'before' or 'after' the changed rows are replaced."""
    con.execute("""
        INSERT INTO unit_section
        SELECT c.unit, d.budget_year, d.phase, ?
        FROM (SELECT DISTINCT unit, kind, key FROM changed_part) AS c
        LEFT JOIN dim_document AS d ON c.kind = 'd' AND d.document_id = c.key
    """, [stage])


def _document_partitions(con: duckdb.DuckDBPyConnection, name: str) -> frozenset[str]:
    """The export partitions of a document-partitioned table whose rows may have changed: those
    its changed units have rows in, before and after, and those of units whose document changed
    (a document moving to another year or phase moves its rows)."""
    return frozenset(v for (v,) in con.execute(f"""
        SELECT DISTINCT {export.document_partition_sql("y")} FROM unit_section AS y
        WHERE y.unit IN (SELECT unit FROM changed_part WHERE table_name IN ($name, 'dim_document'))
          AND CASE y.stage  -- where the unit has rows in the table, before and after
              WHEN 'before' THEN y.unit IN (SELECT unit FROM {META}.unit_signature WHERE table_name = $name)
              ELSE y.unit IN (SELECT unit FROM staged_signature WHERE table_name = $name) END
    """, {"name": name}).fetchall())


def _update_budget_lines(con: duckdb.DuckDBPyConnection) -> tuple[set[str], bool]:
    """Compute again the dim_budget_line rows of the lines the changed documents print, before
    or after (a line's row depends only on the staged rows of that line, their documents and
    dim_phase); keep `_meta.unit_line` in step. Returns the chapters ('none' for none) of the
    rows that changed, and whether an article name did (temp table renamed_line)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE affected_line AS
        SELECT line_id FROM {META}.unit_line
        WHERE unit IN (SELECT unit FROM changed_part WHERE table_name IN ('stg_budget_line', 'dim_document'))
        UNION
        SELECT line_id FROM staging.stg_budget_line
        WHERE document_id IN (SELECT key FROM changed_part WHERE table_name IN ('stg_budget_line', 'dim_document') AND kind = 'd')
    """)
    con.execute("CREATE OR REPLACE TEMP TABLE old_line AS SELECT * FROM dim_budget_line WHERE line_id IN (SELECT line_id FROM affected_line)")
    con.execute("DELETE FROM dim_budget_line WHERE line_id IN (SELECT line_id FROM affected_line)")
    con.execute(_table_sql("dim_budget_line", "WHERE l.line_id IN (SELECT line_id FROM affected_line)"))
    chapters = {c for (c,) in con.execute("""
        WITH new_line AS (SELECT * FROM dim_budget_line WHERE line_id IN (SELECT line_id FROM affected_line))
        SELECT DISTINCT coalesce(chapter::VARCHAR, 'none') FROM (
            (SELECT * FROM old_line EXCEPT ALL SELECT * FROM new_line)
            UNION ALL
            (SELECT * FROM new_line EXCEPT ALL SELECT * FROM old_line)
        )
    """).fetchall()}
    con.execute("""
        CREATE OR REPLACE TEMP TABLE renamed_line AS
        SELECT line_id FROM affected_line
        LEFT JOIN old_line AS o USING (line_id)
        LEFT JOIN dim_budget_line AS n USING (line_id)
        WHERE o.article_name IS DISTINCT FROM n.article_name
    """)
    renamed = con.execute("SELECT count(*) FROM renamed_line").fetchone()[0]
    units = "SELECT unit FROM changed_part WHERE table_name = 'stg_budget_line'"
    con.execute(f"DELETE FROM {META}.unit_line WHERE unit IN ({units})")
    con.execute(
        f"INSERT INTO {META}.unit_line SELECT DISTINCT {_unit('stg_budget_line', 'l')} AS unit, l.line_id "
        f"FROM staging.stg_budget_line AS l WHERE {_unit('stg_budget_line', 'l')} IN ({units})"
    )
    return chapters, renamed > 0


def _export_reuse(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    record: dict[str, str],
    changed_tables: set[str],
    partitions: dict[str, frozenset[str]],
    csv_sections: set[export.Section] | None,
) -> export.Reuse | None:
    """What the new exports can take from the previous ones: only when `export` still links to
    the folder made with the served warehouse (a publication killed between the two swaps
    leaves an older one)."""
    name = record.get("export_version")
    if not name:
        return None
    previous = directory / export.VERSIONS_DIR / name
    link = directory / export.EXPORT_LINK
    if not previous.is_dir() or not link.is_symlink() or link.resolve() != previous.resolve():
        return None
    sections = {}
    for year, phase, offset, length, rows, fallback in con.execute(
        f"SELECT budget_year, phase, byte_offset, byte_length, row_count, fallback_headers FROM {META}.csv_section"
    ).fetchall():
        sections[(year, phase)] = export.CsvSection(offset, length, rows, tuple(fallback))
    csv_index = export.CsvIndex(record.get("csv_header", ""), sections) if "csv_header" in record else None
    return export.Reuse(
        previous=previous,
        previous_counts=json.loads(record.get("export_counts", "{}")),
        unchanged=frozenset(set(PUBLIC_TABLES) - changed_tables),
        partitions={name: parts for name, parts in partitions.items() if name in changed_tables},
        csv_index=csv_index,
        csv_sections=None if csv_sections is None else frozenset(csv_sections),
    )


# Shared -----------------------------------------------------------------------------------------


def _create_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {META}")
    for name, (description, columns) in META_TABLES.items():
        body = ", ".join(f"{column} {sql_type}" for column, (sql_type, _) in columns.items())
        con.execute(f"CREATE TABLE {META}.{name} ({body})")
        con.execute(f"COMMENT ON TABLE {META}.{name} IS {quote(description)}")
        for column, (_, text) in columns.items():
            con.execute(f"COMMENT ON COLUMN {META}.{name}.{column} IS {quote(text)}")


def _publication_record(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    present = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = 'publication'",
        [META],
    ).fetchone()[0]
    if not present:
        return None
    return dict(con.execute(f"SELECT key, value FROM {META}.publication").fetchall())


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in PUBLIC_TABLES}


def _chapter_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    codes = [r[0] for r in con.execute("SELECT DISTINCT chapter FROM staging.dim_document ORDER BY 1").fetchall()]
    return chapter_frame(codes)


def _frame_rows(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    columns = ", ".join(columns_of(TABLE_MODELS[name]))
    return sorted(con.execute(f"SELECT {columns} FROM {name}").fetchall(), key=repr)


def _table_sql(name: str, lines: str = "") -> str:
    sql = sql_text(TABLE_SQL[name])
    return sql.replace(LINES_MARKER, lines) if LINES_MARKER in sql else sql


def _insert_frame(con: duckdb.DuckDBPyConnection, name: str, frame) -> None:
    con.register("incoming_frame", frame)
    try:
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM incoming_frame")
    finally:
        con.unregister("incoming_frame")


def _create_view(con: duckdb.DuckDBPyConnection, view: str) -> None:
    """CREATE OR REPLACE the view, with the COMMENTs on it and its columns."""
    sql = sql_text(VIEW_FILES[view])
    if YEAR_COLUMNS_MARKER in sql:
        columns = "\n    ".join(
            f", max(v.amount_thousand_eur) FILTER (WHERE v.fiscal_year = {int(c[1:])}) AS {c}" for c in _year_columns(con)
        )
        sql = sql.replace(YEAR_COLUMNS_MARKER, columns)
    con.execute(sql)
    for statement in view_comment_sql(view, VIEW_MODELS[view], _columns(con, view)):
        con.execute(statement)


def _year_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """budget_by_year's year columns: one per fiscal year of a figure with a phase."""
    return [f"y{int(year)}" for (year,) in con.execute(
        "SELECT DISTINCT fiscal_year FROM fact_budget_amount WHERE fdp_phase IS NOT NULL AND fiscal_year IS NOT NULL ORDER BY 1"
    ).fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]


@cache
def fingerprint() -> str:
    """What a warehouse file's layout and content depend on besides the data: the models' DDL and
    comments, the SQL files, the publication's code, the CSV layout and DuckDB's version. A
    served file with another fingerprint is rebuilt in full."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            digest.update(str(part).encode("utf-8"))
            digest.update(b"\0")

    add(FORMAT_VERSION, duckdb.__version__)
    for name in (*PUBLIC_TABLES, "stg_budget_line"):
        model = TABLE_MODELS[name]
        add(name, create_table_sql(name, model), table_description(model), sorted(column_descriptions(model).items()))
    for name, model in sorted(VIEW_MODELS.items()):
        add(name, table_description(model), sorted(column_descriptions(model).items()))
    package = Path(__file__).resolve().parents[1]
    for path in sorted((package / "sql").glob("*.sql")):
        add(path.name, path.read_text(encoding="utf-8"))
    for module in ("publish.py", "export.py", "ddl.py", "dimensions.py"):
        add(module, (package / "store" / module).read_text(encoding="utf-8"))
    add(export.layout_frame().to_csv(index=False))
    # dim_phase and the names of dim_chapter (pipeline.store.dimensions).
    add(repr(metadata.PHASES), repr(metadata.PHASE_INFO), repr(metadata.CHAPTERS))
    return digest.hexdigest()
