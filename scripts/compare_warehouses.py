"""Compare two published warehouses: every table, view, comment and export file.

    .venv/bin/python scripts/compare_warehouses.py OLD/budget.duckdb NEW/budget.duckdb

Per relation of schema `main`: its columns and types, its row count and a checksum of its rows
(order-independent; loading timestamps left out), and the COMMENTs on it and its columns. Per
file of `export/` beside each warehouse: the same checksum of a Parquet file's rows, the bytes
of the CSV. Prints one line per difference and exits 1 when there is any.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import duckdb

IGNORED_COLUMNS = {"loaded_at"}  # when the rows were loaded, not what they say


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _checksum(con: duckdb.DuckDBPyConnection, source: str) -> tuple[int, int]:
    columns = [d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description if d[0] not in IGNORED_COLUMNS]
    row = ", ".join(_quote(c) for c in columns)
    return tuple(con.execute(f"SELECT count(*), coalesce(sum(hash({row})::HUGEINT), 0) FROM {source}").fetchone())


def describe(warehouse: Path) -> dict[str, object]:
    """Everything the comparison looks at, keyed by what it is."""
    facts: dict[str, object] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = con.execute(
            "SELECT table_name, 'table', comment FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
            "UNION ALL SELECT view_name, 'view', comment FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' "
            "AND NOT internal"
        ).fetchall()
        for name, kind, comment in relations:
            facts[f"{kind} {name}: comment"] = comment
            facts[f"{kind} {name}: columns"] = con.execute(
                "SELECT list((column_name, data_type, comment) ORDER BY column_index) FROM duckdb_columns() "
                "WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?",
                [name],
            ).fetchone()[0]
            facts[f"{kind} {name}: rows and checksum"] = _checksum(con, _quote(name))
        facts["macros"] = sorted(r[0] for r in con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE database_name = current_database() AND schema_name = 'main' "
            "AND function_type IN ('macro', 'table_macro') AND NOT internal"
        ).fetchall())
        export = warehouse.parent / "export"
        for path in sorted(export.rglob("*")) if export.exists() else []:
            name = str(path.relative_to(export))
            if path.suffix == ".parquet":
                facts[f"export {name}: rows and checksum"] = _checksum(con, f"read_parquet('{path}')")
            elif path.is_file():
                facts[f"export {name}: sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    finally:
        con.close()
    return facts


def compare(old: Path, new: Path) -> list[str]:
    before, after = describe(old), describe(new)
    differences = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            differences.append(f"only in {old}: {key}")
        elif key not in before:
            differences.append(f"only in {new}: {key}")
        elif before[key] != after[key]:
            differences.append(f"differs: {key}: {before[key]!r} != {after[key]!r}"[:400])
    return differences


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    old, new = Path(argv[0]), Path(argv[1])
    differences = compare(old, new)
    for line in differences:
        print(line)
    facts = len(describe(new))
    print(f"{old} vs {new}: {len(differences)} difference(s) in {facts} compared facts")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
