"""Infer the budget tree of a table, which the text does not show.

Article totals (Verplichtingen, Uitgaven, Ontvangsten) > artikelonderdeel > financial instrument
> regeling. The search combines:
  * codes and the instrument list (hard): a row's known rank must be deeper than its parent's
    (a row without one sits a rank below its parent, so no instrument goes below the instrument
    level); instruments are never siblings of non-instruments. Some rows have two readings: "1."
    is a regeling, or right under a total a numbered artikelonderdeel (never under another
    number); an instrument name printed without values can head rows that are no instruments
    (at a cost, read so only where no instrument reading adds up); "Programma-uitgaven" below a
    total groups the rows below it at its own level;
  * sums (hard): every parent with printed values equals the sum of its children in every column,
    within max(1, n/2) for n children; a not-available or blank cell counts as 0 in a sum;
    a group row without values stands for the sum of its children and needs at least one, except
    the last row of a section printed with empty cells of its own: a leaf with blank cells, adding 0;
  * row order (soft): a row continues the sibling list of the row before it (or opens the list
    of children of that row) unless a code or a sum says otherwise, and rows without a code are
    not nested under leaf-type rows without need. Readings are compared row by row, in printed
    order: the first row where two readings differ decides, in favour of the one that keeps to
    the row order there (a zero row that could close its parent's list early or late belongs to
    the list it follows).
It searches depth-first with backtracking over every reading (and every open placement of a
ragged row), keeps the readings that keep to the row order best, and rejects the table when two
remain.
"Waarvan" rows break down the nearest row above that is not itself a waarvan row; they are kept
as non-additive breakdowns and never enter a sum. One exception: the waarvan rows right after a
row without values are its complete split: they are its only children and add up into it (the
row stands for their sum, as any group row does), so they are additive breakdowns.
Before the search: a row without values ending in a colon ("Rijksbijdrage:") followed by rows
whose labels start in lower case is a prefix of their names, not a row of the tree; a row named
"Programma-uitgaven" or "Apparaatsuitgaven" is the Uitgaven total of a table without an
"Uitgaven" row; a total's name repeated without values inside its own section is a heading.
After it, a structural check refuses what no budget tree has (`check_structure`).
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field

from pipeline.core import labels
from pipeline.core.rows import Cell, Row, tolerance

ARTICLE_RANK = 1
SUB_ARTICLE_RANK = 2
INSTRUMENT_RANK = 3
REGELING_RANK = 4

LEVELS = ("chapter", "article", "sub_article", "instrument", "regeling", "detail", "breakdown")
MAX_STEPS = 200_000


class HierarchyError(ValueError):
    """No single reading of the rows adds up; the message says where."""


@dataclass(slots=True)
class Node:
    row: Row
    measure: str
    level: str
    parent: Node | None
    cells: list[Cell]
    is_additive: bool = True
    children: list[Node] = field(default_factory=list)
    sum_differences: list[int] = field(default_factory=list)  # printed minus sum of children, per column
    prefix: Row | None = None  # the row "Rijksbijdrage:" whose name this row's label continues

    @property
    def label(self) -> str:
        """The full name: the prefix row's label (colon dropped) and the printed label."""
        if self.prefix is None:
            return self.row.label
        return f"{labels.display_label(self.prefix.label)} {labels.display_label(self.row.label)}"

    @property
    def article_code(self) -> str | None:
        node: Node | None = self
        while node is not None:
            if node.level == "article" and node.row.code:
                return node.row.code
            node = node.parent
        return None


def known_rank(row: Row, one_article: bool = False) -> int | None:
    """The rank that a row's code or label fixes. A bare number ("4 Ruimtegebruik bodem") numbers
    an article only in a table that covers a whole chapter, where it heads the article's rows
    without values of its own; a row with values, or any row when the page is of one article
    (`one_article`: the page names it), is an artikelonderdeel."""
    rank = _rank_of(row.code, row.label)
    if rank == ARTICLE_RANK and (one_article or row.has_values):
        return SUB_ARTICLE_RANK
    return rank


@functools.lru_cache(maxsize=1 << 12)
def _rank_of(code: str | None, label: str) -> int | None:
    if code:
        if labels.SUB_ARTICLE_CODE_RE.match(code):
            return SUB_ARTICLE_RANK
        if labels.REGELING_CODE_RE.match(code):
            return REGELING_RANK
        if labels.ARTICLE_CODE_RE.match(code):
            return ARTICLE_RANK
    if labels.is_uitgaven_total(label):
        return None  # "Programma-uitgaven" under Uitgaven groups artikelonderdelen (pages before 2013)
    if labels.canonical_instrument(label):
        return INSTRUMENT_RANK
    if labels.apparaat_item(label):
        return REGELING_RANK
    return None


# Sibling classes, as bits: a node's classes (of its children so far) are their union, an int.
INSTRUMENT_CLASS, ARTICLE_CLASS, OTHER_CLASS = 1, 2, 4


_SIBLING_CLASSES = {INSTRUMENT_RANK: INSTRUMENT_CLASS, ARTICLE_RANK: ARTICLE_CLASS}  # (any other rank: OTHER_CLASS)


def _may_join(classes: int, klass: int) -> bool:
    """Whether a child of class `klass` may join children of `classes`: instruments are never
    siblings of non-instruments, articles never siblings of non-articles."""
    return not classes or (bool(classes & INSTRUMENT_CLASS) == (klass == INSTRUMENT_CLASS) and bool(classes & ARTICLE_CLASS) == (klass == ARTICLE_CLASS))


# Per sibling class, per union of classes: `_may_join`, looked up in the search's inner loop.
_JOINS = {klass: tuple(_may_join(classes, klass) for classes in range(8)) for klass in (INSTRUMENT_CLASS, ARTICLE_CLASS, OTHER_CLASS)}


def infer_tree(rows: list[Row], n_columns: int, *, table_kind: str, cut: bool = False, one_article: bool = False) -> list[Node]:
    """All rows of a table as nodes with parents, levels and settled placements. `cut`: the text
    ends inside the table, so the rows still open at its end (the last row and its ancestors)
    may miss children: their sums are not checked (the table cannot be loaded, only placed).
    `one_article`: the page is of one article (see `known_rank`)."""
    if not rows:
        return []
    rows, prefixes = _strip_prefixes(rows)
    measures = _measures(rows)
    sections: list[tuple[str, Row, list[Row]]] = []
    for row in rows:
        measure = measures.get(row.index)
        if measure is not None:
            sections.append((measure, row, []))
        elif not sections:
            raise HierarchyError(
                f"line {row.line}: row {row.printed_label!r} comes before any Verplichtingen, Uitgaven or Ontvangsten row"
            )
        else:
            sections[-1][2].append(row)
    chapter_table = any(r.code and known_rank(r, one_article) == ARTICLE_RANK for r in rows)
    nodes: list[Node] = []
    for index, (measure, measure_row, members) in enumerate(sections):
        last = cut and index == len(sections) - 1
        nodes.extend(_section(measure, measure_row, members, n_columns, table_kind, chapter_table, last, one_article))
    nodes.sort(key=_ROW_INDEX)
    for node in nodes:
        node.prefix = prefixes.get(node.row.index)
    return nodes


_INDEX = operator.attrgetter("index")  # (of a row)
_ROW_INDEX = operator.attrgetter("row.index")  # (of a node)


def _strip_prefixes(rows: list[Row]) -> tuple[list[Row], dict[int, Row]]:
    """The rows without prefix rows, and the prefix row of each row that continues one: a row
    without values whose label ends in a colon, followed by rows whose labels start in lower case
    ("Rijksbijdrage:", "in kosten heffingskortingen AOW", ...)."""
    kept: list[Row] = []
    prefix_of: dict[int, Row] = {}
    prefix: Row | None = None
    for k, row in enumerate(rows):
        if prefix is not None and _continues_a_name(row):
            prefix_of[row.index] = prefix
            kept.append(row)
            continue
        prefix = None
        following = rows[k + 1] if k + 1 < len(rows) else None
        if (
            labels.clean(row.label).endswith(":")  # (first: few rows end in a colon)
            and not row.has_values
            and row.measure is None
            and not row.is_waarvan
            and following is not None
            and _continues_a_name(following)
        ):
            prefix = row
            continue
        kept.append(row)
    return kept, prefix_of


def _continues_a_name(row: Row) -> bool:
    text = labels.clean(row.label)
    return bool(text) and text[0].islower() and row.code is None and not row.is_waarvan and row.measure is None


def _measures(rows: list[Row]) -> dict[int, str]:
    """The total rows of a table by row index, with their measure. A table without an
    "Uitgaven" row names its Uitgaven total "Programma-uitgaven" or "Apparaatsuitgaven" (the
    first such row with values after another total); a total's name repeated without values
    inside its own section is a heading of that section, any other repeat is refused."""
    has_uitgaven = any(r.measure == "uitgaven" and not r.is_waarvan for r in rows)
    measures: dict[int, str] = {}
    current: str | None = None
    for row in rows:
        if row.is_waarvan:
            continue
        measure = row.measure
        if measure is None and not has_uitgaven and current is not None and row.has_values and labels.is_uitgaven_total(row.label):
            measure = "uitgaven"
            has_uitgaven = True
        if measure is None:
            continue
        if measure in measures.values():
            if measure == current and not row.has_values:
                continue
            raise HierarchyError(f"line {row.line}: a second {row.printed_label!r} row in one table")
        measures[row.index] = current = measure
    return measures


def _section(
    measure: str,
    measure_row: Row,
    members: list[Row],
    n_columns: int,
    table_kind: str,
    chapter_table: bool,
    cut: bool,
    one_article: bool,
) -> list[Node]:
    splits = _complete_splits(members)
    additive = [r for r in members if not r.is_waarvan or r.index in splits]
    ranks = [known_rank(r, one_article) for r in additive]
    parents, placements, as_group = _Search(measure_row, additive, ranks, n_columns, splits, cut, chapter_table).run()
    with_children = set(parents.values())
    root = Node(measure_row, measure, "chapter" if chapter_table else "article", None, placements[measure_row.index])
    by_index: dict[int, Node] = {measure_row.index: root}
    for row, rank in zip(additive, ranks):
        parent = by_index[parents[row.index]]
        node = Node(row, measure, "", parent, placements[row.index])
        if row.index in splits:
            node.level = "breakdown"
        else:
            node.level = _level(row, None if row.index in as_group else rank, parent, table_kind, has_children=row.index in with_children)
        parent.children.append(node)
        by_index[row.index] = node
    # Waarvan rows: breakdowns of the nearest row above that is not a waarvan row.
    previous: Node = root
    ordered = sorted([measure_row, *members], key=_INDEX)
    result = [root]
    for row in ordered[1:]:
        if row.is_waarvan and row.index not in splits:
            if len(row.placements) != 1:
                raise HierarchyError(f"line {row.line}: the values of breakdown row {row.printed_label!r} cannot be placed unambiguously")
            node = Node(row, measure, "breakdown", previous, row.placements[0], is_additive=False)
            result.append(node)
        else:
            previous = by_index[row.index]
            result.append(previous)
    # What each node adds to its parent (its printed amounts, or for a group row without values
    # the sum of its children), children before parents; and where a row with values and
    # children differs from their sum.
    zeros = [0] * n_columns
    adds: dict[int, list[int]] = {}
    for node in reversed(result):
        if not node.is_additive:
            continue
        has_values = _has_values(node.cells)
        if has_values or node.children:
            sums = zeros
            for child in node.children:
                sums = list(map(operator.add, sums, adds[child.row.index]))
        if has_values:
            amounts = [c.value.amount or 0 for c in node.cells]
            if node.children:
                node.sum_differences = list(map(operator.sub, amounts, sums))
            adds[node.row.index] = amounts
        else:
            adds[node.row.index] = sums if node.children else zeros
    return result


def _complete_splits(members: list[Row]) -> dict[int, int]:
    """The waarvan rows right after a row without values, by row index, with that row's index:
    its complete split (its only children, additive)."""
    splits: dict[int, int] = {}
    for k, row in enumerate(members):
        if row.is_waarvan or row.has_values:
            continue
        j = k + 1
        while j < len(members) and members[j].is_waarvan:
            splits[members[j].index] = row.index
            j += 1
    return splits


def check_structure(nodes: list[Node]) -> None:
    """Refuse a tree no budget has: an instrument under an instrument, a regeling (or a row
    below one) above an instrument, a line labelled by a number or a percentage."""
    for node in nodes:
        row = node.row
        if labels.is_number_or_percentage(row.label):
            raise HierarchyError(f"line {row.line}: a row labelled by a number or a percentage ({row.printed_label!r}) cannot be a budget line")
        if node.level != "instrument":
            continue
        ancestor = node.parent
        while ancestor is not None:
            if ancestor.level in ("instrument", "regeling", "detail"):
                raise HierarchyError(
                    f"line {row.line}: instrument {row.printed_label!r} would sit under the {ancestor.level} "
                    f"{ancestor.row.printed_label!r} (line {ancestor.row.line}); an instrument is never below an instrument or a regeling"
                )
            ancestor = ancestor.parent


def _level(row: Row, rank: int | None, parent: Node, table_kind: str, *, has_children: bool = False) -> str:
    """The level of a row read with `rank` (its known rank, or None read as a group heading)."""
    if parent.parent is not None and parent.parent.parent is None and labels.is_uitgaven_total(parent.row.label):
        parent = parent.parent  # below "Programma-uitgaven": the levels below the total
    if rank == REGELING_RANK and row.code is not None and parent.level in ("chapter", "article") and has_children:
        return "sub_article"  # a numbered artikelonderdeel ("1. reguliere klachten" above its instruments)
    if rank == ARTICLE_RANK:
        return "article"
    if rank == SUB_ARTICLE_RANK:
        return "sub_article"
    if rank == INSTRUMENT_RANK:
        return "instrument"
    if rank == REGELING_RANK:
        return "regeling"
    if parent.level in ("chapter",):
        return "article"
    if parent.level == "article":
        return "regeling" if table_kind == "apparaat" else "sub_article"
    if parent.level == "sub_article":
        return "regeling"  # only the instrument list names instruments: the level is skipped
    if parent.level == "instrument":
        return "regeling"
    return "detail"


def _has_values(cells: list[Cell]) -> bool:
    for c in cells:
        if c.value.status != "blank":
            return True
    return False


# An open node of the search: a row placed under a parent, its list of children not yet complete,
# as the tuple (row, index, eff_rank, container, has_values, values, child_sum, n_children, classes):
# `values` its printed amounts (not-available and blank as 0), `child_sum` the sum of its closed
# children per column, `classes` the sibling classes of its children so far. Never changed once
# built: closing a child into it or noting a sibling class makes a new one, so backtracking needs
# no undo (shallower levels are shared between readings). A tuple rather than an object: the
# search builds about two per step, and a tuple is built without a call.
_Open = tuple


def _open(row: Row, eff_rank: int, container: bool, has_values: bool, values: tuple[int, ...], zeros: tuple[int, ...]) -> _Open:
    """A row just placed: no children yet. A row without values stands for the sum of its
    children: it can always take children."""
    return (row, row.index, eff_rank, container or not has_values, has_values, values, zeros, 0, 0)


# The rows placed on a search path, the last first: (row index, parent row index, placement,
# reading, the rows placed before it), or None. (A linked list, so a step adds a row in one tuple
# and backtracking needs no undo.)
_Path = tuple | None

_STEP_COST = operator.itemgetter(0)  # (of a candidate placement in the search)


def _values_or_zero(cells: list[Cell]) -> tuple[int, ...]:
    return tuple([c.value.amount or 0 for c in cells])


class _Search:
    def __init__(self, root: Row, rows: list[Row], ranks: list[int | None], n_columns: int, splits: dict[int, int], cut: bool, chapter_table: bool) -> None:
        self.root = root
        self.chapter_table = chapter_table
        self.cut = cut
        # A complete split: its waarvan rows go under their group row, which takes no other child
        # and under which nothing else goes. Per row: the only parent it may have, or None.
        self.forced = [splits.get(r.index) for r in rows]
        self.exclusive = frozenset(splits) | frozenset(splits.values())
        self.rows = rows
        # The last row of a section, printed with empty cells and without values, has no row after
        # it to head: a leaf with blank cells. (Only the last: earlier, its empty cells could not
        # tell a blank leaf from a heading of the rows after it.)
        self.blank_leaf = rows[-1].index if rows and not rows[-1].has_values and rows[-1].prints_empty_cells else None
        self.n = n_columns
        self.zeros = (0,) * n_columns
        self.steps = 0
        self.best_cost: int | None = None
        self.solutions: list[tuple[dict[int, int], dict[int, list[Cell]], frozenset[int]]] = []
        self.ranks = ranks  # (`known_rank` of each row)
        # Per row, its placements with what the search reads of them, computed once.
        self.placements = [[(cells, _has_values(cells), _values_or_zero(cells)) for cells in r.placements] for r in rows]
        self.sibling_classes = [_SIBLING_CLASSES.get(rank, OTHER_CLASS) for rank in ranks]
        # Per row, its readings: (reading, rank, sibling class, extra cost, whether it may join
        # children of each union of classes). A row numbered "1." is a
        # regeling, or right under the total possibly a numbered artikelonderdeel (with rows of
        # its own below it: see `_reading_rank`). An instrument name
        # printed without values can also head a group of rows that are no instruments
        # ("Materiële uitgaven" above "Decoraties"), at a cost above any step of the instrument
        # reading, so that it is read so only where no instrument reading adds up.
        readings = [
            ((0, rank, klass, 0, _JOINS[klass]), (1, None, OTHER_CLASS, 3, _JOINS[OTHER_CLASS]))
            if rank == INSTRUMENT_RANK and not placements[0][1]
            else ((0, rank, klass, 0, _JOINS[klass]),)
            for placements, rank, klass in zip(self.placements, self.ranks, self.sibling_classes)
        ]
        self.numbered = [rank == REGELING_RANK and r.code is not None for r, rank in zip(rows, self.ranks)]
        # (a numbered row is never below another: the numbers count siblings)
        self.numbered_rows = frozenset(r.index for r, numbered in zip(rows, self.numbered) if numbered)
        # "Programma-uitgaven" groups the rows below it at the level it stands at itself.
        self.transparent = [labels.is_uitgaven_total(r.label) for r in rows]
        # Row-order costs weigh more the earlier the row: a step costs at most 5, so with weights
        # 6**(rows left) comparing totals compares the readings row by row (lexicographically).
        weights = [6 ** (len(rows) - i) for i in range(len(rows))]
        # The row before each row (the root before the first), by index.
        self.previous = [root.index, *(r.index for r in rows[:-1])]
        # The deepest row where the search found a conflict, and the last conflict there: the
        # arguments of its message (formatted only if the table is refused for it).
        self.failure_row = -1
        self.failure: tuple | None = None
        # tolerance(n) by n, for the sum checks (a row has fewer children than the rows after it)
        self.tolerances = _tolerances(len(rows) + 2)
        # What the search reads of each row, in one tuple (a step reads them all).
        self.row_facts = list(
            zip(rows, (r.index for r in rows), self.numbered, self.previous, self.forced, readings, weights, self.placements, self.transparent)
        )

    def run(self) -> tuple[dict[int, int], dict[int, list[Cell]], frozenset[int]]:
        if len(self.root.placements) != 1:
            raise HierarchyError(f"line {self.root.line}: the values of {self.root.printed_label!r} cannot be placed unambiguously")
        self._dfs(0, (self._root_node(),), 0, None, None)
        if not self.solutions:
            explanation = self._explain()
            if explanation is None:
                where = self.rows[self.failure_row] if 0 <= self.failure_row < len(self.rows) else self.root
                explanation = f"first conflict near line {where.line} ({where.printed_label!r})" + (f": {_failure_message(*self.failure)}" if self.failure else "")
            raise HierarchyError(
                f"lines {self.root.line}-{(self.rows[-1].line if self.rows else self.root.line)}: no reading of the rows under "
                f"{self.root.printed_label!r} has every parent equal to the sum of its children "
                f"(tolerance max(1, n/2)); {explanation}"
            )
        if len(self.solutions) > 1:
            a, b = self.solutions[0], self.solutions[1]
            differing = next(
                (
                    r
                    for r in self.rows
                    if a[0].get(r.index) != b[0].get(r.index)
                    or _amounts(a[1][r.index]) != _amounts(b[1][r.index])
                    or (r.index in a[2]) != (r.index in b[2])
                ),
                self.rows[0],
            )
            raise HierarchyError(
                f"lines {self.root.line}-{self.rows[-1].line}: the rows under {self.root.printed_label!r} can be read in two ways "
                f"that both add up (they differ at line {differing.line}, {differing.printed_label!r}); refusing to choose"
            )
        return self.solutions[0]

    def _root_node(self) -> _Open:
        cells = self.root.placements[0]
        # The total's own rank: rows below it rank deeper, and a row without a known rank sits one
        # rank below its parent (an unnumbered artikelonderdeel below an article total, the
        # instrument level below it), so an instrument never goes below the instrument level.
        rank = 0 if self.chapter_table else ARTICLE_RANK
        return _open(self.root, rank, True, _has_values(cells), _values_or_zero(cells), self.zeros)

    def _explain(self) -> str | None:
        """Where the reading that codes, the instrument list and row order prefer stops adding up:
        the first parent (in printed order) whose printed amounts differ from its children's sum."""
        stack = [self._root_node()]
        children: dict[int, list[tuple[Row, list[Cell]]]] = {self.root.index: []}
        prev_parent: int | None = None
        for i, row in enumerate(self.rows):
            rank = self.ranks[i]
            klass = self.sibling_classes[i]
            numbered = self.numbered[i]
            best: tuple[int, int] | None = None
            for level in range(len(stack) - 1, -1, -1):
                _, parent_index, parent_rank, parent_container, _, _, _, _, parent_classes = stack[level]
                if rank is not None and rank <= parent_rank and not (numbered and level == 0):
                    continue
                if numbered and parent_index in self.numbered_rows:
                    continue
                if not _JOINS[klass][parent_classes]:
                    continue
                if not self._may_parent(i, parent_index):
                    continue
                cost = 1 if rank is None and not parent_container else 0
                if prev_parent is not None and parent_index not in (prev_parent, self.previous[i]):
                    cost += 1
                if best is None or cost < best[0]:
                    best = (cost, level)
            if best is None:
                return f"line {row.line}: row {row.printed_label!r} fits under no row above it (codes and instrument list)"
            stack = stack[: best[1] + 1]
            top = stack[-1]
            stack[-1] = top[:8] + (top[8] | klass,)  # (noting the new child's sibling class)
            _, parent_index, parent_rank, *_ = top
            cells, has_values, values = self.placements[i][0]
            children.setdefault(parent_index, []).append((row, cells))
            children.setdefault(row.index, [])
            eff_rank, container = _reading_rank(rank, numbered, best[1], parent_rank, self.transparent[i])
            stack.append(_open(row, eff_rank, container, has_values, values, self.zeros))
            prev_parent = parent_index

        def effective(row: Row, cells: list[Cell]) -> list[int]:
            if _has_values(cells):
                return [c.value.amount or 0 for c in cells]
            total = [0] * self.n
            for child, child_cells in children.get(row.index, []):
                for k, v in enumerate(effective(child, child_cells)):
                    total[k] += v
            return total

        mismatches = []
        for row, cells in [(self.root, self.root.placements[0])] + [(r, r.placements[0]) for r in self.rows]:
            kids = children.get(row.index, [])
            if not kids or not _has_values(cells):
                continue
            total = [0] * self.n
            for child, child_cells in kids:
                for k, v in enumerate(effective(child, child_cells)):
                    total[k] += v
            for k, (cell, sum_k) in enumerate(zip(cells, total)):
                printed = cell.value.amount or 0
                if abs(printed - sum_k) > tolerance(len(kids)):
                    mismatches.append(
                        f"line {row.line}: {row.printed_label!r} prints {printed} in column {k + 1} "
                        f"but its {len(kids)} children sum to {sum_k}"
                    )
                    break
        # A wrong cell shows twice: against its parent and against its children.
        return "; ".join(mismatches[:3]) if mismatches else None

    def _may_parent(self, i: int, parent_index: int) -> bool:
        forced = self.forced[i]
        return parent_index == forced if forced is not None else parent_index not in self.exclusive

    def _found(self, cost: int, path: _Path) -> None:
        """Note the reading on the search path, which adds up: the best so far, or as good. As
        row index -> parent row index, row index -> placement (the root's too), and the rows read
        as a group heading rather than as an instrument."""
        if self.best_cost is None or cost < self.best_cost:
            self.best_cost = cost
            self.solutions = []
        if len(self.solutions) < 2:
            placed = []
            while path is not None:
                placed.append(path[:4])
                path = path[4]
            placed.reverse()
            parents = {index: parent for index, parent, _, _ in placed}
            chosen = {self.root.index: self.root.placements[0], **{index: cells for index, _, cells, _ in placed}}
            self.solutions.append((parents, chosen, frozenset(index for index, _, _, reading in placed if reading)))

    def _sums_match(self, row: Row, values: tuple[int, ...], child_sum: tuple[int, ...], n_children: int, i: int) -> bool:
        """Whether every column of `values` is within the tolerance of its children's sum."""
        if max(map(abs, map(operator.sub, values, child_sum)), default=0) <= self.tolerances[n_children]:
            return True
        if i >= self.failure_row:
            self._fail(i, row, values, child_sum, n_children)
        return False

    def _fail(self, i: int, row: Row, values: tuple[int, ...] | None, child_sum: tuple[int, ...], n_children: int) -> None:
        """Note a conflict met while placing row `i`, at least as deep as any before (see
        `_failure_message`; the callers compare `i` first: most conflicts are shallower)."""
        self.failure_row = i
        self.failure = (row, values, child_sum, n_children)

    def _too_many_steps(self) -> HierarchyError:
        return HierarchyError(
            f"lines {self.root.line}-{self.rows[-1].line}: the hierarchy search under {self.root.printed_label!r} "
            f"exceeded {MAX_STEPS} steps; the table is too ambiguous to read safely"
        )

    def _dfs(self, i: int, stack: tuple[_Open, ...], cost: int, prev_parent: int | None, path: _Path) -> None:
        """Place row i and the rows after it; `stack` holds the open nodes, root first, and
        `path` the rows placed so far."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self._too_many_steps()
        if self.best_cost is not None and cost > self.best_cost:
            return
        at_end = i == len(self.rows)
        if not at_end:
            row, index, numbered, previous_row, forced, readings, weight, placements, transparent = self.row_facts[i]
        elif self.cut:
            self._found(cost, path)  # (the rows still open at the cut may miss children: no sums checked)
            return
        else:
            numbered, previous_row, forced, readings = False, None, None, ()  # (the loop below only closes the open nodes)
        exclusive = self.exclusive
        numbered_rows = self.numbered_rows
        blank_leaf, tolerances, zeros = self.blank_leaf, self.tolerances, self.zeros
        # Candidate parents, deepest first; choosing a shallower one closes the nodes above it,
        # and a node that fails to close fails for every shallower parent too. For each: the
        # sum and count of its children once the nodes above it are closed into it.
        options: list[tuple[int, int, tuple[int, ...], int, int, int | None, int]] = []
        level = len(stack) - 1
        added: tuple[int, ...] | None = None  # what the nodes above it add to the node, once closed
        while True:
            node_row, node_index, node_rank, node_container, node_has_values, node_values, child_sum, n_children, node_classes = stack[level]
            if added is not None:
                child_sum, n_children = tuple(map(operator.add, child_sum, added)), n_children + 1
            if forced is not None:
                allowed = node_index == forced  # (a complete split: codes and classes do not apply)
            else:
                allowed = node_index not in exclusive and not (numbered and node_index in numbered_rows)
            if allowed:
                for reading, rank, klass, extra, joins in readings:
                    if forced is None and not ((rank is None or rank > node_rank or (numbered and level == 0)) and joins[node_classes]):
                        continue
                    # Leaving the sibling list of the row before without a sum forcing it costs 1.
                    leaves_list = prev_parent is not None and node_index != prev_parent and node_index != previous_row
                    step_cost = extra + (rank is None and not node_container) + leaves_list
                    options.append((step_cost, level, child_sum, n_children, reading, rank, klass))
            if level == 0:
                break
            # What the node adds to its parent once its children are complete: its printed amounts
            # (within the tolerance of their sum), or for a group row without values their sum.
            if not node_has_values:
                if n_children:
                    added = child_sum
                elif node_index == blank_leaf:
                    added = zeros
                else:
                    if i >= self.failure_row:
                        self._fail(i, node_row, None, child_sum, 0)
                    break
            else:
                added = node_values
                # (The first column alone refuses most wrong readings: the others are read only then.)
                if n_children and added != child_sum and (
                    abs(added[0] - child_sum[0]) > tolerances[n_children] or max(map(abs, map(operator.sub, added, child_sum))) > tolerances[n_children]
                ):
                    if i >= self.failure_row:
                        self._fail(i, node_row, added, child_sum, n_children)
                    break
            level -= 1
        if at_end:
            # Every open node closed (the loop reached the root), and the root matches its children.
            if level == 0 and not (node_has_values and n_children and node_values != child_sum and not self._sums_match(node_row, node_values, child_sum, n_children, i)):
                self._found(cost, path)
            return
        if len(options) > 1:
            options.sort(key=_STEP_COST)
        for step_cost, level, child_sum, n_children, reading, rank, klass in options:
            child_cost = cost + step_cost * weight
            if self.best_cost is not None and child_cost > self.best_cost:
                # Each call would stop at once (costlier than the best reading): count their
                # steps all the same, so that the step limit means what it always has.
                self.steps += len(placements)
                if self.steps > MAX_STEPS:
                    raise self._too_many_steps()
                continue
            parent = stack[level]
            parent_index, parent_rank = parent[1], parent[2]
            # The parent with its closed children and the new child's sibling class. (This and
            # `_reading_rank` and `_open` inlined: the calls were a tenth of a step's instructions.)
            above = stack[:level] + (parent[:6] + (child_sum, n_children, parent[8] | klass),)
            if numbered and level == 0:
                eff_rank, container = SUB_ARTICLE_RANK, True
            elif transparent:
                eff_rank, container = parent_rank, True
            else:
                eff_rank, container = (rank if rank is not None else parent_rank + 1), rank in _HOLDS_OWN_KIND
            for cells, has_values, values in placements:
                if self.best_cost is not None and child_cost > self.best_cost:
                    self.steps += 1  # (as above: a reading found by an earlier placement)
                    if self.steps > MAX_STEPS:
                        raise self._too_many_steps()
                    continue
                self._dfs(
                    i + 1,
                    above + ((row, index, eff_rank, container or not has_values, has_values, values, zeros, 0, 0),),
                    child_cost,
                    parent_index,
                    (index, parent_index, cells, reading, path),
                )


@functools.lru_cache(maxsize=256)
def _tolerances(count: int) -> tuple[float, ...]:
    """tolerance(n) for n below `count` (most sections have a handful of rows)."""
    return tuple(tolerance(n) for n in range(count))


def _reading_rank(rank: int | None, numbered: bool, level: int, parent_rank: int, transparent: bool = False) -> tuple[int, bool]:
    """The effective rank of a row read with `rank` under a parent at stack `level`, and whether
    it holds rows of its own kind of level (a total, artikelonderdeel or instrument).
    `transparent`: a group of the rows below it at its own level ("Programma-uitgaven")."""
    if numbered and level == 0:
        return SUB_ARTICLE_RANK, True  # "1. reguliere klachten" right under the total
    if transparent:
        return parent_rank, True
    return (rank if rank is not None else parent_rank + 1), rank in _HOLDS_OWN_KIND


_HOLDS_OWN_KIND = (ARTICLE_RANK, SUB_ARTICLE_RANK, INSTRUMENT_RANK)


def _failure_message(row: Row, values: tuple[int, ...] | None, child_sum: tuple[int, ...], n_children: int) -> str:
    """A conflict noted by the search: a group row without values and without children
    (`values` None), or the first column where a row's printed amounts and its children's sum
    differ by more than the tolerance."""
    if values is None:
        return f"group row {row.printed_label!r} (line {row.line}) has no values and no children"
    tol = tolerance(n_children)
    column, printed, total = next((k, printed, total) for k, (printed, total) in enumerate(zip(values, child_sum)) if abs(printed - total) > tol)
    return f"{row.printed_label!r} column {column + 1} prints {printed} but its {n_children} children sum to {total}"


def _amounts(cells: list[Cell]) -> list[int | None]:
    return [c.value.amount for c in cells]
