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

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.columns import MUTATIE, ONTWERP, RAMING, REALISATIE, STAND, VASTGESTELD, VERSCHIL
from pipeline.sql import sql_text
from pipeline.store.ddl import quote

CSV_NAME = "budgettaire_tabellen.csv"
CSV_DELIMITER = ";"

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
    """The CSV's rows (of the years in csv_rows), in file order: by budget year first."""
    descriptive = ",\n    ".join(f"{expression} AS {_ident(header)}" for header, expression, _ in CSV_COLUMNS)
    # One map per row, header -> amount, and a lookup per column: a filtered aggregate per
    # column would read every amount once per column.
    amounts = ",\n    ".join(f"map_extract_value(a.amounts, {quote(header)}) AS {_ident(header)}" for header in headers)
    return f"""
        WITH a AS (
            SELECT table_id, row_number, map_from_entries(list(struct_pack(k := header, v := amount))) AS amounts
            FROM (SELECT table_id, row_number, header, max(amount_thousand_eur) AS amount FROM csv_amounts GROUP BY ALL)
            GROUP BY table_id, row_number
        )
        SELECT
            {descriptive},
            {amounts}
        FROM csv_rows AS r LEFT JOIN a USING (table_id, row_number)
        ORDER BY r.budget_year, r.phase_order, r.chapter_order, r.chapter, r.article_order, r.article_code,
                 r.document_id, r.table_id, r.row_number
    """


def _prepare_csv(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Fill the temp tables csv_rows and csv_amounts; returns the headers of the printed columns
    that fit no column of the fixed layout (each gets a column of its own)."""
    con.execute(sql_text("export_budgettaire_tabellen.sql"))
    return {header for (header,) in con.execute("SELECT DISTINCT header FROM csv_amounts WHERE header_order IS NULL").fetchall()}


def write_budgettaire_tabellen(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The CSV, from the warehouse being built (`con`, with the staging database attached as
    `staging`); returns its row count."""
    con.register("csv_layout", layout_frame())
    try:
        fallback = _prepare_csv(con)
        return con.execute(
            f"COPY ({_csv_query(_csv_headers(fallback))}) TO {quote(str(path))} (FORMAT csv, HEADER, DELIMITER {quote(CSV_DELIMITER)})"
        ).fetchall()[0][0]
    finally:
        con.unregister("csv_layout")
        for table in ("csv_rows", "csv_amounts"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
