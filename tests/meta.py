"""Read the hand-made `.meta.txt` sidecars of the real fixture pages: expected rows and columns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_VALUE_RE = re.compile(r"^(?P<num>-?\d+(?:\.\d+)?|null)(?:\s*\[(?P<raw>[^\]]*)\])?$")


@dataclass
class ExpectedRow:
    level: str
    code: str | None
    label: str
    values: list[int | None] | None  # None: a group row printed without values


@dataclass
class Meta:
    name: str
    fields: dict[str, str]
    columns: list[str]
    rows: list[ExpectedRow]

    @property
    def page(self) -> str:
        return self.name.replace(".meta.txt", ".txt")


def read_meta(path: Path) -> Meta:
    text = path.read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([a-z_]+):\s*(.*)$", text, re.M))
    columns = re.findall(r"^\s+c\d+:\s*(.*)$", text, re.M)
    rows: list[ExpectedRow] = []
    block = text.split("EXPECTED ROWS", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    for line in block:
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 4:
            continue
        level, code, label, *cells = parts
        if len(cells) == 1 and cells[0].startswith("(no values"):
            values = None
        else:
            values = []
            for cell in cells:
                match = _VALUE_RE.match(cell)
                assert match, f"{path.name}: cannot read expected value {cell!r}"
                values.append(None if match["num"] == "null" else int(float(match["num"])) if "." not in match["num"] else float(match["num"]))
        rows.append(ExpectedRow(level, code or None, label, values))
    return Meta(path.name, fields, columns, rows)
