"""File exports for tools that prefer files: Parquet per table (a folder of partition files for
the big tables), and a CSV in the layout of the official open data "Budgettaire tabellen".

Written at the end of each publication from the new warehouse, into a fresh folder
`<warehouse dir>/.exports/<id>/`; `<warehouse dir>/export` is a symbolic link that is swapped to
it atomically right after the warehouse itself is swapped. A reader of `export/` sees one
publication's complete set of files, never a mix; the previous set stays on disk until the
next publication, so a reader that resolved the link just before the swap can finish.

An incremental publication (`publish.py`) writes only what changed into the fresh folder: a
Parquet file (or partition file) whose rows did not change is a hard link to the previous one
(files are never written in place, so a link is as good as a copy), and the CSV, sorted by
budget year and phase first, is put together from the previous file's bytes for the (year,
phase) sections no change reaches and the new rows of the others (`CsvIndex` records where each
section is). Either way the folder holds what a full write from the new warehouse holds.

budgettaire_tabellen.csv (semicolon-separated, UTF-8, header row): one row per document, table
and budget line, laid out like the official files: Begrotingsjaar, Fase (the open-data code:
PSUPP is 'SBS'), VUO, Totaal (J for a subtotal row, N for a leaf), Hoofdstuk, Artikel,
Artikelonderdeel, Instrument and Regeling each as number and name, then the amount columns of
the phases (CSV_AMOUNT_LAYOUT; a document fills the columns of its own phase). 'Waarvan'
breakdowns are left out (they are never added into a sum: summing the N rows gives the totals),
except the waarvan rows of a complete split (a row without values whose only children they are):
those are additive N rows. Documents without a budget year or phase are left out.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.columns import MUTATIE, ONTWERP, RAMING, REALISATIE, STAND, VASTGESTELD, VERSCHIL
from pipeline.sql import sql_text
from pipeline.store.ddl import quote

EXPORT_LINK = "export"
VERSIONS_DIR = ".exports"
CSV_NAME = "budgettaire_tabellen.csv"
CSV_DELIMITER = ";"
SECTIONS_MARKER = "/*sections*/"
# The big tables are exported as a folder of files, one per partition, so that a publication
# rewrites only the partitions a change reaches (pipeline.store.publish): the rows of the
# documents of one budget year and phase (`2024_OWB.parquet`), or the budget lines of one
# chapter (`VII.parquet`); `none` stands for an empty year, phase or chapter. The files have the
# table's columns (the partition is in the name only): `<folder>/*.parquet` reads as the table.
DOCUMENT, CHAPTER = "document", "chapter"
PARTITIONED = {
    "fact_budget_amount": DOCUMENT,
    "table_cell": DOCUMENT,
    "dim_budget_line": CHAPTER,
}

# The descriptive columns of the CSV: header, SQL over the `rows` of export_budgettaire_tabellen.sql, description.
CSV_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("Begrotingsjaar", "budget_year", "Begrotingsjaar (year T) of the document."),
    ("Fase", "open_data_code", "Phase of the document as the open data codes it: OWB, 1SUPP, SBS (suppletoire begroting Prinsjesdag, PSUPP in the warehouse), 2SUPP or JV."),
    ("VUO", "upper(left(measure, 1))", "V (verplichtingen), U (uitgaven) or O (ontvangsten)."),
    ("Totaal", "CASE WHEN has_children THEN 'J' ELSE 'N' END", "J for a subtotal row (its amounts are the sum of rows below it), N for a leaf. Summing the N rows of one document and VUO gives its totals."),
    ("Hoofdstuknummer", "chapter", "Begrotingshoofdstuk code (VII, IXB, B ...)."),
    ("Hoofdstuknaam", "chapter_name", "Name of the chapter or fund (dim_chapter)."),
    ("Artikelnummer", "article_code", "Article number."),
    ("Artikelnaam", "article_name", "Article name: as the document's heading gives it, else its latest name (dim_budget_line)."),
    ("Artikelonderdeelnummer", "sub_article_code", "Artikelonderdeel code ('7.1'), on the artikelonderdeel row and the rows below it."),
    ("Artikelonderdeelnaam", "sub_article_name", "Artikelonderdeel name."),
    ("Instrumentnummer", "NULL::VARCHAR", "Always empty: budget pages print no instrument numbers."),
    ("Instrumentnaam", "instrument", "Financial instrument, canonical name (Subsidies (regelingen), Opdrachten ...)."),
    ("Regelingnummer", "regeling_code", "The regeling's code as printed ('1.', '1.5.'), when it has one."),
    ("Regelingnaam", "regeling_name", "Regeling name; for a row below a regeling, 'regeling - row label'."),
)


@dataclass(frozen=True, slots=True)
class AmountColumn:
    """One amount column of the CSV and the printed columns that fill it.

    A printed column is placed by the phase of its document, its kind, its year relative to the
    document's year T, and: for a level column (anything but a mutatie), its rank among the
    columns of the same kind and year counted from the right (1 = the latest, e.g. the 'Stand 2e
    suppletoire' of a 2SUPP, whose 'Stand 1e suppletoire' is rank 2); for a mutatie, the level
    column it leads to (the next one to its right in the same year; none for the 'Mutatie t+1'
    columns of a 1SUPP) and, when several mutaties lead to it, which of them (1, 2 ... from the left).
    """

    header: str
    description: str
    places: tuple[tuple, ...]  # (phase, kind, t_offset, rank, fed_kind, fed_rank, part)


def _level(phase: str, kind: str, offset: int, rank: int = 1) -> tuple:
    return (phase, kind, offset, rank, None, None, 0)


def _mutation(phase: str, offset: int, fed_kind: str | None, fed_rank: int | None, part: int = 0) -> tuple:
    return (phase, MUTATIE, offset, None, fed_kind, fed_rank, part)


def _t(offset: int) -> str:
    return "T" if offset == 0 else f"T{offset:+d}"


CSV_AMOUNT_LAYOUT: tuple[AmountColumn, ...] = (
    *(
        AmountColumn(f"Realisatie {_t(k)}", f"Realisatie of year {_t(k)} ({'OWB, JV' if k == -2 else 'JV'}).",
                     tuple(_level(p, REALISATIE, k) for p in (("OWB", "JV") if k == -2 else ("JV",))))
        for k in (-4, -3, -2, -1)
    ),
    AmountColumn("Stand T-1", "Stand of year T-1 (OWB: the current budget after its suppletoire changes).", (_level("OWB", STAND, -1),)),
    AmountColumn("Ontwerpbegroting T", "Ontwerpbegroting of year T (OWB; column (1) of a 1SUPP; the first column of an older 2SUPP).",
                 (_level("OWB", ONTWERP, 0), _level("1SUPP", ONTWERP, 0), _level("2SUPP", ONTWERP, 0))),
    *(AmountColumn(f"Raming {_t(k)}", f"Meerjarenraming for year {_t(k)} (OWB).", (_level("OWB", RAMING, k),)) for k in (1, 2, 3, 4)),
    AmountColumn("Mutaties NvW T", "Mutaties via nota van wijziging, moties and amendementen in year T (1SUPP: the mutaties leading to the vastgestelde begroting).", (_mutation("1SUPP", 0, VASTGESTELD, 1),)),
    AmountColumn("Vastgestelde begroting T", "Vastgestelde begroting of year T (1SUPP, PSUPP, 2SUPP, JV).",
                 tuple(_level(p, VASTGESTELD, 0) for p in ("1SUPP", "PSUPP", "2SUPP", "JV"))),
    AmountColumn("Mutaties 1e suppletoire T", "Mutaties of the 1e suppletoire begroting in year T (1SUPP; an older 2SUPP prints them before the earlier stand).",
                 (_mutation("1SUPP", 0, STAND, 1), _mutation("2SUPP", 0, STAND, 2))),
    AmountColumn("Stand 1e suppletoire T", "Stand after the 1e suppletoire begroting, year T (1SUPP; the earlier stand of a 2SUPP).",
                 (_level("1SUPP", STAND, 0), _level("2SUPP", STAND, 0, rank=2))),
    *(AmountColumn(f"Mutatie {_t(k)}", f"Mutatie for year {_t(k)} (1SUPP).", (_mutation("1SUPP", k, None, None),)) for k in (1, 2, 3, 4)),
    AmountColumn("Raming T+5", "Level for year T+5 (1SUPP from 2024: headed 'Mutatie', it prints the extrapolated budget plus its mutaties).", (_level("1SUPP", RAMING, 5),)),
    AmountColumn("Mutaties suppletoire Prinsjesdag T", "Mutaties of the suppletoire begroting Prinsjesdag in year T (PSUPP).", (_mutation("PSUPP", 0, STAND, 1),)),
    AmountColumn("Stand suppletoire Prinsjesdag T", "Stand after the suppletoire begroting Prinsjesdag, year T (PSUPP).", (_level("PSUPP", STAND, 0),)),
    AmountColumn("Mutaties 2e suppletoire T", "Mutaties of the 2e suppletoire begroting in year T, when printed as one column (2SUPP).", (_mutation("2SUPP", 0, STAND, 1),)),
    *(
        AmountColumn(f"Mutaties 2e suppletoire T (deel {k})", f"Part {k} of the mutaties of the 2e suppletoire begroting, when printed as sub-columns (e.g. 'Mutaties Miljoenennota', 'Overige mutaties'; 2SUPP).",
                     (_mutation("2SUPP", 0, STAND, 1, part=k),))
        for k in (1, 2)
    ),
    AmountColumn("Stand 2e suppletoire T", "Stand after the 2e suppletoire begroting, year T (2SUPP).", (_level("2SUPP", STAND, 0),)),
    AmountColumn("Realisatie T", "Realisatie of year T (JV).", (_level("JV", REALISATIE, 0),)),
    AmountColumn("Verschil T", "Realisatie minus vastgestelde begroting, year T (JV).", (_level("JV", VERSCHIL, 0),)),
)
FALLBACK_DESCRIPTION = (
    "A printed column that fits none of the columns above (an unusual layout) gets a column of its own, "
    "after them, named '<phase> <kind> <T+k> #<rank or part>': every printed figure is in the file."
)


def layout_frame() -> pd.DataFrame:
    records = []
    for order, column in enumerate(CSV_AMOUNT_LAYOUT):
        for phase, kind, offset, rank, fed_kind, fed_rank, part in column.places:
            records.append((column.header, order, phase, kind, offset, rank, fed_kind, fed_rank, part))
    frame = pd.DataFrame.from_records(
        records, columns=["header", "header_order", "phase", "column_kind", "t_offset", "kind_rank", "fed_kind", "fed_rank", "part"]
    )
    return frame.astype({"t_offset": "Int64", "kind_rank": "Int64", "fed_rank": "Int64", "part": "Int64", "header_order": "Int64"})


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class CsvSection:
    """Where the rows of one budget year and phase are in budgettaire_tabellen.csv (the file is
    sorted by year, then phase, first)."""

    offset: int  # byte offset of its first row
    length: int  # bytes of its rows
    rows: int
    fallback_headers: tuple[str, ...]  # the columns outside CSV_AMOUNT_LAYOUT its documents need


Section = tuple[int, str]  # (budget year, phase)


@dataclass(frozen=True, slots=True)
class CsvIndex:
    """The layout of a written budgettaire_tabellen.csv: its header line and each section. An
    incremental publication copies the sections it did not touch from the previous file and
    writes only the others."""

    header: str  # the header line, newline included ("" when the file could not be cut into sections)
    sections: dict[Section, CsvSection]
    written: frozenset[Section] | None = field(default=None, compare=False)  # the sections written this time (None: all)

    @property
    def size(self) -> int:
        return len(self.header.encode("utf-8")) + sum(e.length for e in self.sections.values())

    @property
    def rows(self) -> int:
        return sum(e.rows for e in self.sections.values())


def _csv_headers(fallback: set[str]) -> list[str]:
    return [column.header for column in CSV_AMOUNT_LAYOUT] + sorted(fallback)


def _csv_query(headers: list[str]) -> str:
    """The CSV's rows (of the years in csv_rows), in file order: by budget year first."""
    descriptive = ",\n    ".join(f"{expression} AS {_ident(header)}" for header, expression, _ in CSV_COLUMNS)
    amounts = ",\n    ".join(f"a.{_ident(header)}" for header in headers)
    pivot = ",\n        ".join(
        f"max(amount_thousand_eur) FILTER (WHERE header = {quote(header)}) AS {_ident(header)}" for header in headers
    )
    return f"""
        WITH a AS (
            SELECT table_id, row_number,
                {pivot}
            FROM csv_amounts GROUP BY table_id, row_number
        )
        SELECT
            {descriptive},
            {amounts}
        FROM csv_rows AS r LEFT JOIN a USING (table_id, row_number)
        ORDER BY r.budget_year, r.phase_order, r.chapter_order, r.chapter, r.article_order, r.article_code,
                 r.document_id, r.table_id, r.row_number
    """


def _cut(path: Path, rows: list[tuple[Section, int]]) -> tuple[int, dict[Section, tuple[int, int]]] | None:
    """Where the header and each section's rows are in a CSV written with a header line and then
    `rows` (the row count of each section, in file order): (header length, {section: (offset,
    length)}), found by counting line breaks; None when a value holds a line break (the count
    is then off)."""
    wanted = [1]  # the line breaks after which the header and each section end
    for _, count in rows:
        wanted.append(wanted[-1] + count)
    positions: list[int] = []
    seen = offset = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 23):
            count = chunk.count(b"\n")
            start = 0
            while len(positions) < len(wanted) and seen + count >= wanted[len(positions)]:
                need = wanted[len(positions)] - seen
                for _ in range(need):
                    start = chunk.index(b"\n", start) + 1
                seen += need
                count -= need
                positions.append(offset + start)
            seen += count
            offset += len(chunk)
    if seen != wanted[-1] or len(positions) != len(wanted) or positions[-1] != offset:
        return None
    return positions[0], {section: (positions[i], positions[i + 1] - positions[i]) for i, (section, _) in enumerate(rows)}


def _prepare_csv(
    con: duckdb.DuckDBPyConnection, sections: set[Section] | None
) -> tuple[dict[Section, int], dict[Section, set[str]], dict[str, int]]:
    """Fill the temp tables csv_rows and csv_amounts for these sections (None: all); returns the
    row count and the fallback headers of each section found, and the order of the phases."""
    sql = sql_text("export_budgettaire_tabellen.sql")
    if sections is None:
        sql = sql.replace(SECTIONS_MARKER, "")
    else:
        keys = sorted(f"{year}_{phase}" for year, phase in sections)
        con.register("csv_sections", pd.DataFrame({"section": pd.Series(keys, dtype="object")}))
        sql = sql.replace(SECTIONS_MARKER, "AND d.budget_year::VARCHAR || '_' || d.phase IN (SELECT section FROM csv_sections)")
    try:
        con.execute(sql)  # temp tables csv_rows, csv_amounts
    finally:
        if sections is not None:
            con.unregister("csv_sections")
    phase_order = dict(con.execute("SELECT phase, phase_order FROM dim_phase").fetchall())
    rows = {(y, p): n for y, p, n in con.execute(
        "SELECT r.budget_year, d.phase, count(*) FROM csv_rows AS r JOIN dim_document AS d USING (document_id) GROUP BY ALL"
    ).fetchall()}
    fallback: dict[Section, set[str]] = {section: set() for section in rows}
    for year, phase, header in con.execute(
        "SELECT DISTINCT budget_year, phase, header FROM csv_amounts WHERE header_order IS NULL"
    ).fetchall():
        fallback.setdefault((year, phase), set()).add(header)
    return rows, fallback, phase_order


def write_budgettaire_tabellen(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    previous: tuple[Path, CsvIndex] | None = None,
    sections: set[Section] | None = None,
) -> tuple[int, CsvIndex]:
    """The CSV, from the warehouse being built (`con`, with the staging database attached as
    `staging`); returns its row count and its index.

    The file is sorted by budget year and phase first, so it is a header line and a section per
    (year, phase). With `previous` (the previous file and its index) and `sections`, only those
    sections are computed again and the others are copied byte for byte from the previous file,
    unless the set of columns changes (then every section is written). The result is the file
    writing every section gives."""
    partial = previous is not None and sections is not None
    con.register("csv_layout", layout_frame())
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        rows, fallback, phase_order = _prepare_csv(con, set(sections) if partial else None)
        kept: dict[Section, CsvSection] = {}
        if partial:
            kept = {k: entry for k, entry in previous[1].sections.items() if k not in sections}
            columns = set().union(*(set(e.fallback_headers) for e in kept.values()), *fallback.values())
            before = set().union(*(set(e.fallback_headers) for e in previous[1].sections.values()))
            if _csv_headers(columns) != _csv_headers(before):
                partial, kept = False, {}  # the columns change: every row changes
                rows, fallback, phase_order = _prepare_csv(con, None)
        if not partial:
            columns = set().union(*fallback.values())
        headers = _csv_headers(columns)

        def order(section: Section) -> tuple:
            return section[0], phase_order.get(section[1], len(phase_order) + 1), section[1]

        # The rows of the sections computed, in one file; then cut into sections.
        con.execute(
            f"COPY ({_csv_query(headers)}) TO {quote(str(scratch))} (FORMAT csv, HEADER, DELIMITER {quote(CSV_DELIMITER)})"
        )
        found = _cut(scratch, [(k, rows[k]) for k in sorted(rows, key=order)])
        if found is None:  # a value holds a line break: the file is right, but cannot be cut
            if kept:
                scratch.unlink()
                return write_budgettaire_tabellen(con, path)
            os.replace(scratch, path)
            return sum(rows.values()), CsvIndex("", {}, None)
        header_length, cut = found
        with open(scratch, "rb") as handle:
            header = handle.read(header_length).decode("utf-8")
        index: dict[Section, CsvSection] = {}
        every = sorted({*kept, *rows, *fallback}, key=order)
        if not kept:  # every section is in the scratch file: it is the file
            for k in every:
                offset, length = cut.get(k, (0, 0))
                index[k] = CsvSection(offset, length, rows.get(k, 0), tuple(sorted(fallback.get(k, ()))))
            os.replace(scratch, path)
        else:
            with open(path, "wb", buffering=0) as out, open(previous[0], "rb") as old, open(scratch, "rb") as new:
                _write_all(out.fileno(), header.encode("utf-8"))
                for k in every:
                    offset = out.tell()
                    if k in kept:
                        entry = kept[k]
                        _copy_range(old.fileno(), out.fileno(), entry.offset, entry.length)
                        index[k] = CsvSection(offset, entry.length, entry.rows, entry.fallback_headers)
                        continue
                    if k in cut:
                        _copy_range(new.fileno(), out.fileno(), *cut[k])
                    index[k] = CsvSection(offset, out.tell() - offset, rows.get(k, 0), tuple(sorted(fallback.get(k, ()))))
        result = CsvIndex(header, index, frozenset(rows) if partial else None)
        if path.stat().st_size != result.size:
            raise RuntimeError(f"{path}: {path.stat().st_size} bytes written, the index accounts for {result.size}")
        return result.rows, result
    finally:
        scratch.unlink(missing_ok=True)
        con.unregister("csv_layout")
        for table in ("csv_rows", "csv_amounts"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _copy_range(source: int, target: int, offset: int, length: int) -> None:
    """Append bytes [offset, offset + length) of file descriptor `source` to `target` (in the
    kernel when it can)."""
    done = 0
    while done < length:
        try:
            n = os.copy_file_range(source, target, length - done, offset + done)
        except OSError:
            n = -1
        if n <= 0:  # not supported here (or a short file): read and write
            chunk = os.pread(source, min(length - done, 1 << 20), offset + done)
            if not chunk:
                raise OSError(f"file ends before byte {offset + length}")
            _write_all(target, chunk)
            n = len(chunk)
        done += n


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# Parquet ------------------------------------------------------------------------------------------


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


def _partition_query(name: str, value: str) -> str:
    """The rows of one partition (the same as filtering on partition_key_sql, cheaper)."""
    if PARTITIONED[name] == CHAPTER:
        return f"SELECT * FROM {name} WHERE chapter IS NULL" if value == "none" else f"SELECT * FROM {name} WHERE chapter = {quote(value)}"
    year, _, phase = value.partition("_")
    if year == "none" and phase == "none":  # also the rows of documents not in dim_document
        return (f"SELECT * FROM {name} WHERE document_id IS NULL OR document_id NOT IN "
                "(SELECT document_id FROM dim_document WHERE budget_year IS NOT NULL OR phase IS NOT NULL)")
    year_is = "budget_year IS NULL" if year == "none" else f"budget_year = {int(year)}"
    phase_is = "phase IS NULL" if phase == "none" else f"phase = {quote(phase)}"
    return f"SELECT * FROM {name} WHERE document_id IN (SELECT document_id FROM dim_document WHERE {year_is} AND {phase_is})"


def partition_file(value: str) -> str:
    """`2024_OWB.parquet`, `VII.parquet`, `none_JV.parquet`; a value with other characters than
    letters, digits and '_' is written in hex: `x-<hex>.parquet`."""
    return f"{_stem(value)}.parquet"


def _stem(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9_]+", value) else "x-" + value.encode("utf-8").hex()


def _value(stem: str) -> str:
    return bytes.fromhex(stem[2:]).decode("utf-8") if stem.startswith("x-") else stem


def _stem_sql(value_sql: str) -> str:
    """_stem in SQL."""
    return f"CASE WHEN regexp_full_match({value_sql}, '[A-Za-z0-9_]+') THEN {value_sql} ELSE 'x-' || lower(hex(encode({value_sql}))) END"


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _copy_parquet(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> int:
    # COPY returns the number of rows it wrote.
    return con.execute(f"COPY ({query}) TO {quote(str(target))} (FORMAT parquet, COMPRESSION zstd)").fetchall()[0][0]


def _write_partitioned(
    con: duckdb.DuckDBPyConnection,
    name: str,
    version: Path,
    previous: Path | None,
    changed: frozenset[str] | None,
    previous_counts: dict[str, int],
) -> tuple[dict[str, int], list[str]]:
    """The folder `name/` of a partitioned table: one file per partition. With `previous` (the
    previous set's folder) and `changed`, the partitions not in `changed` are hard links to the
    previous files and only the others are written (or left out when they have no rows now).
    An empty table gets one empty file, so the folder always reads as the table."""
    folder = version / name
    folder.mkdir()
    counts: dict[str, int] = {}
    linked: list[str] = []
    key = partition_key_sql(name)
    if previous is None or changed is None:
        present = {v for (v,) in con.execute(f"SELECT DISTINCT {key} FROM {_partition_source(name)}").fetchall()}
        written = _write_all_partitions(con, name, folder, present)
        if written is not None:
            return written, []
        to_write = present
    else:
        to_write = set(changed)
        for old in sorted(previous.glob("*.parquet")):
            value = _value(old.name.removesuffix(".parquet"))
            rows = previous_counts.get(f"{name}/{old.name}")
            if rows is None:
                rows = _parquet_rows(old)
            if value in changed or rows == 0:  # (an empty file only stands for an empty table)
                continue
            os.link(old, folder / old.name)
            counts[f"{name}/{old.name}"] = rows
            linked.append(f"{name}/{old.name}")
    for value in sorted(to_write):
        file = partition_file(value)
        rows = _copy_parquet(con, _partition_query(name, value), folder / file)
        if rows:
            counts[f"{name}/{file}"] = rows
        else:
            (folder / file).unlink()
    if not counts:
        file = partition_file(_empty_partition(name))
        counts[f"{name}/{file}"] = _copy_parquet(con, f"SELECT * FROM {name}", folder / file)
    _check_total(con, name, counts)
    return counts, linked


def _empty_partition(name: str) -> str:
    return "none_none" if PARTITIONED[name] == DOCUMENT else "none"


def _check_total(con: duckdb.DuckDBPyConnection, name: str, counts: dict[str, int]) -> None:
    total = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    if sum(counts.values()) != total:
        raise RuntimeError(f"export of {name}: {sum(counts.values())} rows in its files, {total} in the table")


def _write_all_partitions(con: duckdb.DuckDBPyConnection, name: str, folder: Path, present: set[str]) -> dict[str, int] | None:
    """Every partition of a table in one pass (DuckDB's partitioned COPY), renamed into place;
    None (and nothing left behind) when DuckDB did not write exactly one file per partition."""
    if not present:
        return None
    scratch = folder / ".partitions"
    con.execute(
        f"COPY (SELECT t.*, {_stem_sql(partition_key_sql(name))} AS __partition FROM {_partition_source(name)}) "
        f"TO {quote(str(scratch))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (__partition))"
    )
    try:
        files = {path.parent.name.removeprefix("__partition="): path for path in scratch.rglob("*.parquet")}
        if len(files) != len(list(scratch.rglob("*.parquet"))) or set(files) != {_stem(v) for v in present}:
            return None
        counts: dict[str, int] = {}
        for value in present:
            file = partition_file(value)
            os.replace(files[_stem(value)], folder / file)
            counts[f"{name}/{file}"] = _parquet_rows(folder / file)
        _check_total(con, name, counts)
        return counts
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class Reuse:
    """What a publication may take over from the previous export set instead of writing it again."""

    previous: Path  # the previous version folder: the one `export` links to, made with the served warehouse
    unchanged: frozenset[str]  # relations whose rows are the same as when `previous` was written
    partitions: dict[str, frozenset[str]]  # changed partitioned tables: the partitions whose rows may have changed
    csv_index: CsvIndex | None  # the previous CSV's index (None: write the CSV whole)
    csv_sections: frozenset[Section] | None  # the CSV's (budget year, phase) sections whose rows may have changed (None: all)
    previous_counts: dict[str, int] = field(default_factory=dict)  # rows of each previous file, by its path in the folder


def write_exports(
    con: duckdb.DuckDBPyConnection, warehouse_dir: Path, relations: list[str], *, reuse: Reuse | None = None
) -> tuple[Path, dict[str, int], CsvIndex, list[str]]:
    """Write every export into a new version folder; returns it, the row count of each file (by
    its path in the folder), the CSV's index and the files linked to the previous ones. Nothing a
    reader sees changes until `activate` links `export` to the folder.

    With `reuse`, the Parquet file of an unchanged relation (or partition) is a hard link to the
    previous one (the files are never written in place, so a link is as good as a copy), and the
    CSV keeps the previous sections not in `reuse.csv_sections`."""
    version = warehouse_dir / VERSIONS_DIR / uuid.uuid4().hex
    version.mkdir(parents=True)
    counts: dict[str, int] = {}
    linked: list[str] = []
    try:
        for name in relations:
            if name in PARTITIONED:
                previous = reuse.previous / name if reuse is not None and (reuse.previous / name).is_dir() else None
                if reuse is None or previous is None:
                    changed = None
                elif name in reuse.unchanged:
                    changed = frozenset()
                else:
                    changed = reuse.partitions.get(name)
                more, more_linked = _write_partitioned(con, name, version, previous, changed, reuse.previous_counts if reuse else {})
                counts.update(more)
                linked += more_linked
                continue
            target = version / f"{name}.parquet"
            if reuse is not None and name in reuse.unchanged and (reuse.previous / target.name).is_file():
                os.link(reuse.previous / target.name, target)
                counts[target.name] = reuse.previous_counts.get(target.name)
                if counts[target.name] is None:
                    counts[target.name] = _parquet_rows(target)
                linked.append(target.name)
                continue
            counts[target.name] = _copy_parquet(con, f"SELECT * FROM {name}", target)
        previous_csv = None
        if reuse is not None and reuse.csv_index is not None and reuse.csv_sections is not None:
            candidate = reuse.previous / CSV_NAME
            if candidate.is_file() and candidate.stat().st_size == reuse.csv_index.size:
                previous_csv = (candidate, reuse.csv_index)
        counts[CSV_NAME], csv_index = write_budgettaire_tabellen(
            con, version / CSV_NAME, previous=previous_csv, sections=set(reuse.csv_sections) if previous_csv else None
        )
        # Durable before `activate` links them: the files written (a link's file already is) and
        # the folders (their entries).
        reused = set(linked)
        for path in sorted(version.rglob("*"), reverse=True):  # files, then their folders
            if path.is_dir() or str(path.relative_to(version)) not in reused:
                fsync(path)
        fsync(version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    return version, counts, csv_index, linked


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
