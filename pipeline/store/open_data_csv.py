"""budgettaire_tabellen.csv: the budget tables in the layout of the official open data
"Budgettaire tabellen" (rijksfinancien.nl).

Semicolon-separated, UTF-8, header row: one row per document, table and budget line, laid out
like the official files: Begrotingsjaar, Fase (the open-data code: PSUPP is 'SBS'), VUO, Totaal
(J for a subtotal row, N for a leaf), Hoofdstuk, Artikel, Artikelonderdeel, Instrument and
Regeling each as number and name, then the amount columns of the phases (CSV_AMOUNT_LAYOUT; a
document fills the columns of its own phase). 'Waarvan' breakdowns are left out (they are never
added into a sum: summing the N rows gives the totals), except the waarvan rows of a complete
split (a row without values whose only children they are): those are additive N rows. Documents
without a budget year or phase are left out.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pandas as pd

from pipeline.core.columns import MUTATIE, ONTWERP, RAMING, REALISATIE, STAND, VASTGESTELD, VERSCHIL
from pipeline.sql import sql_text
from pipeline.store import increment
from pipeline.store.ddl import quote
from pipeline.store.increment import Scope

CSV_NAME = "budgettaire_tabellen.csv"
CSV_DELIMITER = ";"
# Beside the CSV in the export folder: its chunks (one per budget year and phase) and what it was made from.
CSV_INDEX = ".budgettaire_tabellen.json"
READ_BLOCK = 1 << 22  # bytes read at a time when copying or indexing the CSV

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


def _csv_headers(fallback: set[str]) -> list[str]:
    return [column.header for column in CSV_AMOUNT_LAYOUT] + sorted(fallback)


def _csv_query(headers: list[str]) -> str:
    """The CSV's rows (of the chunks in csv_rows), in file order: by budget year and phase first.
    Needs csv_headers(header, position): `headers` numbered from 1."""
    descriptive = ",\n    ".join(f"{expression} AS {_ident(header)}" for header, expression, _ in CSV_COLUMNS)
    # Per row one aggregate per column, on the column's number: one pass over the figures that
    # keeps a number per row and column. Lists of headers and amounts per row with a lookup per
    # column (or a map per row) kept every header string and spilled to disk under the memory
    # limit (10,000 pages: the query took 12.3 CPU-s with lists, 5.5 with these). A CASE per
    # column costs less than a FILTER per aggregate, which slices the rows once per column (the
    # grouping alone 2.0-2.5 -> 1.4-1.7 CPU-s).
    amounts = ",\n    ".join(f"a.amount_{position} AS {_ident(header)}" for position, header in enumerate(headers, 1))
    aggregates = ",\n               ".join(
        f"max(CASE WHEN h.position = {position} THEN f.amount_thousand_eur END) AS amount_{position}"
        for position in range(1, len(headers) + 1)
    )
    return f"""
        WITH a AS (
            SELECT f.table_id, f.row_number,
               {aggregates}
            FROM fact_budget_amount AS f
            JOIN csv_columns AS c USING (table_id, column_position)
            JOIN csv_headers AS h USING (header)
            GROUP BY f.table_id, f.row_number
        )
        SELECT
            {descriptive},
            {amounts}
        FROM csv_rows AS r LEFT JOIN a USING (table_id, row_number)
        ORDER BY r.budget_year, r.phase_order, r.chapter_order, r.chapter, r.article_order, r.article_code,
                 r.document_id, r.table_id, r.row_number
    """


@dataclass(frozen=True)
class ReusableChunks:
    """What a small publication's CSV takes from the previous export: its CSV and index, and the
    chunks computed again (csv_chunks_in_scope.sql)."""

    csv: Path
    index: dict
    changed: list[tuple[int | None, str | None]]


def reusable_chunks(con: duckdb.DuckDBPyConnection, previous: Path | None, scope: Scope | None) -> ReusableChunks | None:
    """The chunks a small publication (`scope`) computes again, when it can copy the others from
    the `previous` export's CSV: made from the served file the publication starts from. Asked on
    the connection holding the publication's temporary tables (pipeline.store.increment); the
    CSV may then be written on another."""
    index = _reusable_index(previous, scope)
    if index is None:
        return None
    return ReusableChunks(previous / CSV_NAME, index, con.execute(sql_text("csv_chunks_in_scope.sql")).fetchall())


def write_budgettaire_tabellen(con: duckdb.DuckDBPyConnection, path: Path, reuse: ReusableChunks | None = None) -> int:
    """The CSV, from the warehouse being built (`con`, with the staging database attached as
    `staging`); returns its row count.

    Its rows come by budget year and phase, so each year and phase is a chunk of the file: an
    index beside it (CSV_INDEX) says how many rows and bytes each chunk has, which columns of its
    own (FALLBACK_DESCRIPTION) it brings, and what warehouse the file was made from. A small
    publication (`reuse`, see reusable_chunks) computes only the chunks its pages changed and
    copies the others' bytes from the previous export's CSV, when the columns stay the same.
    Either way the file is the bytes of one COPY of it all."""
    con.register("csv_layout", layout_frame())
    try:
        index = None
        if reuse is not None:
            con.execute("CREATE OR REPLACE TEMP TABLE csv_chunks (budget_year INTEGER, phase VARCHAR)")
            if reuse.changed:
                con.executemany("INSERT INTO csv_chunks VALUES (?, ?)", reuse.changed)
            index = _write_changed_chunks(con, path, reuse.csv, reuse.index)
        if index is None:
            con.execute("CREATE OR REPLACE TEMP TABLE csv_chunks AS SELECT DISTINCT budget_year, phase FROM dim_document")
            index = _write_chunks(con, path)
        index["made_from"] = increment.pages_digest(con)
        (path.parent / CSV_INDEX).write_text(json.dumps(index, sort_keys=True), encoding="utf-8")
        return sum(chunk["rows"] for chunk in index["chunks"])
    finally:
        con.unregister("csv_layout")
        for table in ("csv_chunks", "csv_documents", "csv_rows", "csv_columns", "csv_headers"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _reusable_index(previous: Path | None, scope: Scope | None) -> dict | None:
    """The previous export's CSV index, when a small publication can take chunks from its CSV:
    made from the served file the publication starts from, and the file as long as it says."""
    if scope is None or previous is None or not (previous / CSV_NAME).is_file():
        return None
    try:
        index = json.loads((previous / CSV_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # an export made before the index: the whole file is written
    if index.get("made_from") != scope.served_pages:
        return None
    if (previous / CSV_NAME).stat().st_size != index["header_bytes"] + sum(chunk["bytes"] for chunk in index["chunks"]):
        return None
    return index


def _write_chunks(con: duckdb.DuckDBPyConnection, path: Path, reused_fallback: Collection[str] = ()) -> dict:
    """Compute the chunks in csv_chunks and COPY them, with the header, to `path`; returns their
    index: the columns, the header's bytes and per chunk (in file order) its year, phase, rows,
    bytes and own columns. `reused_fallback` are the own columns of the chunks taken from elsewhere."""
    con.execute(sql_text("export_budgettaire_tabellen.sql"))
    chunks = [
        {"budget_year": year, "phase": phase, "phase_order": order, "rows": rows, "fallback": fallback}
        for year, phase, order, rows, fallback in con.execute(
            # A chunk may bring columns of its own and no rows (its tables not loaded).
            """WITH own AS (SELECT budget_year, phase, list(DISTINCT header ORDER BY header) AS fallback
                            FROM csv_columns WHERE header_order IS NULL GROUP BY ALL),
                    counted AS (SELECT budget_year, phase, count(*) AS n FROM csv_rows GROUP BY ALL)
               SELECT budget_year, phase, coalesce(p.phase_order, 0), coalesce(c.n, 0), coalesce(o.fallback, [])
               FROM counted AS c FULL JOIN own AS o USING (budget_year, phase) LEFT JOIN dim_phase AS p USING (phase)
               ORDER BY budget_year, 3"""
        ).fetchall()
    ]
    headers = _csv_headers(set(reused_fallback).union(*(chunk["fallback"] for chunk in chunks)))
    con.execute("CREATE OR REPLACE TEMP TABLE csv_headers AS SELECT unnest($1) AS header, generate_subscripts($1, 1) AS position", [headers])
    con.execute(f"COPY ({_csv_query(headers)}) TO {quote(str(path))} (FORMAT csv, HEADER, DELIMITER {quote(CSV_DELIMITER)})").fetchall()
    ends = record_ends(path)
    if len(ends) != 1 + sum(chunk["rows"] for chunk in chunks):
        raise RuntimeError(f"{path}: {len(ends) - 1} records, {sum(chunk['rows'] for chunk in chunks)} rows computed")
    start = 0
    for chunk in chunks:
        chunk["bytes"] = int(ends[start + chunk["rows"]] - ends[start])
        start += chunk["rows"]
    return {"headers": headers, "header_bytes": int(ends[0]), "chunks": chunks}


def _write_changed_chunks(con: duckdb.DuckDBPyConnection, path: Path, previous_csv: Path, previous: dict) -> dict | None:
    """The CSV of a small publication: the chunks in csv_chunks computed, the others' bytes taken
    from `previous_csv` (whose index is `previous`); None when the columns change (a chunk brings
    or no longer brings a column of its own): then every chunk is written again."""
    in_scope = set(con.execute("SELECT budget_year, phase FROM csv_chunks").fetchall())
    reused = [chunk for chunk in previous["chunks"] if (chunk["budget_year"], chunk["phase"]) not in in_scope]
    part = path.with_name(f".{path.name}.changed")
    try:
        changed = _write_chunks(con, part, [header for chunk in reused for header in chunk["fallback"]])
        if changed["headers"] != previous["headers"]:
            return None
        sources = {**_chunk_offsets(previous, previous_csv), **_chunk_offsets(changed, part)}
        chunks = sorted(reused + changed["chunks"], key=lambda chunk: (chunk["budget_year"], chunk["phase_order"]))
        with open(path, "wb") as out:
            _copy_range(part, 0, changed["header_bytes"], out)
            for chunk in chunks:
                _copy_range(*sources[chunk["budget_year"], chunk["phase"]], chunk["bytes"], out)
        return {**changed, "chunks": chunks}
    finally:
        part.unlink(missing_ok=True)


def _chunk_offsets(index: dict, csv: Path) -> dict[tuple[int, str], tuple[Path, int]]:
    """Where each chunk of an index starts in its file."""
    offsets, offset = {}, index["header_bytes"]
    for chunk in index["chunks"]:
        offsets[chunk["budget_year"], chunk["phase"]] = (csv, offset)
        offset += chunk["bytes"]
    return offsets


def _copy_range(source: Path, offset: int, length: int, out: BinaryIO) -> None:
    with open(source, "rb") as handle:
        handle.seek(offset)
        while length > 0:
            block = handle.read(min(length, READ_BLOCK))
            if not block:
                raise RuntimeError(f"{source} is shorter than its index says")
            out.write(block)
            length -= len(block)


def record_ends(path: Path) -> np.ndarray:
    """The byte offsets just past each record of a CSV file: after each line break outside a
    quoted field (one that follows an even number of quote characters; a quote inside a field is
    written doubled)."""
    ends, quotes_before, position = [], 0, 0
    with open(path, "rb") as handle:
        while block := handle.read(READ_BLOCK):
            data = np.frombuffer(block, dtype=np.uint8)
            breaks = np.flatnonzero(data == ord("\n"))
            quotes = np.flatnonzero(data == ord('"'))
            if len(quotes):
                breaks = breaks[(quotes_before + np.searchsorted(quotes, breaks)) % 2 == 0]
            ends.append(breaks + position + 1)
            quotes_before += len(quotes)
            position += len(block)
    return np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
