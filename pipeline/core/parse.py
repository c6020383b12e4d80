"""Parse one budget page into plain records: tables, cells, lines, amounts, flexibility shares,
rejections and warnings. Pure: text and resolved metadata in, records out.

Every table ends in exactly one state: `loaded` (its numbers become facts), `kept_as_cells`
(a recognised kind that carries no budget facts) or `rejected` (with a reason naming the file,
the table and the line). A rejected table still keeps its cells for lineage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.core import labels
from pipeline.core.columns import Column, HeadingError, Identity, interpret_headings, kind_of_heading
from pipeline.core.hierarchy import HierarchyError, Node, check_structure, infer_tree
from pipeline.core.lines import line_keys
from pipeline.core.metadata import PageIdentity, stable_id
from pipeline.core.rows import Row, RowError, identity_difference, place_values, split_rows, split_rows_unsized, tolerance
from pipeline.core.tables import (
    CODE,
    DECIMAL,
    FACT_KINDS,
    FLEXIBILITY,
    GAP,
    LABEL,
    PERCENT,
    RUN_TOGETHER,
    VALUE,
    RawTable,
    find_tables,
)
from pipeline.core.values import fold_and_strip, parse_percentage

_YEAR_RE = re.compile(r"(?:19|20)\d{2}")  # fullmatch: a year heading; search: a year in a heading
_CAPTION_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_LINE_RE = re.compile(r"lines? (\d+)")
_CAPTION_ARTICLE_RE = re.compile(r"\bart(?:ikel|\.)\s*(\d{1,3}[a-z]?)\b", re.IGNORECASE)

LOADED = "loaded"
REJECTED = "rejected"
KEPT_AS_CELLS = "kept_as_cells"

FLEX_CATEGORIES = {
    "juridisch verplicht": "juridisch verplicht",
    "bestuurlijk gebonden": "bestuurlijk gebonden",
    "beleidsmatig gereserveerd": "beleidsmatig gereserveerd",
    "beleidsmatig verplicht": "beleidsmatig gereserveerd",
    "nog niet ingevuld/vrij te besteden": "nog niet ingevuld/vrij te besteden",
    "nog niet ingevuld / vrij te besteden": "nog niet ingevuld/vrij te besteden",
    "vrij te besteden": "nog niet ingevuld/vrij te besteden",
    "nog niet ingevuld": "nog niet ingevuld/vrij te besteden",
    "complementair noodzakelijk": "complementair noodzakelijk",
}


# The records of the two largest parts, cells and amounts (nine in ten records of a page), are
# kept as tuples in these columns' order while the page is parsed, and taken apart column-wise by
# `build._Block.of`: a tuple is built in one step, where a record was a dict copied and filled
# key by key, and then taken apart key by key again (callgrind: see the commit).
CELL_COLUMNS = ("table_id", "document_id", "cell_order", "row_number", "column_position", "cell_role", "raw_text", "source_line")
AMOUNT_COLUMNS = (
    "document_id", "table_id", "table_kind", "line_id", "measure", "printed_label", "row_number", "column_position",
    "column_label", "column_kind", "fiscal_year", "amount_thousand_eur", "raw_value", "value_status", "footnote_marker", "source_line",
)
_CELL_TABLE_ID = CELL_COLUMNS.index("table_id")
_AMOUNT_TABLE_ID = AMOUNT_COLUMNS.index("table_id")


class RowsAsRecords:
    """A PageResult part kept as row tuples (in `columns` order, in the attribute `rows_attribute`)
    and read as records, like the other parts: a list of dicts, made afresh on every read (so the
    parse appends to the rows, never to the list read). Set from records with exactly these keys."""

    def __init__(self, columns: tuple[str, ...], rows_attribute: str) -> None:
        self.columns = columns
        self.rows_attribute = rows_attribute

    def __get__(self, result: PageResult | None, owner: type | None = None) -> list[dict] | tuple:
        if result is None:
            return ()  # the dataclass field's default: no records
        columns = self.columns
        return [dict(zip(columns, row)) for row in getattr(result, self.rows_attribute)]

    def __set__(self, result: PageResult, records: list[dict] | tuple) -> None:
        for record in records:
            if tuple(record) != self.columns:
                raise ValueError(f"a record of {self.rows_attribute} has the keys {tuple(record)}, not {self.columns}")
        setattr(result, self.rows_attribute, [tuple(record.values()) for record in records])


@dataclass
class PageResult:
    """What the parse of a page produced: per part, its records (lists of dicts). `cells` and
    `amounts` are kept as row tuples (`cell_rows`, `amount_rows`; see RowsAsRecords)."""

    tables: list[dict] = field(default_factory=list)
    cells: list[dict] = RowsAsRecords(CELL_COLUMNS, "cell_rows")  # type: ignore[assignment]
    footnotes: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    amounts: list[dict] = RowsAsRecords(AMOUNT_COLUMNS, "amount_rows")  # type: ignore[assignment]
    flexibility: list[dict] = field(default_factory=list)
    identities: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    derived_budget_year: int | None = None
    # The page's words (pipeline.core.explanations), filled in by build.parse_source.
    explanations: list[dict] = field(default_factory=list)
    instrument_commitments: list[dict] = field(default_factory=list)
    paper_citations: list[dict] = field(default_factory=list)


class TableRejected(Exception):
    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def derive_budget_year(tables: list[RawTable]) -> int | None:
    """The page's year from its flexibility table or its column headings, when unambiguous."""
    candidates: list[int] = []
    for table in tables:
        years = [int(h.text) for h in table.headings if _YEAR_RE.fullmatch(h.text.strip())]
        texts = [h.text for h in table.headings if not _YEAR_RE.fullmatch(h.text.strip())]
        if table.kind == FLEXIBILITY and len(years) == 1:
            candidates.append(years[0])
        elif table.kind in FACT_KINDS and years and not texts and len(years) >= 6:
            candidates.append(years[-1] - 4)
        elif table.kind in FACT_KINDS:
            for text in texts:
                if kind_of_heading(text) in ("ontwerpbegroting", "vastgestelde_begroting", "verschil"):
                    match = _YEAR_RE.search(text)
                    if match:
                        candidates.append(int(match.group(0)))
                        break
            if not texts:
                continue
            jv_years = [y for y in years]
            if jv_years and any(kind_of_heading(t) == "verschil" for t in texts):
                candidates.append(jv_years[-1])
    distinct = sorted(set(candidates))
    return distinct[0] if len(distinct) == 1 else None


def parse_page(text: str, page: PageIdentity, found: tuple[list[RawTable], list[tuple[int, str]]] | None = None) -> PageResult:
    """Parse a page; `found` is the result of `find_tables(text)` when the caller has it."""
    result = PageResult()
    tables, stray_numbers = found if found is not None else find_tables(text)
    text_end = last_text_line(text)
    derived = derive_budget_year(tables)
    result.derived_budget_year = derived
    budget_year = page.budget_year if page.budget_year is not None else derived

    for table in tables:
        table_id = f"{page.document_id}-t{table.ordinal}"
        record = {
            "table_id": table_id,
            "document_id": page.document_id,
            "table_ordinal": table.ordinal,
            "table_number": table.table_number,
            "caption": table.caption,
            "table_kind": table.kind,
            "text_shape": table.shape,
            "unit": table.unit,
            "first_line": table.first_line,
            "last_line": table.last_line,
            "n_columns": None,
            "n_rows": None,
            "status": None,
            "reason": None,
        }
        result.tables.append(record)
        try:
            if table.kind in FACT_KINDS:
                _budget_table(table, table_id, page, budget_year, record, result, text_end)
            elif table.kind == FLEXIBILITY:
                _flexibility_table(table, table_id, page, record, result)
            else:
                _cells_only(table, table_id, page, result)
                record["status"] = KEPT_AS_CELLS
        except TableRejected as rejection:
            record["status"] = REJECTED
            record["reason"] = rejection.reason
            # Keep whatever was emitted before the rejection out of the facts.
            result.lines = [r for r in result.lines if r["table_id"] != table_id]
            result.footnotes = [r for r in result.footnotes if r["table_id"] != table_id]
            result.amount_rows = [r for r in result.amount_rows if r[_AMOUNT_TABLE_ID] != table_id]
            result.flexibility = [r for r in result.flexibility if r["table_id"] != table_id]
            result.identities = [r for r in result.identities if r["table_id"] != table_id]
            if not any(c[_CELL_TABLE_ID] == table_id for c in result.cell_rows):
                _cells_only(table, table_id, page, result)
            result.rejections.append(
                {
                    "document_id": page.document_id,
                    "source_file": page.file,
                    "table_id": table_id,
                    "table_caption": table.caption or f"(table {table.ordinal} without caption)",
                    "source_line": rejection.line if rejection.line is not None else table.first_line,
                    "stage": "parse",
                    "reason": f"{page.file}, table {table.ordinal} ({table.caption or 'no caption'}): {rejection.reason}",
                }
            )
    if stray_numbers:
        first, last = stray_numbers[0][0], stray_numbers[-1][0]
        result.rejections.append(
            {
                "document_id": page.document_id,
                "source_file": page.file,
                "table_id": None,
                "table_caption": None,
                "source_line": first,
                "stage": "parse",
                "reason": (
                    f"{page.file}: {len(stray_numbers)} number cell(s) outside any recognised table "
                    f"(lines {first}-{last}, first {stray_numbers[0][1].strip()!r}); not loaded"
                ),
            }
        )
    if not tables:
        result.warnings.append(_warning(page, "tables", "no table found on the page"))
    return result


def _warning(page: PageIdentity, field_name: str, message: str) -> dict:
    return {"document_id": page.document_id, "source_file": page.file, "field": field_name, "message": message}


def _cells_only(table: RawTable, table_id: str, page: PageIdentity, result: PageResult) -> None:
    order = 0
    for heading in table.headings:
        order += 1
        result.cell_rows.append(_cell(table_id, page, order, None, None, "heading", heading.text, heading.source_line))
    for tok in table.corner:
        order += 1
        result.cell_rows.append(_cell(table_id, page, order, None, None, "corner", tok.text, tok.line))
    for tok in table.body:
        if tok.kind == GAP:
            continue
        order += 1
        result.cell_rows.append(_cell(table_id, page, order, None, None, tok.kind, tok.text, tok.line))
    for tok in (tok for footnote in table.footnotes for tok in footnote.cells):
        order += 1
        result.cell_rows.append(_cell(table_id, page, order, None, None, "footnote", tok.text, tok.line))


def _cell(table_id: str, page: PageIdentity, order: int | None, row: int | None, column: int | None, role: str, raw: str | None, line: int | None) -> tuple:
    """A cell's row, in CELL_COLUMNS order."""
    return (table_id, page.document_id, order, row, column, role, raw, line)


def _n_columns(table: RawTable, rows: list[Row]) -> int:
    """Value columns: the most values any measure row prints (measure rows are never ragged in
    practice), cross-checked against the headings. `rows`: the body read without a column count."""
    counts = [r.n_values for r in rows if r.measure is not None]
    if not counts:
        raise TableRejected(table.first_line, "no Verplichtingen, Uitgaven or Ontvangsten row found")
    return max(counts)


def last_text_line(text: str) -> int:
    """The number of the last line of the page that holds more than whitespace (0: none)."""
    # rstrip drops exactly the characters isspace() calls whitespace, newlines among them.
    rest = text.rstrip()
    return rest.count("\n") + 1 if rest else 0


@dataclass(slots=True)
class PlacedTable:
    """A budget table read and placed: its columns, their identities, its rows in the tree, and
    the line where the page's text ends inside it (None: the table ends before the text does)."""

    columns: list[Column]
    identities: list[Identity]
    n_columns: int
    nodes: list[Node]
    cut_line: int | None


def place_rows(
    table: RawTable, budget_year: int | None, text_end: int, *, one_article: bool = False, refuse_cut: bool = True
) -> PlacedTable:
    """Read a budget table and place its rows in the tree. When the page's text ends inside the
    table (nothing follows it and its last row has fewer values than columns, or none), its
    remaining rows are missing and it can never be proven: refused (TableRejected), or with
    `refuse_cut=False` placed without its cut row and without the sums of the rows still open
    at the cut (see `infer_tree`), for inspection only. `one_article`: the page is of one
    article (its number is known). Raises HeadingError, RowError or HierarchyError when the
    table cannot be read."""
    body = table.body
    # A table that runs to the end of the text is sized on its rows before the last one (which
    # may be cut anywhere, even between a code cell and its label).
    runs_to_end = bool(body) and max(table.last_line, body[-1].line) >= text_end
    complete = _without_last_row(body) if runs_to_end else body
    rows, undecided = split_rows_unsized(complete)
    if complete is not body and not any(r.measure is not None for r in rows):
        complete = body  # (a table of one row)
        rows, undecided = split_rows_unsized(body)
    n_columns = _n_columns(table, rows)
    cut_line = text_end if runs_to_end and _last_row_is_short(body, n_columns) else None
    if cut_line is not None and refuse_cut:
        raise TableRejected(
            cut_line,
            f"line {cut_line}: the text ends inside the table (its last row is cut short and nothing follows); "
            "its remaining rows are missing, so its sums cannot be proven",
        )
    if cut_line is None and complete is not body:
        rows, undecided = split_rows_unsized(body)  # the last row is whole: the table as printed
    if undecided >= n_columns:  # a bare integer after a full row: read again, sized
        rows = split_rows(body if cut_line is None else complete, n_columns)
    if not rows:
        raise TableRejected(table.first_line, "the table has no rows with values")
    table_year = _caption_year(table.caption)
    columns, identities = interpret_headings(table.headings, n_columns, table_year=table_year, budget_year=budget_year)
    for row in rows:
        place_values(row, n_columns, identities)
    nodes = infer_tree(rows, n_columns, table_kind=table.kind, cut=cut_line is not None, one_article=one_article)
    check_structure(nodes)
    return PlacedTable(columns, identities, n_columns, nodes, cut_line)


def _last_row_is_short(body: list, n_columns: int) -> bool:
    """Whether the last row (from the last label cell) holds fewer values than columns."""
    last_label = _last_label(body)
    return last_label is None or sum(1 for t in body[last_label:] if t.kind in (VALUE, DECIMAL)) < n_columns


def _last_label(body: list) -> int | None:
    return max((k for k, t in enumerate(body) if t.kind in (LABEL, PERCENT)), default=None)


def _without_last_row(body: list) -> list:
    """The body without its last row (and that row's code cell)."""
    start = _last_label(body) or 0
    while start > 0 and body[start - 1].kind in (CODE, GAP):
        start -= 1
    return body[:start]


def _budget_table(
    table: RawTable, table_id: str, page: PageIdentity, budget_year: int | None, record: dict, result: PageResult, text_end: int
) -> None:
    if table.shape == RUN_TOGETHER:
        raise TableRejected(table.first_line, table.problem or "cells run together")
    if table.unit == "x € 1 mln":
        raise TableRejected(table.caption_line, f"amounts are in millions ({table.caption!r}); this pipeline loads thousands of euros")
    decimal = None
    for tok in table.body:
        if tok.kind == DECIMAL:
            decimal = tok
            break
    if decimal is not None:
        raise TableRejected(
            decimal.line,
            f"line {decimal.line}: amount {decimal.text.strip()!r} has a decimal comma: amounts in millions, "
            "not thousands of euros; refusing to read them",
        )
    try:
        placed = place_rows(table, budget_year, text_end, one_article=page.article_code is not None)
    except (HeadingError, RowError, HierarchyError) as error:
        raise TableRejected(_line_of(str(error), table.first_line), str(error)) from None
    columns, identities, n_columns, nodes = placed.columns, placed.identities, placed.n_columns, placed.nodes
    record["n_columns"] = n_columns
    record["n_rows"] = len(nodes)
    record["last_line"] = max(max([c.line or 0 for n in nodes for c in n.cells]), nodes[-1].row.line)
    for col in columns:
        if col.fiscal_year is None:
            result.warnings.append(
                _warning(page, "fiscal_year", f"table {table.ordinal}, column {col.position} ({col.label!r}): no year in heading, caption or page")
            )
    _check_identities(nodes, identities, columns, table, page, result)
    _emit_budget(nodes, columns, table, table_id, page, result)
    for number, identity in enumerate(identities, start=1):
        for position, sign in identity.terms:
            result.identities.append(
                {
                    "table_id": table_id,
                    "document_id": page.document_id,
                    "identity_number": number,
                    "target_position": identity.target,
                    "term_position": position,
                    "sign": sign,
                    "source": identity.source,
                }
            )
    record["status"] = LOADED


def _caption_year(caption: str | None) -> int | None:
    if not caption:
        return None
    match = _CAPTION_YEAR_RE.search(caption)
    return int(match.group(1)) if match else None


def _line_of(message: str, default: int) -> int:
    match = _LINE_RE.search(message)
    return int(match.group(1)) if match else default


def _check_identities(nodes: list[Node], identities: list[Identity], columns: list[Column], table: RawTable, page: PageIdentity, result: PageResult) -> None:
    for node in nodes:
        for identity in identities:
            diff = identity_difference(node.cells, identity)
            if diff is None or diff == 0:
                continue
            if abs(diff) > tolerance(len(identity.terms)):
                raise TableRejected(
                    node.row.line,
                    f"line {node.row.line}: row {node.row.printed_label!r} breaks the column identity "
                    f"{identity.describe(columns)} by {diff}",
                )
            result.warnings.append(
                _warning(page, "rounding", f"table {table.ordinal}, line {node.row.line}: {identity.describe(columns)} off by {diff} (rounding)")
            )
        if any(node.sum_differences):
            diffs = {i + 1: d for i, d in enumerate(node.sum_differences) if d}
            result.warnings.append(
                _warning(page, "rounding", f"table {table.ordinal}, line {node.row.line}: {node.row.printed_label!r} differs from the sum of its children by {diffs} (within rounding)")
            )


def _emit_budget(nodes: list[Node], columns: list[Column], table: RawTable, table_id: str, page: PageIdentity, result: PageResult) -> None:
    keys = line_keys(nodes, chapter=page.chapter, article_code=page.article_code)
    document_id = page.document_id
    table_kind = table.kind
    add_cell = result.cell_rows.append
    add_line = result.lines.append
    add_amount = result.amount_rows.append
    clean = fold_and_strip  # labels.clean without its cache: value cells are seldom read twice
    order = 0
    for heading_col in columns:
        order += 1
        add_cell(_cell(table_id, page, order, None, heading_col.position, "heading", heading_col.label, heading_col.source_line))
    for tok in table.corner:
        order += 1
        add_cell(_cell(table_id, page, order, None, None, "corner", tok.text, tok.line))
    for footnote in table.footnotes:
        for tok in footnote.cells:
            order += 1
            add_cell(_cell(table_id, page, order, None, None, "footnote", tok.text, tok.line))
        result.footnotes.append(
            {"document_id": document_id, "table_id": table_id, "marker": footnote.marker, "footnote_text": footnote.text, "source_line": footnote.line}
        )
    column_fields = [(col.position, col.label, col.kind, col.fiscal_year) for col in columns]
    prefixes_kept: set[int] = set()
    for number, node in enumerate(nodes, start=1):
        key = keys[node.row.index]
        row = node.row
        row_line = row.line
        printed_label = row.label.strip()
        line_id = key.line_id
        measure = key.measure
        if node.prefix is not None and node.prefix.index not in prefixes_kept:
            prefixes_kept.add(node.prefix.index)  # a name prefix ("Rijksbijdrage:"): a cell, not a line
            order += 1
            add_cell(_cell(table_id, page, order, None, None, "label", node.prefix.label, node.prefix.line))
        if row.code:
            order += 1
            add_cell(_cell(table_id, page, order, number, None, "code", row.code, row_line))
        order += 1
        add_cell(_cell(table_id, page, order, number, None, "label", row.label, row_line))
        add_line(
            {
                "document_id": document_id,
                "table_id": table_id,
                "row_number": number,
                "line_id": line_id,
                "parent_line_id": key.parent_line_id,
                "path": key.path,
                "chapter": key.chapter,
                "article_code": key.article_code,
                "article_name": page.article_name if key.article_code == page.article_code else None,
                "measure": measure,
                "level": key.level,
                "label": key.label,
                "printed_label": printed_label,
                "printed_code": row.code,
                "sub_article_code": key.sub_article_code,
                "sub_article_name": key.sub_article_name,
                "instrument": key.instrument,
                "regeling": key.regeling,
                "is_additive": node.is_additive,
                "source_line": row_line,
            }
        )
        # A value cell (CELL_COLUMNS) and an amount (AMOUNT_COLUMNS) per column of the row.
        for (position, column_label, column_kind, fiscal_year), cell in zip(column_fields, node.cells):
            value = cell.value
            raw = value.raw
            cell_line = cell.line
            if cell_line is not None:
                order += 1
                add_cell((table_id, document_id, order, number, position, "value", raw, cell_line))
            add_amount((
                document_id, table_id, table_kind, line_id, measure, printed_label, number, position,
                column_label, column_kind, fiscal_year, value.amount, clean(raw), value.status, value.footnote_marker,
                cell_line if cell_line is not None else row_line,
            ))
        for tok in row.kept_cells:  # percentages or unlabelled zeros after this row: cells only
            order += 1
            add_cell(_cell(table_id, page, order, None, None, tok.kind, tok.text, tok.line))


def _flexibility_table(table: RawTable, table_id: str, page: PageIdentity, record: dict, result: PageResult) -> None:
    years = [h for h in table.headings if _YEAR_RE.fullmatch(h.text.strip())]
    if not years:
        raise TableRejected(table.first_line, "flexibility table without a year heading")
    order = 0
    for heading in table.headings:
        order += 1
        result.cell_rows.append(_cell(table_id, page, order, None, None, "heading", heading.text, heading.source_line))
    shares: dict[int, list[tuple[str, float, int]]] = {int(y.text): [] for y in years}
    category: tuple[str, int] | None = None
    values: list = []
    rows: list[tuple[str, int, list]] = []
    for tok in table.body:
        if tok.kind == GAP:
            continue
        if tok.kind == LABEL:
            if category is not None:
                rows.append((category[0], category[1], values))
            category, values = (tok.text, tok.line), []
        elif tok.kind in (PERCENT, VALUE):
            if category is None:
                raise TableRejected(tok.line, f"line {tok.line}: share {tok.text.strip()!r} before any category")
            values.append(tok)
        else:
            raise TableRejected(tok.line, f"line {tok.line}: unexpected cell {tok.text.strip()!r} in a flexibility table")
    if category is not None:
        rows.append((category[0], category[1], values))
    while rows and not rows[-1][2]:
        rows.pop()  # a prose heading after the table
    number = 0
    for label, line, cells in rows:
        number += 1
        order += 1
        result.cell_rows.append(_cell(table_id, page, order, number, None, "label", label, line))
        percents = [c for c in cells if c.kind == PERCENT]
        for position, c in enumerate(cells, start=1):
            order += 1
            result.cell_rows.append(_cell(table_id, page, order, number, position, "value", c.text, c.line))
        if not percents:
            continue  # an amount row (e.g. the total budget): kept as cells
        if len(percents) != len(years):
            raise TableRejected(line, f"line {line}: {len(percents)} shares for {len(years)} year columns")
        key = labels.normalise_label(label)
        canonical = FLEX_CATEGORIES.get(key, key)
        for year, c in zip(years, percents):
            shares[int(year.text)].append((canonical, parse_percentage(c.text) or 0.0, c.line))
    if not any(shares.values()):
        raise TableRejected(table.first_line, "flexibility table without shares")
    for year, entries in shares.items():
        total = round(sum(share for _, share, _ in entries), 6)
        if abs(total - 100) > 1:
            raise TableRejected(entries[0][2] if entries else table.first_line, f"flexibility shares for {year} add up to {total}%, not 100%")
        if total != 100:
            result.warnings.append(_warning(page, "rounding", f"table {table.ordinal}: flexibility shares for {year} add up to {total}% (rounding)"))
        for category_name, share, line in entries:
            result.flexibility.append(
                {
                    "document_id": page.document_id,
                    "table_id": table_id,
                    "article_code": page.article_code or _article_from_caption(table.caption),
                    "fiscal_year": year,
                    "category": category_name,
                    "share_pct": share,
                    "source_line": line,
                }
            )
    record["n_rows"] = number
    record["n_columns"] = len(years)
    record["status"] = LOADED


def _article_from_caption(caption: str | None) -> str | None:
    match = _CAPTION_ARTICLE_RE.search(caption or "")
    return match.group(1) if match else None


__all__ = ["PageResult", "parse_page", "derive_budget_year", "LOADED", "REJECTED", "KEPT_AS_CELLS", "stable_id"]
