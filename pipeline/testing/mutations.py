"""Mutants of generated pages: damage that the checks of a budget table can see, and damage they cannot.

A parse must never load numbers that differ from the page it was given. The checks that can notice
damage are the sums (a parent equals the sum of its children within max(1, n/2)), the column
identities (stand = previous level + mutaties, verschil = realisatie - begroting), the number of
value cells (a row cannot hold more values than the table has columns) and the dialect itself (a
decimal comma, a token that is no value). `random_mutant` produces only mutants that one of these
checks sees whatever way the parser reads the damaged row: for each candidate it enumerates every
placement of the row's values that its gaps allow (see `generator.placements`) and keeps the
mutant only when every such reading breaks a check of the table as printed. Such a mutant must be
rejected, or read back as the original (never as other numbers).

Kinds (`MUTATION_KINDS`):
  drop       a value cell removed
  duplicate  a value cell printed twice
  garble     a value token corrupted: a letter for a digit, a doubled or misplaced separator, a
             decimal comma
  truncate   the table cut off after some value cell
  change     a value changed by more than the tolerance of a check that sees it
  footnote   a footnote marker printed after a value ("0*", "1.347 *", "1.347¹", "1.347 1)",
             "1.347 a)") or in a cell of its own: the original numbers load, or the table is refused

What no check can see is listed in docs/mutations.md and built by the `undetectable_*` functions
below, whose mutants load (with the changed numbers): a documented limitation, not a bug.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from pipeline.testing.generator import (
    BLANK,
    NUMBER,
    Cell,
    ExpectedRow,
    GeneratedPage,
    Layout,
    Node,
    RowRender,
    TableRender,
    compare_table,
    expected_rows,
    identities_hold,
    loaded_tables,
    placements,
    tolerance,
)

MUTATION_KINDS = ("drop", "duplicate", "garble", "truncate", "change", "footnote")
OK_REJECTED, OK_ORIGINAL, MUTANT_WRONG = "rejected", "original", "wrong"


@dataclass
class Mutant:
    kind: str
    description: str
    lines: list[str]
    newline: str
    table: int  # index of the damaged table in the page's tables
    expected_rows: list[ExpectedRow] | None = None  # undetectable mutants: what loads instead

    @property
    def text(self) -> str:
        return self.newline.join(self.lines)


# ----------------------------------------------------------------------------------------------
# The oracle: can a check see it?


def _printed(cells: list[Cell]) -> bool:
    return any(c.status != BLANK for c in cells)


def consistent(
    table: TableRender,
    overrides: dict[int, list[Cell]] | None = None,
    removed: set[int] | None = None,
    extra: tuple[Node, Node] | None = None,
) -> bool:
    """Do all checks of `table` hold with the rows in `overrides` (by id) printing other cells,
    the rows in `removed` gone, and `extra` = (parent, row) a row added under that parent?
    Trailing rows without values are dropped, as the parser does."""
    assert table.tree is not None and table.layout is not None
    overrides = overrides or {}
    removed = removed or set()
    layout = table.layout
    # (a name prefix such as "Rijksbijdrage:" is no row of the tree)
    present = [n for n in table.tree.rows() if id(n) not in removed and not n.name_prefix]
    added: dict[int, list[Node]] = {}
    if extra is not None:
        added[id(extra[0])] = [extra[1]]
        present.append(extra[1])

    def cells(n: Node) -> list[Cell]:
        return overrides.get(id(n), n.cells)

    while present and not _printed(cells(present[-1])) and present[-1] is not (extra[1] if extra else None):
        present.pop()
    present_ids = {id(n) for n in present}

    def kids(n: Node) -> list[Node]:
        return [k for k in n.children if id(k) in present_ids] + added.get(id(n), [])

    def eff(n: Node) -> list[int]:
        if _printed(cells(n)):
            return [c.sum_value for c in cells(n)]
        total = [0] * layout.n
        for k in kids(n):
            for i, v in enumerate(eff(k)):
                total[i] += v
        return total

    def zero(n: Node) -> bool:
        return not kids(n) and not n.is_waarvan and all(c.sum_value == 0 for c in cells(n))

    # Rows another reading may hang elsewhere without changing any sum: all-zero rows, and rows
    # under a group row without values (they may step out of the group). They change how many
    # terms a sum has, and so its tolerance: count them all as possible extra terms.
    movable: dict[str, int] = {}
    for n in present:
        if n.parent is not None and not n.is_waarvan and (zero(n) or not _printed(cells(n.parent))):
            movable[n.measure] = movable.get(n.measure, 0) + 1
    for n in present:
        row_cells = cells(n)
        if not _printed(row_cells):
            if n.is_waarvan or not kids(n):
                return False  # a group row with nothing under it
            continue
        if not identities_hold(row_cells, layout):
            return False
        children = kids(n)
        if n.is_waarvan or not any(not zero(k) for k in children):
            continue  # no children, or only zero rows, which could hang elsewhere
        total = [0] * layout.n
        for k in children:
            for i, v in enumerate(eff(k)):
                total[i] += v
        tol = tolerance(len(children) + movable.get(n.measure, 0))
        if any(abs(c.sum_value - t) > tol for c, t in zip(row_cells, total)):
            return False
    return True


def _column_count(table: TableRender, counts: dict[int, int], removed: set[int]) -> int:
    """What the parser takes for the number of columns: the most values a measure row prints."""
    best = 0
    for row in table.rows:
        if row.node.parent is None and not row.node.is_waarvan and id(row.node) not in removed:
            best = max(best, counts.get(id(row.node), sum(1 for t in row.pattern if t is not None)))
    return best


def _readings(pattern: list[int | None], values: dict[int, Cell], layout: Layout) -> list[list[Cell]]:
    """The placements of a row's values that its gaps and the column identities allow."""
    readable = []
    for option in placements(pattern, layout.n):
        cells = [values[t] if t is not None else Cell(BLANK, None) for t in option]
        if identities_hold(cells, layout):
            readable.append(cells)
    return readable


def detectable(
    table: TableRender,
    row: RowRender,
    pattern: list[int | None],
    values: dict[int, Cell],
    removed: set[int] | None = None,
    split: list[int | None] | None = None,
) -> bool:
    """Is the row printing `pattern` (value ids in `values`, None for gaps) caught by a check,
    whatever placement of its values the parser tries? `split`: the pattern of a row that a
    garbled token split off after it (read as a sibling, a child, or a sibling of an ancestor)."""
    layout = table.layout
    assert layout is not None
    removed = removed or set()
    k = sum(1 for t in pattern if t is not None)
    if _column_count(table, {id(row.node): k}, removed) != layout.n:
        return True  # the headings no longer match the columns
    if k > layout.n:
        return True  # more values than columns
    readable = _readings(pattern, values, layout)
    node = row.node
    if (node.parent is None or (node.is_waarvan and not node.split)) and len(readable) > 1 and id(node) not in removed:
        return True  # a total or breakdown row must be placed by its gaps and identities alone
    if not split or not any(t is not None for t in split):
        return not any(consistent(table, {id(node): cells}, removed) for cells in readable)
    parents = [node] + [a for a in _ancestors(node)]
    for other in _readings(split, values, layout):
        extra = Node("(split)", "regeling", cells=other, values=[c.sum_value for c in other])
        for parent in parents:
            if any(consistent(table, {id(node): cells}, removed, (parent, extra)) for cells in readable):
                return False
    return True


def _ancestors(node: Node) -> list[Node]:
    result = []
    while node.parent is not None:
        result.append(node.parent)
        node = node.parent
    return result


# ----------------------------------------------------------------------------------------------
# Producing mutants


def _value_rows(table: TableRender) -> list[RowRender]:
    return [r for r in table.rows if r.value_at]


def _mutable_tables(page: GeneratedPage) -> list[int]:
    return [
        i
        for i, t in enumerate(page.tables)
        if t.tree is not None and t.expected.status == "loaded" and not t.expected.ambiguous and t.shape in ("cell_per_line", "pipe")
    ]


def random_mutant(page: GeneratedPage, rng: random.Random, kind: str | None = None, attempts: int = 40) -> Mutant | None:
    """A detectable mutant of one of the page's loaded tables, or None when none was found."""
    tables = _mutable_tables(page)
    if not tables:
        return None
    for _ in range(attempts):
        index = rng.choice(tables)
        table = page.tables[index]
        rows = _value_rows(table)
        if not rows:
            continue
        mutation = kind or rng.choice(MUTATION_KINDS)
        row = rng.choice(rows)
        mutant = _MAKERS[mutation](page, index, table, row, rng)
        if mutant is not None:
            return mutant
    return None


def _cell_values(row: RowRender) -> dict[int, Cell]:
    return {col: row.node.cells[col] for col in row.value_at}


def _edit(page: GeneratedPage, table: TableRender, row: RowRender, col: int, new: list[str] | None) -> list[str]:
    """The page's lines with value cell `col` of `row` replaced by the tokens `new` (none: dropped)."""
    lines = list(page.lines)
    line, cell = row.value_at[col]
    if cell is None:
        if new is None:
            end = line + 2 if line + 1 < len(lines) and lines[line + 1] == "" else line + 1
            del lines[line:end]
        else:
            replacement = []
            for token in new:
                replacement.extend([token, ""])
            if line + 1 < len(lines) and lines[line + 1] == "":
                lines[line : line + 2] = replacement
            else:
                lines[line : line + 1] = replacement[:-1]
        return lines
    assert row.parts is not None
    parts = list(row.parts)
    parts[cell : cell + 1] = new or []
    lines[line] = " | ".join(parts) + " |"
    return lines


def _mutant_drop(page: GeneratedPage, index: int, table: TableRender, row: RowRender, rng: random.Random) -> Mutant | None:
    col = rng.choice(sorted(row.value_at))
    pattern = [t for t in row.pattern if t != col]
    if not detectable(table, row, pattern, _cell_values(row)):
        return None
    lines = _edit(page, table, row, col, None)
    return Mutant("drop", f"dropped cell {col + 1} of {row.node.label!r}", lines, page.newline, index)


def _mutant_duplicate(page: GeneratedPage, index: int, table: TableRender, row: RowRender, rng: random.Random) -> Mutant | None:
    col = rng.choice(sorted(row.value_at))
    copy = -1
    pattern: list[int | None] = []
    for t in row.pattern:
        pattern.append(t)
        if t == col:
            pattern.append(copy)
    values = _cell_values(row)
    values[copy] = values[col]
    if not detectable(table, row, pattern, values):
        return None
    token = _token(page, table, row, col)
    lines = _edit(page, table, row, col, [token, token])
    return Mutant("duplicate", f"duplicated cell {col + 1} ({token.strip()!r}) of {row.node.label!r}", lines, page.newline, index)


def _token(page: GeneratedPage, table: TableRender, row: RowRender, col: int) -> str:
    line, cell = row.value_at[col]
    if cell is None:
        return page.lines[line]
    assert row.parts is not None
    return row.parts[cell]


_LOOKALIKES = {"0": "O", "1": "l", "5": "S", "8": "B", "2": "Z", "6": "b", "9": "g"}
_DECIMAL_COMMA_RE = re.compile(r"[-\u2012\u2013\u2212]?\s?\d{1,3}(?:[. ]?\d{3})*,\d+")


def is_decimal_comma(token: str) -> bool:
    """An amount with a decimal comma (millions): it rejects the whole table."""
    return bool(_DECIMAL_COMMA_RE.fullmatch(token.strip()))


def garble(token: str, rng: random.Random) -> str:
    """A corrupted number token: not a value of the dialect (a label), or a decimal comma."""
    text = token.strip()
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    choice = rng.choice(("letter", "letter", "separator", "comma", "stray"))
    if choice == "letter" and any(text[i] in _LOOKALIKES for i in digits):
        i = rng.choice([i for i in digits if text[i] in _LOOKALIKES])
        return text[:i] + _LOOKALIKES[text[i]] + text[i + 1 :]
    if choice == "separator" and ("." in text or " " in text.strip("-\u2012\u2013\u2212 ")):
        sep = "." if "." in text else " "
        i = text.rindex(sep)
        return text[:i] + ".." + text[i + 1 :] if sep == "." else text[:i] + "  ." + text[i + 1 :]
    if choice == "comma":
        if "." in text:
            i = text.rindex(".")
            return text[:i] + "," + text[i + 1 :]
        return text + ",0"
    return text + rng.choice(("*", ")", "x", "#"))


def _mutant_garble(page: GeneratedPage, index: int, table: TableRender, row: RowRender, rng: random.Random) -> Mutant | None:
    col = rng.choice(sorted(row.value_at))
    token = _token(page, table, row, col)
    bad = garble(token, rng)
    if not is_decimal_comma(bad):
        # A token that is no value starts a new row: the row keeps only the values before it.
        # (A gap just before the garbled token stays with the row: a trailing gap.)
        position = row.pattern.index(col)
        prefix, suffix = row.pattern[:position], row.pattern[position + 1 :]
        if not any(t is not None for t in prefix):
            return None  # the row would turn into a group row over the garbled one
        if not detectable(table, row, prefix, _cell_values(row), split=suffix):
            return None
    lines = _edit(page, table, row, col, [bad])
    return Mutant("garble", f"garbled cell {col + 1} of {row.node.label!r}: {token.strip()!r} -> {bad!r}", lines, page.newline, index)


def _mutant_truncate(page: GeneratedPage, index: int, table: TableRender, row: RowRender, rng: random.Random) -> Mutant | None:
    values = [t for t in row.pattern if t is not None]
    keep = rng.randint(0, len(values))
    if keep == 0:
        prefix: list[int | None] = []
    else:
        last = values[keep - 1]
        prefix = row.pattern[: row.pattern.index(last) + 1]
    rows = table.rows
    position = rows.index(row)
    removed = {id(r.node) for r in rows[position + 1 :]}
    if not detectable(table, row, prefix, _cell_values(row), removed):
        return None
    lines = list(page.lines)
    if row.parts is not None:
        # Pipe: the row's line keeps its cells up to the cut; the table's later lines go.
        first_value = min(k for _, k in row.value_at.values() if k is not None)
        kept = [p for p in row.parts[:first_value] if p] if keep == 0 else row.parts[: row.value_at[values[keep - 1]][1] + 1]  # type: ignore[operator]
        lines[row.label_line] = " | ".join(kept)
        del lines[row.label_line + 1 : table.last_line]
    else:
        cut_line = row.label_line if keep == 0 else row.value_at[values[keep - 1]][0]
        end = cut_line + 2 if cut_line + 1 < len(lines) and lines[cut_line + 1] == "" else cut_line + 1
        del lines[end : table.last_line]
    what = f"after cell {values[keep - 1] + 1}" if keep else "after its label"
    return Mutant("truncate", f"table cut off in {row.node.label!r}, {what}", lines, page.newline, index)


def _mutant_change(page: GeneratedPage, index: int, table: TableRender, row: RowRender, rng: random.Random) -> Mutant | None:
    candidates = [c for c in row.value_at if row.node.cells[c].status == NUMBER]
    if not candidates:
        return None
    col = rng.choice(candidates)
    old = row.node.cells[col].amount
    assert old is not None
    delta_kind = rng.choice(("small", "medium", "large", "sign", "digits"))
    if delta_kind == "small":
        new = old + rng.choice((-1, 1)) * rng.randint(2, 6)
    elif delta_kind == "medium":
        new = old + rng.choice((-1, 1)) * rng.randint(10, 999)
    elif delta_kind == "large":
        new = old * 10 + rng.randint(0, 9)
    elif delta_kind == "sign":
        new = -old
    else:
        digits = list(str(abs(old)))
        if len(digits) < 2:
            return None
        i = rng.randrange(len(digits) - 1)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
        new = int("".join(digits)) * (1 if old >= 0 else -1)
    if new == old:
        return None
    values = _cell_values(row)
    values[col] = Cell(NUMBER, new)
    if not detectable(table, row, row.pattern, values):
        return None
    assert table.style is not None
    lines = _edit(page, table, row, col, [table.style.number(new)])
    return Mutant("change", f"cell {col + 1} of {row.node.label!r}: {old} -> {new}", lines, page.newline, index)


FOOTNOTE_MARKERS = ("*", " *", "**", "\u00b9", "\u00b2", " 1)", " 2)", " a)", " b)")


def _mutant_footnote(page: GeneratedPage, index: int, table: TableRender, row: RowRender, rng: random.Random) -> Mutant | None:
    """Not damage but a marker: the value must still read as itself (or the table be refused).
    One in four markers stands in a cell of its own after the value."""
    col = rng.choice(sorted(row.value_at))
    token = _token(page, table, row, col)
    if not re.search(r"\d\s*$", token):
        return None  # pm, nihil, '...': a marker goes after an amount
    marker = rng.choice(FOOTNOTE_MARKERS)
    new = [token, marker.strip()] if rng.random() < 0.25 else [token.rstrip() + marker]
    lines = _edit(page, table, row, col, new)
    return Mutant("footnote", f"footnote marker after cell {col + 1} of {row.node.label!r}: {' / '.join(new)!r}", lines, page.newline, index)


_MAKERS = {
    "drop": _mutant_drop,
    "duplicate": _mutant_duplicate,
    "garble": _mutant_garble,
    "truncate": _mutant_truncate,
    "change": _mutant_change,
    "footnote": _mutant_footnote,
}


# ----------------------------------------------------------------------------------------------
# Judging a parse of a mutant


@dataclass
class MutantOutcome:
    status: str  # rejected | original | wrong
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in (OK_REJECTED, OK_ORIGINAL)


def judge(result, page: GeneratedPage, mutant: Mutant) -> MutantOutcome:
    """A mutant's damaged table must be rejected or read as the original; nothing loaded may
    differ from what the original page holds (or, for an undetectable mutant, from what it
    predicts)."""
    wanted = [t.expected for t in page.tables]
    if mutant.expected_rows is not None:
        wanted = list(wanted)
        original = wanted[mutant.table]
        wanted[mutant.table] = type(original)(original.kind, "loaded", columns=original.columns, rows=mutant.expected_rows)
    details = []
    damaged_status = None
    loaded = loaded_tables(result)
    parsed = [t for t in result.tables if t["table_kind"] in ("budget", "apparaat", "flexibility")]
    same_layout = len(parsed) == len(wanted)
    for table, rows, columns in loaded:
        position = next(i for i, t in enumerate(parsed) if t["table_id"] == table["table_id"])
        if same_layout:
            if compare_table(table, rows, columns, wanted[position]):
                details.append(f"table {position + 1} loaded other numbers: " + "; ".join(compare_table(table, rows, columns, wanted[position])[:3]))
                return MutantOutcome(MUTANT_WRONG, details)
            if position == mutant.table:
                damaged_status = OK_ORIGINAL
        elif not any(w.status == "loaded" and not compare_table(table, rows, columns, w) for w in wanted):
            return MutantOutcome(MUTANT_WRONG, [f"table {position + 1} loaded rows that the page does not hold"])
    if mutant.expected_rows is not None:
        if damaged_status != OK_ORIGINAL:
            return MutantOutcome(MUTANT_WRONG, ["the undetectable mutant did not load as predicted"] + [t["reason"] or "" for t in parsed])
        return MutantOutcome(OK_ORIGINAL, details)
    return MutantOutcome(damaged_status or OK_REJECTED, details)


# ----------------------------------------------------------------------------------------------
# What no check can see (docs/mutations.md): mutants that load, with the numbers they load


def _owb_table(page: GeneratedPage) -> int | None:
    for i in _mutable_tables(page):
        if not page.tables[i].layout.identities():  # type: ignore[union-attr]
            return i
    return None


def _free_columns(layout: Layout) -> list[int]:
    """Columns that take part in no column identity."""
    used = {t for target, terms in layout.identities() for t in [target, *(j for j, _ in terms)]}
    return [i for i in range(layout.n) if i not in used]


def _predict(table: TableRender, changes: dict[tuple[int, int], int]) -> list[ExpectedRow]:
    """The expected rows of `table` with cells (row position, column) set to new amounts."""
    assert table.tree is not None
    rows = expected_rows(table.tree)
    for (position, col), amount in changes.items():
        rows[position].cells = list(rows[position].cells)
        rows[position].cells[col] = Cell(NUMBER, amount)
    return rows


def _set_cells(page: GeneratedPage, table: TableRender, changes: dict[tuple[int, int], int]) -> list[str]:
    lines = list(page.lines)
    assert table.style is not None
    parts_by_line: dict[int, list[str]] = {}
    for (position, col), amount in changes.items():
        row = table.rows[position]
        line, cell = row.value_at[col]
        token = table.style.number(amount)
        if cell is None:
            lines[line] = token
        else:
            parts = parts_by_line.setdefault(line, list(row.parts or []))
            parts[cell] = token
            lines[line] = " | ".join(parts) + " |"
    return lines


def undetectable_sibling_swap(page: GeneratedPage, rng: random.Random) -> Mutant | None:
    """Two sibling rows trade their values in a column that takes part in no identity: every sum
    still holds."""
    for index in _mutable_tables(page):
        table = page.tables[index]
        layout = table.layout
        assert layout is not None
        free = _free_columns(layout)
        positions = {id(r.node): i for i, r in enumerate(table.rows)}
        pairs = []
        for row in table.rows:
            for a in row.node.children:
                for b in row.node.children:
                    if a is b or id(a) > id(b):
                        continue
                    for col in free:
                        ra, rb = table.rows[positions[id(a)]], table.rows[positions[id(b)]]
                        ca, cb = a.cells[col], b.cells[col]
                        if col in ra.value_at and col in rb.value_at and ca.status == cb.status == NUMBER and ca.amount != cb.amount:
                            pairs.append((positions[id(a)], positions[id(b)], col))
        if pairs:
            pa, pb, col = rng.choice(pairs)
            a, b = table.rows[pa].node, table.rows[pb].node
            changes = {(pa, col): b.cells[col].amount, (pb, col): a.cells[col].amount}
            return Mutant(
                "swap", f"{a.label!r} and {b.label!r} swap column {col + 1}", _set_cells(page, table, changes), page.newline, index, _predict(table, changes)  # type: ignore[arg-type]
            )
    return None


def undetectable_rounding_change(page: GeneratedPage, rng: random.Random) -> Mutant | None:
    """A child changes by 1 where its parent's sum allows it (max(1, n/2)), in a column without
    identity: indistinguishable from rounding."""
    for index in _mutable_tables(page):
        table = page.tables[index]
        assert table.layout is not None
        free = _free_columns(table.layout)
        for position, row in enumerate(table.rows):
            node = row.node
            if node.parent is None or node.is_waarvan or not node.parent.printed or len(node.parent.children) < 2:
                continue
            for col in free:
                if col in row.value_at and node.cells[col].status == NUMBER:
                    amount = node.cells[col].amount + rng.choice((-1, 1))  # type: ignore[operator]
                    values = {c: node.cells[c] for c in row.value_at}
                    values[col] = Cell(NUMBER, amount)
                    if detectable(table, row, row.pattern, values):
                        continue
                    changes = {(position, col): amount}
                    return Mutant("rounding", f"{node.label!r} column {col + 1} off by 1", _set_cells(page, table, changes), page.newline, index, _predict(table, changes))
    return None


def undetectable_unchecked_row(page: GeneratedPage, rng: random.Random) -> Mutant | None:
    """A row that no sum and no identity sees (a childless Verplichtingen or Ontvangsten row, a
    waarvan row, in a column without identity) takes any other number."""
    for index in _mutable_tables(page):
        table = page.tables[index]
        assert table.layout is not None
        free = _free_columns(table.layout)
        for position, row in enumerate(table.rows):
            node = row.node
            if node.children or not (node.parent is None or node.is_waarvan):
                continue
            for col in free:
                if col in row.value_at and node.cells[col].status == NUMBER:
                    amount = node.cells[col].amount * 2 + 7  # type: ignore[operator]
                    changes = {(position, col): amount}
                    return Mutant("unchecked", f"{node.label!r} column {col + 1} changed", _set_cells(page, table, changes), page.newline, index, _predict(table, changes))
    return None


def undetectable_consistent_edit(page: GeneratedPage, rng: random.Random) -> Mutant | None:
    """A leaf and every ancestor up to its total change by the same amount: all sums still hold."""
    for index in _mutable_tables(page):
        table = page.tables[index]
        assert table.layout is not None
        free = _free_columns(table.layout)
        positions = {id(r.node): i for i, r in enumerate(table.rows)}
        for position, row in enumerate(table.rows):
            node = row.node
            if node.children or node.parent is None or node.is_waarvan:
                continue
            chain = [node]
            while chain[-1].parent is not None:
                chain.append(chain[-1].parent)
            for col in free:
                printed = [n for n in chain if n.printed]
                if all(col in table.rows[positions[id(n)]].value_at and n.cells[col].status == NUMBER for n in printed):
                    delta = rng.randint(100, 999)
                    changes = {(positions[id(n)], col): n.cells[col].amount + delta for n in printed}  # type: ignore[operator]
                    return Mutant("consistent", f"{node.label!r} and its ancestors column {col + 1} +{delta}", _set_cells(page, table, changes), page.newline, index, _predict(table, changes))
    return None


def undetectable_cut_before_ontvangsten(page: GeneratedPage, rng: random.Random) -> Mutant | None:
    """The table cut off just before its Ontvangsten row: a valid table without Ontvangsten."""
    for index in _mutable_tables(page):
        table = page.tables[index]
        assert table.tree is not None
        last_root = table.tree.roots[-1]
        if last_root.measure != "ontvangsten" or len(table.tree.roots) < 2:
            continue
        position = next(i for i, r in enumerate(table.rows) if r.node is last_root)
        lines = list(page.lines)
        del lines[table.rows[position].label_line : table.last_line]
        return Mutant("cut", "table cut off before Ontvangsten", lines, page.newline, index, expected_rows(table.tree)[:position])
    return None


def undetectable_dropped_code(page: GeneratedPage, rng: random.Random) -> Mutant | None:
    """The code cell of the first artikelonderdeel dropped: same reading, same numbers, no code."""
    for index in _mutable_tables(page):
        table = page.tables[index]
        assert table.tree is not None
        for position, row in enumerate(table.rows):
            node = row.node
            first = node.parent is not None and node.parent.parent is None and node.parent.children[:1] == [node]
            if not first or node.level != "sub_article" or node.code is None or row.parts is not None or not node.printed:
                continue
            if node.zero or all(v == 0 for v in node.values) or page.lines[row.label_line - 2] != node.code:
                continue
            lines = list(page.lines)
            del lines[row.label_line - 2 : row.label_line]
            rows = expected_rows(table.tree)
            rows[position].code = None
            return Mutant("code", f"code {node.code!r} of {node.label!r} dropped", lines, page.newline, index, rows)
    return None


UNDETECTABLE = {
    "sibling_swap": undetectable_sibling_swap,
    "rounding_change": undetectable_rounding_change,
    "unchecked_row": undetectable_unchecked_row,
    "consistent_edit": undetectable_consistent_edit,
    "cut_before_ontvangsten": undetectable_cut_before_ontvangsten,
    "dropped_code": undetectable_dropped_code,
}
