"""Rows of a table body: code, label and value cells placed into columns.

A row is an optional code cell, a label cell (code and label may share one cell) and up to one
value cell per column. Gaps (whitespace-only lines, empty pipe cells) stand for any number of
empty cells, so a row with fewer values than columns is placed by enumerating where its gaps
can hide the missing cells; the column identities then discard placements that do not add up.
A row whose placement stays open is returned with all its candidate placements, for the
hierarchy search to settle or reject.
"""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, field

from pipeline.core import labels
from pipeline.core.columns import Identity
from pipeline.core.tables import CODE, DECIMAL, GAP, LABEL, PERCENT, STRAY, VALUE, Token
from pipeline.core.values import BLANK, CellValue, is_footnote_marker

MAX_PLACEMENTS = 64
_EMPTY = CellValue(BLANK, None, "")  # the value of an empty cell (frozen: shared by all of them)


class RowError(ValueError):
    """The body cannot be read as rows; the message names the line."""


@dataclass(slots=True)
class Cell:
    value: CellValue
    line: int | None


@dataclass(slots=True)
class Row:
    index: int  # 1-based, in printed order
    code: str | None
    label: str  # as printed (code removed)
    line: int  # the line of the label cell
    items: list[Token] = field(default_factory=list)  # value and gap tokens, in order
    placements: list[list[Cell]] = field(default_factory=list)
    # Cells printed after this row that belong to no line, kept as cells: a row of percentages
    # ("Waarvan juridisch verplicht", "100%"; never a line or a parent) and an unlabelled row
    # of zeros after a full row.
    kept_cells: list[Token] = field(default_factory=list)
    percentages: list[Token] = field(default_factory=list)  # this row's own percentage cells

    @property
    def printed_label(self) -> str:
        return labels.display_label(self.label)

    @property
    def measure(self) -> str | None:
        return labels.measure_of(self.label) if self.code is None or not labels.SUB_ARTICLE_CODE_RE.match(self.code) else None

    @property
    def is_waarvan(self) -> bool:
        return labels.is_waarvan(self.label)

    @property
    def n_values(self) -> int:
        return sum(1 for t in self.items if t.kind in (VALUE, DECIMAL))

    @property
    def has_values(self) -> bool:
        for t in self.items:  # (asked often: stops at the first value, which usually comes first)
            if t.kind == VALUE or t.kind == DECIMAL:
                return True
        return False

    @property
    def prints_empty_cells(self) -> bool:
        """Whether a whitespace line (or an empty pipe cell) follows the label: empty cells of its own."""
        return any(t.kind == GAP for t in self.items)


def split_rows(body: list[Token], n_columns: int | None) -> list[Row]:
    """Group body tokens into rows. `n_columns` decides whether a bare integer after a full
    row is a value or the article code of the next row (tables that cover a whole chapter)."""
    return _split_rows(body, n_columns)[0]


def split_rows_unsized(body: list[Token]) -> tuple[list[Row], int]:
    """`split_rows(body, None)`, and the most values an open row held before a bare integer
    that a known column count could still make an article code (-1: none). `split_rows(body, n)`
    reads the body the same way for every n above that number, so its rows can be reused."""
    return _split_rows(body, None)


def _split_rows(body: list[Token], n_columns: int | None) -> tuple[list[Row], int]:
    undecided = -1
    rows: list[Row] = []
    pending_code: Token | None = None
    current: Row | None = None
    tokens = [t for t in body if t.kind != STRAY]
    last = len(tokens) - 1
    # The cells read one by one: code, label and percentage cells, a value cell before a label
    # (it may be an article code) and a cell that opens a printed (pipe) row. The value, decimal
    # and gap cells between them go to the open row as they are, a run at a time.
    kinds = [t.kind for t in tokens]
    marks = [k for k, kind in enumerate(kinds) if kind != VALUE and kind != GAP and kind != DECIMAL]
    marks += [k - 1 for k in marks if kinds[k] == LABEL and k > 0 and kinds[k - 1] == VALUE]
    if any(map(_opens_printed_row, tokens)):
        marks += [k for k, t in enumerate(tokens) if t.new_row]
    marks = sorted(set(marks))
    marks.append(len(tokens))
    start = 0
    for k in marks:
        if start < k:
            run = tokens[start:k]
            if pending_code is None and current is not None:
                current.items += run
            else:
                cell = next((t for t in run if t.kind != GAP), None)
                if cell is not None and pending_code is not None:
                    raise RowError(f"line {pending_code.line}: code {pending_code.text!r} is not followed by a label")
                if cell is not None:
                    raise RowError(f"line {cell.line}: value {cell.text.strip()!r} before any row label")
        if k > last:
            break
        start = k + 1
        tok = tokens[k]
        if tok.new_row and current is not None and pending_code is None:
            current = None  # pipe tables: a printed row never continues on the next line
        kind = tok.kind
        # A bare integer before a label can be the article code of the next row.
        if kind == VALUE and k < last and tokens[k + 1].kind == LABEL and _looks_like_article_code(tok.text):
            is_code = _is_article_code(tokens, k, current, n_columns)
            if is_code:
                tok.kind = kind = CODE
            elif is_code is None:
                undecided = max(undecided, current.n_values)  # type: ignore[union-attr]
        if kind == CODE:
            if pending_code is not None:
                raise RowError(f"line {tok.line}: two code cells in a row ({pending_code.text!r}, {tok.text!r})")
            pending_code = tok
        elif kind == PERCENT:
            if current is None or pending_code is not None:
                raise RowError(f"line {tok.line}: percentage {tok.text.strip()!r} before any row label")
            current.percentages.append(tok)
        elif kind == LABEL:
            if is_footnote_marker(tok.text):
                raise RowError(f"line {tok.line}: footnote marker {tok.text.strip()!r} in a cell of its own; its amount cannot be told")
            code, label = labels.split_code_and_label(tok.text)
            if pending_code is not None:
                if code is not None:
                    label = tok.text.strip()
                code = labels.clean(pending_code.text)
                pending_code = None
            current = Row(len(rows) + 1, code, label, tok.line)
            rows.append(current)
        # value, decimal or gap
        elif pending_code is not None:
            if kind != GAP:
                raise RowError(f"line {pending_code.line}: code {pending_code.text!r} is not followed by a label")
        elif current is not None:
            current.items.append(tok)
        elif kind != GAP:
            raise RowError(f"line {tok.line}: value {tok.text.strip()!r} before any row label")
    if pending_code is not None:
        raise RowError(f"line {pending_code.line}: code {pending_code.text!r} is not followed by a label")
    rows = _without_percentage_rows(rows)
    # Trailing rows without values are the headings of the prose after the table; a row printed
    # with empty cells of its own is the table's last row (a leaf with blank cells).
    while rows and not rows[-1].has_values and not rows[-1].prints_empty_cells:
        rows.pop()
    return rows, undecided


def _without_percentage_rows(rows: list[Row]) -> list[Row]:
    """Take each row of percentages out of the rows (its label and cells go to the row above, to
    be kept as cells); a row that prints both amounts and percentages cannot be read."""
    kept: list[Row] = []
    for row in rows:
        if not row.percentages:
            kept.append(row)
            continue
        if row.has_values:
            raise RowError(f"line {row.line}: row {row.printed_label!r} prints both amounts and percentages")
        if not kept:
            raise RowError(f"line {row.line}: a row of percentages ({row.printed_label!r}) before any row of amounts")
        label = Token(LABEL, (f"{row.code} " if row.code else "") + row.label, row.line)
        kept[-1].kept_cells += [label, *row.percentages]
    for index, row in enumerate(kept, start=1):
        row.index = index
    return kept


_opens_printed_row = operator.attrgetter("new_row")


@functools.lru_cache(maxsize=1 << 16)
def _looks_like_article_code(text: str) -> bool:
    return labels.ARTICLE_CODE_RE.match(text.strip()) is not None


def _is_article_code(tokens: list[Token], k: int, current: Row | None, n_columns: int | None) -> bool | None:
    """Whether value token k is the article code of the row after it. None (false) when a row
    is open and the column count is not known: a full row could make it a code."""
    tok = tokens[k]
    if tok.value is None or tok.value.status != "number" or not _looks_like_article_code(tok.text):
        return False
    nxt = tokens[k + 1] if k + 1 < len(tokens) else None
    if nxt is None or nxt.kind != LABEL or labels.measure_of(nxt.text) and not tok.new_row:
        return False
    if tok.new_row:
        return True
    if current is not None:
        if n_columns is None:
            return None
        if current.n_values < n_columns:
            return False
    # One cell per line: only when the row it opens is an article heading (a label without values
    # of its own, followed by the article's Verplichtingen/Uitgaven/Ontvangsten rows). Anything
    # else is a value too many for the row before, not a code to guess.
    j = k + 2
    while j < len(tokens) and tokens[j].kind == GAP:
        j += 1
    return j < len(tokens) and tokens[j].kind == LABEL and labels.measure_of(tokens[j].text) is not None


def place_values(row: Row, n_columns: int, identities: list[Identity]) -> None:
    """Fill `row.placements` with every placement of its values that its gaps and the column
    identities allow. Raises RowError when none does."""
    values = [t for t in row.items if t.kind == VALUE or t.kind == DECIMAL]
    k = len(values)
    if _split_unlabelled_zeros(row, n_columns):
        values = [t for t in row.items if t.kind == VALUE or t.kind == DECIMAL]
        k = len(values)
    if k > n_columns:
        raise RowError(f"line {row.line}: row {row.printed_label!r} has {k} value cells for {n_columns} columns")
    if k == n_columns:
        row.placements = [[Cell(t.value if t.value is not None else _value_of(t), t.line) for t in values]]
        return
    # Gap slots: where empty cells may hide. Before the first value, between values, after the last.
    slots_with_gap = [False] * (k + 1)
    seen_values = 0
    for tok in row.items:
        if tok.kind == GAP:
            slots_with_gap[seen_values] = True
        else:
            seen_values += 1
    missing = n_columns - k
    if k == 0:
        row.placements = [[Cell(_EMPTY, None) for _ in range(n_columns)]]
        return
    # A gap before or between values always hides at least one empty cell; the gap after the
    # last value may be only the spacer before the next row.
    open_slots = [i for i, has_gap in enumerate(slots_with_gap) if has_gap]
    minimum = [1 if slot < k else 0 for slot in open_slots]
    if not open_slots:
        # No gap marks where the empty cells are (a ragged row): any slot may hold them.
        open_slots = list(range(k + 1))
        minimum = [0] * len(open_slots)
    if sum(minimum) > missing:
        minimum = [0] * len(open_slots)
    placements = []
    for free in _distributions(missing - sum(minimum), len(open_slots)):
        split = [a + b for a, b in zip(free, minimum)]
        blanks_before = [0] * (k + 1)
        for slot, count in zip(open_slots, split):
            blanks_before[slot] = count
        cells: list[Cell] = []
        for i, tok in enumerate(values):
            cells.extend(Cell(_EMPTY, None) for _ in range(blanks_before[i]))
            cells.append(Cell(_value_of(tok), tok.line))
        cells.extend(Cell(_EMPTY, None) for _ in range(blanks_before[k]))
        if identities_hold(cells, identities):
            placements.append(cells)
        if len(placements) > MAX_PLACEMENTS:
            raise RowError(f"line {row.line}: row {row.printed_label!r} has too many possible placements of its {k} values")
    if not placements:
        raise RowError(
            f"line {row.line}: the {k} values of row {row.printed_label!r} cannot be placed in {n_columns} columns "
            "so that the column identities hold"
        )
    row.placements = placements


def _split_unlabelled_zeros(row: Row, n_columns: int) -> bool:
    """Zeros after the last whitespace line of a row that cannot hold them (more values than
    columns, or more empty cells marked by its gaps than it has columns to spare) are an
    unlabelled row of the source table: not values of this row, kept as cells."""
    items = row.items
    last_gap = len(items) - 1  # (searched from the end: a row's cells usually end with a gap)
    while last_gap >= 0 and items[last_gap].kind != GAP:
        last_gap -= 1
    if last_gap < 0:
        return False
    head, tail = row.items[:last_gap], [t for t in row.items[last_gap + 1 :] if t.kind != GAP]
    if not tail or any(t.kind != VALUE or t.value is None or t.value.status != "number" or t.value.amount != 0 for t in tail):
        return False
    if _fits(row.items, n_columns) or not _fits(head, n_columns):
        return False
    row.items = head
    row.kept_cells = tail + row.kept_cells
    return True


def _fits(items: list[Token], n_columns: int) -> bool:
    """Whether the values fit the columns with an empty cell behind every gap before or between
    them (the trailing gap may be the spacer before the next row)."""
    values = 0
    blanks = 0
    gap_pending = False
    for tok in items:
        if tok.kind == GAP:
            gap_pending = True
        elif tok.kind == VALUE or tok.kind == DECIMAL:
            blanks += gap_pending
            gap_pending = False
            values += 1
    return values + blanks <= n_columns


def _value_of(tok: Token) -> CellValue:
    if tok.value is not None:
        return tok.value
    return CellValue("decimal_comma", None, tok.text)


def _distributions(total: int, parts: int):
    if parts == 1:
        yield (total,)
        return
    for combo in itertools.combinations(range(total + parts - 1), parts - 1):
        prev = -1
        split = []
        for c in combo:
            split.append(c - prev - 1)
            prev = c
        split.append(total + parts - 1 - prev - 1)
        yield tuple(split)


def tolerance(n_terms: int) -> float:
    """Published cells are rounded one by one: a sum of n may be off by max(1, n/2)."""
    return max(1.0, n_terms / 2)


def identity_difference(cells: list[Cell], identity: Identity) -> int | None:
    """target - signed sum of terms, or None when a term is missing (blank, pm, n/a)."""
    target = cells[identity.target - 1].value.amount
    if target is None:
        return None
    total = 0
    for pos, sign in identity.terms:
        amount = cells[pos - 1].value.amount
        if amount is None:
            return None
        total += sign * amount
    return target - total


def identities_hold(cells: list[Cell], identities: list[Identity]) -> bool:
    for identity in identities:
        diff = identity_difference(cells, identity)
        if diff is not None and abs(diff) > tolerance(len(identity.terms)):
            return False
    return True
