"""Column headings: what each value column of a table means.

A column has a 1-based position, its heading as printed (headings split over two lines joined),
a kind and a fiscal year. Kinds (stored as `column_kind`):
  realisatie              outcome of a past year
  stand                   the level of the current budget after suppletoire changes
                          (OWB t-1, "Stand 1e/2e suppletoire begroting", "Stand ... Prinsjesdag")
  vastgestelde_begroting  the adopted budget ("Vastgestelde begroting", "Stand begroting (1)")
  ontwerpbegroting        the proposed budget (OWB year t, "Ontwerpbegroting 2020 (1)")
  raming                  multi-year estimate (OWB t+1 .. t+4)
  mutatie                 a change ("Mutaties 1e suppletoire begroting", "Mutatie 2021")
  verschil                realisatie minus vastgestelde begroting (JV)
Column identities (stand = previous level + mutaties; verschil = realisatie - begroting) come
from the printed formulas ("(5)=(3+4)") or, when none are printed, from the sequence of kinds.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from pipeline.core.values import clean

REALISATIE = "realisatie"
STAND = "stand"
VASTGESTELD = "vastgestelde_begroting"
ONTWERP = "ontwerpbegroting"
RAMING = "raming"
MUTATIE = "mutatie"
VERSCHIL = "verschil"
COLUMN_KINDS = (REALISATIE, STAND, VASTGESTELD, ONTWERP, RAMING, MUTATIE, VERSCHIL)
LEVEL_KINDS = (ONTWERP, VASTGESTELD, STAND)

_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_PURE_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")
_MARKER_RE = re.compile(r"\((\d{1,2})\)\s*(?:=|$)|\((\d{1,2})\)\s*$")
_FORMULA_ONLY_RE = re.compile(r"^\(?\s*\d{1,2}\s*\)?\s*=\s*[\d()+\-\s]+$|^=\s*[\d()+\-\s]+$|^\(\s*\d{1,2}\s*\)$")
# A formula or column number on a line of its own that names its column: "(3) = (1+2)", "(4)".
_NUMBERED_FORMULA_RE = re.compile(r"^\(\s*(\d{1,2})\s*\)")
_FORMULA_RE = re.compile(r"\((\d{1,2})\)\s*=\s*(.+)$")
_ANY_MARKER_RE = re.compile(r"\((\d{1,2})\)")
_FORMULA_TOKEN_RE = re.compile(r"\d{1,2}|[+\-]")


# A footnote digit glued to a heading: after a word ("Miljoenennota1"), a formula marker
# ("(1)1") or a year ("Vastgestelde begroting 20221" = 2022, footnote 1).
_GLUED_FOOTNOTE_RE = re.compile(r"(?:(?<=[^\W\d_])|(?<=\))|(?<=(?<!\d)(?:19|20)\d\d))(\d)$")


@functools.lru_cache(maxsize=1 << 16)  # (headings repeat from table to table and page to page)
def footnote_of_heading(text: str) -> tuple[str, str | None]:
    """The heading without the footnote digit glued to its end, and that digit (None: none)."""
    text = clean(text)
    match = _GLUED_FOOTNOTE_RE.search(text)
    if match is None:
        return text, None
    return text[: match.start()], match.group(1)


class HeadingError(ValueError):
    """The headings cannot be read as columns; the message says why."""


@dataclass(slots=True)
class Column:
    position: int
    label: str
    kind: str
    fiscal_year: int | None
    marker: int | None = None
    source_line: int | None = None


@dataclass(slots=True)
class Identity:
    """Column `target` equals the signed sum of `terms` (positions are 1-based)."""

    target: int
    terms: list[tuple[int, int]] = field(default_factory=list)
    source: str = "implied"  # or "printed": a formula in the heading

    def describe(self, columns: list[Column]) -> str:
        def name(pos: int) -> str:
            return f"c{pos}"

        parts = " ".join(("+ " if sign > 0 else "- ") + name(p) for p, sign in self.terms)
        return f"{name(self.target)} = {parts.lstrip('+ ')}"


@dataclass(slots=True)
class Heading:
    text: str
    source_line: int | None


def join_split_headings(cells: list[Heading]) -> list[Heading]:
    """A formula on a line of its own belongs to the heading it names: "(k)" or "(k)=(i+j)" to
    the k-th text heading, wherever it stands (right after a heading, or in a row of formulas
    after all of them); one that names no column ("= (1+2)") to the heading above it."""
    joined: list[Heading] = []
    numbered: list[tuple[int, str]] = []
    for cell in cells:
        text = footnote_of_heading(cell.text)[0]
        if joined and _FORMULA_ONLY_RE.match(text):
            number = _NUMBERED_FORMULA_RE.match(text)
            if number:
                numbered.append((int(number.group(1)), text))
                continue
            previous = joined[-1]
            joined[-1] = Heading(f"{previous.text} {text}", previous.source_line)
        else:
            joined.append(Heading(text, cell.source_line))
    texts = [i for i, h in enumerate(joined) if not _PURE_YEAR_RE.match(h.text)]
    for number, text in numbered:
        if not 1 <= number <= len(texts) or _marker(joined[texts[number - 1]].text) is not None:
            raise HeadingError(f"formula {text!r} names column ({number}), which no heading without a number has")
        target = joined[texts[number - 1]]
        joined[texts[number - 1]] = Heading(f"{target.text} {text}", target.source_line)
    return joined


_HYPHENATION_RE = re.compile(r"(?<=[a-z])-(?=[a-z])")


@functools.lru_cache(maxsize=1 << 16)
def kind_of_heading(text: str) -> str | None:
    # A word hyphenated over a line break ("Vastge-stelde", "Ontwerpbe-groting") is one word.
    lowered = _HYPHENATION_RE.sub("", clean(text).lower())
    if "verschil" in lowered:
        return VERSCHIL
    if "realisatie" in lowered:
        return REALISATIE
    if "mutatie" in lowered:
        return MUTATIE
    if "ontwerp" in lowered:
        return ONTWERP
    if "vastgesteld" in lowered:
        return VASTGESTELD
    if "stand" in lowered:
        return STAND if "suppletoire" in lowered or "najaars" in lowered or "voorjaars" in lowered else VASTGESTELD
    if "raming" in lowered:
        return RAMING
    return None


@functools.lru_cache(maxsize=1 << 12)  # (headings repeat from table to table, as in `kind_of_heading`)
def _marker(text: str) -> int | None:
    match = _ANY_MARKER_RE.search(text)
    return int(match.group(1)) if match else None


@functools.lru_cache(maxsize=1 << 12)
def _year(text: str) -> int | None:
    match = _YEAR_RE.search(text)
    return int(match.group(1)) if match else None


@functools.lru_cache(maxsize=1 << 16)
def is_heading_cell(text: str) -> bool:
    text = footnote_of_heading(text)[0]
    return bool(_PURE_YEAR_RE.match(text) or kind_of_heading(text) or _FORMULA_ONLY_RE.match(text))


def interpret_headings(
    headings: list[Heading], n_columns: int, *, table_year: int | None, budget_year: int | None
) -> tuple[list[Column], list[Identity]]:
    """Turn the heading cells of a table into `n_columns` columns and their identities."""
    cells = join_split_headings([h for h in headings if clean(h.text)])
    years = [c for c in cells if _PURE_YEAR_RE.match(c.text)]
    texts = [c for c in cells if not _PURE_YEAR_RE.match(c.text)]
    kinds = [kind_of_heading(c.text) for c in texts]

    two_line = _two_line_columns(cells, n_columns)
    if two_line is not None:
        return two_line, _printed_identities(two_line) or _implicit_identities(two_line)
    if years and not texts:
        columns = _year_columns(years, n_columns, budget_year)
        return columns, []
    if years and texts and all(kinds):
        columns = _spanning_columns(texts, years, n_columns)
        return columns, _implicit_identities(columns)
    if texts and not years:
        unknown = [c.text for c, k in zip(texts, kinds) if k is None]
        if unknown:
            raise HeadingError(f"column heading not understood: {unknown[0]!r}")
        columns = _text_columns(texts, n_columns, table_year or budget_year)
        identities = _printed_identities(columns) or _implicit_identities(columns)
        return columns, identities
    if not cells:
        raise HeadingError("table has no column headings")
    raise HeadingError(
        "column headings mix years and unrecognised text: " + ", ".join(repr(c.text) for c in cells[:6])
    )


def _two_line_columns(cells: list[Heading], n_columns: int) -> list[Column] | None:
    """Headings over two lines: the first line of every heading ("Realisatie" five times,
    "Vastgestelde", "Verschil"), then the second lines aligned from the left, possibly fewer
    ("2007" .. "2011", "begroting"). None when the cells are not printed that way. A column
    without a year on either line is for the last year printed (JV: begroting and verschil of t)."""
    first = 0
    while first < len(cells) and not _PURE_YEAR_RE.match(cells[first].text) and kind_of_heading(cells[first].text):
        first += 1
    heads, seconds = cells[:first], cells[first:]
    if first != n_columns or not seconds or len(seconds) >= first:
        return None
    if not any(_PURE_YEAR_RE.match(c.text) for c in seconds) or any(kind_of_heading(c.text) and not _PURE_YEAR_RE.match(c.text) for c in seconds):
        return None
    last_year = max(int(c.text) for c in seconds if _PURE_YEAR_RE.match(c.text))
    columns = []
    for pos, head in enumerate(heads, start=1):
        label = f"{head.text} {seconds[pos - 1].text}" if pos <= len(seconds) else head.text
        kind = kind_of_heading(label)
        if kind is None:
            raise HeadingError(f"column heading not understood: {label!r}")
        columns.append(Column(pos, label, kind, _year(label) or last_year, _marker(label), head.source_line))
    return columns


def _year_columns(years: list[Heading], n_columns: int, budget_year: int | None) -> list[Column]:
    """OWB layout: t-2 realisatie, t-1 stand, t ontwerpbegroting, t+1.. raming."""
    if len(years) != n_columns:
        raise HeadingError(f"{len(years)} year headings for {n_columns} value columns")
    values = [int(y.text) for y in years]
    if values != list(range(values[0], values[0] + len(values))):
        raise HeadingError("year headings are not consecutive: " + ", ".join(map(str, values)))
    # The last column of an OWB table is always t+4, whether it prints six or seven years.
    t = budget_year if budget_year is not None else values[-1] - 4
    columns = []
    for pos, (heading, year) in enumerate(zip(years, values), start=1):
        if year < t - 1:
            kind = REALISATIE
        elif year == t - 1:
            kind = STAND
        elif year == t:
            kind = ONTWERP
        else:
            kind = RAMING
        columns.append(Column(pos, heading.text, kind, year, None, heading.source_line))
    return columns


def _spanning_columns(texts: list[Heading], years: list[Heading], n_columns: int) -> list[Column]:
    """JV layout: 'Realisatie' spans several year columns; each later heading spans one."""
    if len(years) != n_columns:
        raise HeadingError(f"{len(years)} year headings for {n_columns} value columns")
    if len(texts) > n_columns:
        raise HeadingError("more column headings than value columns")
    span_first = n_columns - (len(texts) - 1)
    owners = [texts[0]] * span_first + texts[1:]
    columns = []
    for pos, (owner, year) in enumerate(zip(owners, years), start=1):
        label = f"{owner.text} {year.text}"
        columns.append(Column(pos, label, kind_of_heading(owner.text), int(year.text), _marker(owner.text), owner.source_line))
    return columns


def _text_columns(texts: list[Heading], n_columns: int, default_year: int | None) -> list[Column]:
    """Suppletoire layouts: one heading per column, except a two-level 2SUPP heading whose
    sub-column headings follow the last numbered heading but whose values come before it.
    The two-level heading is read from the headings themselves (two sub-headings without a year
    after the last numbered heading, under a numbered mutatie heading without a formula), so a
    row with a value too many cannot turn it into flat columns."""
    heads = list(texts)
    parent_index: int | None = None
    numbered = [i for i, h in enumerate(heads) if _marker(h.text) is not None]
    if numbered:
        last = numbered[-1]
        trailing = heads[last + 1 :]
        candidates = [
            i for i in numbered
            if kind_of_heading(heads[i].text) == MUTATIE and not _FORMULA_RE.search(heads[i].text)
        ]
        without_years = not any(_year(h.text) for h in trailing)
        if len(trailing) == 2 and candidates and (without_years or len(heads) == n_columns + 1):
            parent_index = candidates[-1]
            parent = heads[parent_index]
            subs = [Heading(f"{parent.text}: {s.text}", s.source_line) for s in trailing]
            heads = heads[:parent_index] + subs + heads[parent_index + 1 : last + 1]
    if len(heads) != n_columns:
        raise HeadingError(f"{len(heads)} column headings for {n_columns} value columns")
    columns = []
    for pos, heading in enumerate(heads, start=1):
        kind = kind_of_heading(heading.text.split(":")[-1]) or kind_of_heading(heading.text)
        year = _year(heading.text) or default_year
        columns.append(Column(pos, heading.text, kind, year, _marker(heading.text.split(":")[0]), heading.source_line))
    _t_plus_5_is_a_level(columns)
    return columns


def _t_plus_5_is_a_level(columns: list[Column]) -> None:
    """From 2024 a 1SUPP table prints a column for t+5 headed "Mutatie <t+5>" whose figures are
    levels (the extrapolated budget plus its mutaties), not changes: a raming."""
    stands = {c.fiscal_year for c in columns if c.kind == STAND and c.fiscal_year is not None}
    for col in columns:
        if col.kind == MUTATIE and col.marker is None and col.fiscal_year is not None and col.fiscal_year - 5 in stands:
            col.kind = RAMING


def _printed_identities(columns: list[Column]) -> list[Identity]:
    by_marker: dict[int, list[int]] = {}
    for col in columns:
        if col.marker is not None:
            by_marker.setdefault(col.marker, []).append(col.position)
    identities = []
    for col in columns:
        match = _FORMULA_RE.search(col.label)
        if not match:
            continue
        target_marker = int(match.group(1))
        if by_marker.get(target_marker) != [col.position]:
            continue
        terms: list[tuple[int, int]] = []
        sign = 1
        for token in _FORMULA_TOKEN_RE.findall(match.group(2)):
            if token in "+-":
                sign = 1 if token == "+" else -1
                continue
            positions = by_marker.get(int(token))
            if not positions:
                terms = []
                break
            terms.extend((p, sign) for p in positions)
        if terms:
            identities.append(Identity(col.position, terms, "printed"))
    return identities


def _implicit_identities(columns: list[Column]) -> list[Identity]:
    """level = previous level + the mutaties between them (same year); verschil = realisatie - begroting."""
    identities = []
    for i, col in enumerate(columns):
        if col.kind in LEVEL_KINDS:
            j = i - 1
            mutaties = []
            while j >= 0 and columns[j].kind == MUTATIE and columns[j].fiscal_year == col.fiscal_year:
                mutaties.append(columns[j].position)
                j -= 1
            if mutaties and j >= 0 and columns[j].kind in LEVEL_KINDS and columns[j].fiscal_year == col.fiscal_year:
                terms = [(columns[j].position, 1)] + [(p, 1) for p in reversed(mutaties)]
                identities.append(Identity(col.position, terms))
        elif col.kind == VERSCHIL:
            real = [c for c in columns if c.kind == REALISATIE and c.fiscal_year == col.fiscal_year]
            plan = [c for c in columns if c.kind in LEVEL_KINDS and c.fiscal_year == col.fiscal_year]
            if len(real) == 1 and len(plan) == 1:
                identities.append(Identity(col.position, [(real[0].position, 1), (plan[0].position, -1)]))
    return identities
