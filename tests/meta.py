"""Read the hand-made `.meta.txt` sidecars of the real fixture pages: expected rows and columns,
and where each expected row sits in the tree (its parent, read off the sidecar's levels)."""

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
    # (the section's heading starts a line: a field may mention "EXPECTED ROWS" before it)
    block = text.split("\nEXPECTED ROWS", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
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


# The sidecar's levels, outermost first. A "group" row sits between a total and its
# artikelonderdelen ("Programma-uitgaven", a second "Ontvangsten" heading).
_DEPTH = {"total": 0, "group": 1, "artikelonderdeel": 2, "instrument": 3, "regeling": 4, "subregeling": 5}


def is_name_prefix(rows: list[ExpectedRow], k: int) -> bool:
    """A group row without values ending in a colon, followed by a lower-case label
    ("Rijksbijdrage:", "in kosten heffingskortingen AOW"): a prefix of the names after it."""
    row = rows[k]
    following = rows[k + 1] if k + 1 < len(rows) else None
    return row.level == "group" and row.values is None and row.label.endswith(":") and following is not None and following.label[:1].islower()


def expected_parents(rows: list[ExpectedRow]) -> list[int | None]:
    """Per expected row, the index of its parent row (None for a total): a waarvan row breaks
    down the nearest row above that is not a waarvan row; any other row sits under the nearest
    row above it at a shallower level (name prefixes are no rows of the tree)."""
    parents: list[int | None] = []
    for k, row in enumerate(rows):
        parent = None
        if row.level != "total":
            for j in range(k - 1, -1, -1):
                above = rows[j]
                if above.level == "waarvan" or is_name_prefix(rows, j):
                    continue
                if row.level == "waarvan" or _DEPTH[above.level] < _DEPTH[row.level]:
                    parent = j
                    break
        parents.append(parent)
    return parents


def name_prefix_of(rows: list[ExpectedRow], k: int) -> str | None:
    """The prefix ("Rijksbijdrage") that the name of row k continues, if any."""
    j = k - 1
    while j >= 0 and rows[j].label[:1].islower() and rows[j].level == rows[k].level:
        j -= 1
    return rows[j].label.rstrip(":") if j >= 0 and is_name_prefix(rows, j) else None
