"""Every SQL example of the README runs against a warehouse built from the bundled sources and the
made pages it mentions (tests/fixtures/made/), and prints exactly the table under it: an example
can never drift from the warehouse."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, SOURCES
from warehouse_support import KIESRAAD_JV_2020, KIESRAAD_OWB_2020, add_made_pages, build_in_process

# A ```sql block at the start of a line, then (after a blank line) the markdown table it prints.
EXAMPLE = re.compile(r"^```sql\n(?P<sql>.*?)^```\n\n(?P<table>(?:^\|[^\n]*\n)+)", re.S | re.M)
SQL_BLOCK = re.compile(r"^```sql\n", re.M)


def readme_examples() -> list[tuple[str, list[str], list[list[str]]]]:
    """(sql, header, rows) of every example; cells as printed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = []
    for match in EXAMPLE.finditer(text):
        lines = match.group("table").strip("\n").split("\n")
        header, _alignment, *rows = (_cells(line) for line in lines)
        examples.append((match.group("sql"), header, rows))
    return examples


def _cells(line: str) -> list[str]:
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def printed(value: object) -> str:
    """A value as the README prints it: empty for NULL, lists comma-separated."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(printed(v) for v in value)
    return str(value)


@pytest.fixture(scope="module")
def readme_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("readme")
    sources = tmp / "sources"
    shutil.copytree(SOURCES, sources)
    add_made_pages(sources, [KIESRAAD_OWB_2020, KIESRAAD_JV_2020])
    warehouse = tmp / "warehouse" / "budget.duckdb"
    assert build_in_process(sources, warehouse) == 0
    return warehouse


def test_every_sql_example_of_the_readme_has_its_printed_output() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme_examples()) == len(SQL_BLOCK.findall(text)) >= 10


@pytest.mark.parametrize("sql, header, rows", readme_examples(), ids=lambda v: v.split("\n")[0][:60] if isinstance(v, str) else None)
def test_a_readme_example_prints_the_table_under_it(readme_warehouse: Path, sql: str, header: list[str], rows: list[list[str]]) -> None:
    con = duckdb.connect(str(readme_warehouse), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        result = [[printed(v) for v in row] for row in cursor.fetchall()]
    finally:
        con.close()
    assert names == header
    assert result == rows
