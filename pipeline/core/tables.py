"""Find the tables on a page and read their cells.

A page is a sequence of lines. Three text shapes carry tables:
  cell_per_line  one cell per line, cells separated by blank lines; a whitespace-only line is a
                 *gap*: one or more empty cells whose number the text does not tell
  pipe           a markdown pipe table (`a | b |` rows under a `---|---` line)
  run_together   cells concatenated without separators (`Verplichtingen0000000`): detected, never split
This module finds table regions (caption, headings, body cells) and classifies every cell; it
does not decide what the rows mean. See `rows.py` and `hierarchy.py` for that.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from dataclasses import dataclass, field

from pipeline.core import labels
from pipeline.core.columns import Heading, footnote_of_heading, is_heading_cell
from pipeline.core.values import (
    MINUS_SIGNS,
    CellValue,
    clean,
    fold_and_strip,
    is_decimal_comma,
    parse_percentage,
    plain_amount,
    value_of_cleaned,
)

# Token kinds
GAP = "gap"
VALUE = "value"
DECIMAL = "decimal_comma"
PERCENT = "percentage"
CODE = "code"
LABEL = "label"
STRAY = "stray_heading"

# Table kinds
BUDGET = "budget"
APPARAAT = "apparaat"
FLEXIBILITY = "flexibility"
BEGROTINGSSTAAT = "begrotingsstaat"
VERDIEPINGSBIJLAGE = "verdiepingsbijlage"
BELEIDSPRESTATIES = "beleidsprestaties"
OTHER = "other"
FACT_KINDS = (BUDGET, APPARAAT)
TABLE_KINDS = (BUDGET, APPARAAT, FLEXIBILITY, BEGROTINGSSTAAT, VERDIEPINGSBIJLAGE, BELEIDSPRESTATIES, OTHER)

CELL_PER_LINE = "cell_per_line"
PIPE = "pipe"
RUN_TOGETHER = "run_together"

_BOILERPLATE = (
    "base description which applies to whole site",
    "+toon begrotingsfasen",
    "licence",
    "direct naar (in deze pagina): inhoud, zoekveld of menu.",
)
_PIPE_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|*\s*$")
_UNIT_RE = re.compile(r"^\(?\s*(?:bedragen\s+)?(?:x|×)\s*(?:€|EUR)\s*(?P<unit>1[ .]?000|1\s*mln|1\s*miljoen|mln|miljoen)\s*\)?$", re.IGNORECASE)
_UNIT_INLINE_RE = re.compile(r"(?:x|×)\s*(?:€|EUR)\s*(?P<unit>1[ .]?000(?:[ .]000)?|1\s*mln|mln|miljoen|1\s*miljoen)", re.IGNORECASE)
# The words of a (lowered) caption that name its kind, kinds in order of preference. Plain words
# and `in`: a regex alternation of them searched a line 20x slower (sre tries every word at
# every character; 40 generated pages: caption_kind's searches were ~10% of find_tables).
_CAPTION_KIND_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("budgetflexibiliteit",), FLEXIBILITY),
    (("apparaatsuitgaven", "apparaatuitgaven"), APPARAAT),
    (("budgettaire gevolgen van beleid",), BUDGET),
    (("begrotingsstaat",), BEGROTINGSSTAAT),
    (("verdiepingsbijlage",), VERDIEPINGSBIJLAGE),
    (("beleidsprestatie", "kengetal", "prestatie-indicator", "prestatieindicator", "doelstelling"), BELEIDSPRESTATIES),
)
_ANY_CAPTION_KIND_WORD = tuple(word for words, _kind in _CAPTION_KIND_WORDS for word in words)
_OTHER_CAPTION_RE = re.compile(r"^(?:[a-z]\d?\.?\s+)?tabel\b")
_TABLE_NUMBER_RE = re.compile(r"\bTabel\s+([A-Z]?\d+(?:\.\d+)?[a-z]?)")
# A label glued to a run of numbers ("Verplichtingen0000000", "...onvoorzien2005200620072008",
# "Uitgaven43.33556.191- 13.98642.205", "Uitgaven:\u2013 1.9120"), or a measure label followed by
# numbers on its own line: the run-together shape. The number run starts right at the letter (or
# its colon), or at a minus sign glued to it when at least four digits follow, and runs to the end
# of the line: "Mutatie 2021", "A1" and "COVID-19" are headings and labels, not rows.
# Cells without digits ('...', 'nihil', 'pm') may come first in the run.
_NUMBER_RUN = r"\d[\d.\u00a0 \u2012\u2013\u2212-]*\d\s*$"
_GLUED_CELLS = r"(?:\.\.\.|\u2026|nihil|p\.?m\.?)*"
_RUN_TOGETHER_RE = re.compile(
    rf"[^\W\d_]:?{_GLUED_CELLS}{_NUMBER_RUN}"
    rf"|[^\W\d_]:?{_GLUED_CELLS}[\u2012\u2013\u2212-]\s?(?=(?:\D*\d){{4}}){_NUMBER_RUN}"
    r"|^(?:verplichtingen|uitgaven|ontvangsten):?\s+[\d\u2012\u2013\u2212\-]",
    re.IGNORECASE,
)
_MEASURE_PREFIX_RE = re.compile(r"(?:verplichtingen|uitgaven|ontvangsten)", re.IGNORECASE)
_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")
# A measure label glued to its cells (a number, a minus sign, '...', 'nihil', 'pm'): a row of a
# run-together table.
_GLUED_MEASURE_RE = re.compile(
    r"^(?:verplichtingen|uitgaven|ontvangsten):?(?:\s*[\d\u2012\u2013\u2212\-]|\.\.\.|\u2026|nihil|p\.?m)", re.IGNORECASE
)


@dataclass(slots=True)
class Token:
    kind: str
    text: str
    line: int
    value: CellValue | None = None
    new_row: bool = False  # pipe tables: the first token of a printed row


@dataclass(slots=True)
class RawTable:
    """A table region of a page, its cells classified but not yet interpreted."""

    ordinal: int
    kind: str
    shape: str
    caption: str | None
    caption_line: int | None
    first_line: int
    last_line: int
    unit: str | None
    headings: list[Heading] = field(default_factory=list)
    corner: list[Token] = field(default_factory=list)
    body: list[Token] = field(default_factory=list)
    problem: str | None = None
    footnotes: list[Footnote] = field(default_factory=list)  # printed under the rows

    @property
    def table_number(self) -> str | None:
        if not self.caption:
            return None
        match = _TABLE_NUMBER_RE.search(self.caption)
        return match.group(1) if match else None


@dataclass(slots=True)
class Footnote:
    """A footnote printed under a table: its marker, its text, its line and the cells it took."""

    marker: str
    text: str
    line: int
    cells: list[Token]


@dataclass(slots=True)
class _Cell:
    """A caption cell: its text and line."""

    text: str
    line: int


@dataclass(slots=True)
class _PipeBlock:
    """A markdown pipe table: its header row and its rows, each (line number, cells)."""

    header: tuple[int, list[str]]
    rows: list[tuple[int, list[str]]]


@dataclass(slots=True)
class _Cells:
    """The cells of a page as parallel lists, one object per page rather than one per cell (~600
    per generated page): the non-empty lines, a run of whitespace-only lines as one gap (its first
    line), a pipe table as one block (its header line)."""

    texts: list[str]
    lines: list[int]
    gaps: set[int]  # indices of the gaps
    pipes: dict[int, _PipeBlock]  # index -> the pipe table at that index


def normalise_text(text: str) -> str:
    """UTF-8 text as published: drop a BOM, fold CRLF / CR line endings."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _split_pipe(line: str) -> list[str]:
    parts = line.split("|")
    if parts and parts[-1].strip() == "":
        parts = parts[:-1]
    return [p for p in parts]


def _cells(lines: list[str], has_pipes: bool = True) -> _Cells:
    """The cells of a page. `has_pipes=False` (no '|' on the page) skips the pipe-table test."""
    # `line.isspace()` is `clean(line) == ""` for a non-empty line: no-break spaces are whitespace.
    if has_pipes:
        return _cells_with_pipes(lines)
    # Without pipe tables, in C loops (filter, compress, map) but over the gaps.
    texts = list(filter(None, lines))
    numbers = list(itertools.compress(itertools.count(1), lines))
    gaps = list(itertools.compress(itertools.count(), map(str.isspace, texts)))
    repeated = [k for previous, k in zip(gaps, gaps[1:]) if k == previous + 1]
    if repeated:  # a run of gap lines (empty lines between them) is one gap: keep the first
        keep = [True] * len(texts)
        for k in repeated:
            keep[k] = False
        texts = list(itertools.compress(texts, keep))
        numbers = list(itertools.compress(numbers, keep))
        gaps = itertools.compress(itertools.count(), map(str.isspace, texts))
    return _Cells(texts, numbers, set(gaps), {})


def _cells_with_pipes(lines: list[str]) -> _Cells:
    texts: list[str] = []
    numbers: list[int] = []
    gaps: set[int] = set()
    pipes: dict[int, _PipeBlock] = {}
    last_is_gap = False
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        i += 1  # now the 1-based number of `line`
        if not line:
            continue
        if line.isspace():
            if not last_is_gap:
                gaps.add(len(texts))
                texts.append(line)
                numbers.append(i)
                last_is_gap = True
            continue
        last_is_gap = False
        if "|" in line and i < n and _PIPE_SEPARATOR_RE.match(lines[i]):
            header = (i, [clean(c) for c in _split_pipe(line)])
            rows = []
            j = i + 1
            while j < n and "|" in lines[j]:
                rows.append((j + 1, _split_pipe(lines[j])))
                j += 1
            pipes[len(texts)] = _PipeBlock(header, rows)
            texts.append(line)
            numbers.append(i)
            i = j
            continue
        texts.append(line)
        numbers.append(i)
    return _Cells(texts, numbers, gaps, pipes)


@functools.lru_cache(maxsize=1 << 16)
def is_boilerplate(text: str) -> bool:
    lowered = clean(text).lower()
    return lowered in _BOILERPLATE or lowered.startswith("• download") or lowered == "download pdf"


_DASH_BULLETS = "-\u2012\u2013\u2212"


@functools.lru_cache(maxsize=1 << 16)
def is_prose(text: str) -> bool:
    text = clean(text)
    if value_of_cleaned(text, text) is not None or ("," in text and is_decimal_comma(text)):
        return False
    if labels.is_waarvan(text) and len(text) < 100:
        return False  # '- waarvan incidenteel': a breakdown row, not a bullet
    if text.startswith("•") and len(text) > 2:
        return True
    if text[:1] in _DASH_BULLETS and len(text) > 2:
        # A dash followed by letters: a label ("– Overige inzet") unless the rest reads as prose;
        # followed by digits it is a negative amount (read above).
        text = text[1:].strip()
        if len(text.split(None, 12)) >= 12:
            return True
    words = len(text.split(None, 12))  # the word count up to 13: only >= 12 and >= 6 matter
    if len(text) >= 100 and words >= 12:
        return True
    return text.endswith((".", ":", ";", "?")) and words >= 6 and not labels.measure_of(text)


# Tests met mostly by prose lines, which rarely repeat: a small cache keeps the hits (the same
# table captions and units) without holding a worker's prose (-32 MB per worker at 1,600 pages).
@functools.lru_cache(maxsize=1 << 12)
def caption_kind(text: str) -> str | None:
    """The table kind a caption names; None when the line is not a caption."""
    cleaned = clean(text)
    if len(cleaned) > 250:
        return None  # (lowering never shortens a text: the test below would say the same)
    lowered = cleaned.lower()
    if not _names_a_kind(lowered) and not ("tabel" in lowered and _OTHER_CAPTION_RE.match(lowered)):
        return None  # names no table kind (the checks below would all fail); most prose is spared is_prose
    if len(lowered) > 250 or is_prose(text) and not lowered.startswith("tabel"):
        return None
    if _RUN_TOGETHER_RE.search(lowered):
        return None  # "Apparaatsuitgaven5.41410.092...": a row of a run-together table
    for words, kind in _CAPTION_KIND_WORDS:
        for word in words:
            if word in lowered:
                return kind
    if _OTHER_CAPTION_RE.match(lowered):
        return OTHER
    return None


def _names_a_kind(lowered: str) -> bool:
    for word in _ANY_CAPTION_KIND_WORD:
        if word in lowered:
            return True
    return False


@functools.lru_cache(maxsize=1 << 12)
def unit_of(text: str) -> str | None:
    if "\u20ac" not in text and "eur" not in text.lower():
        return None  # no unit without its currency (most cells: spared both searches)
    match = _UNIT_RE.match(clean(text)) or _UNIT_INLINE_RE.search(clean(text))
    if not match:
        return None
    unit = match.group("unit").lower()
    return "x € 1 mln" if "m" in unit else "x € 1.000"


# A prose line opens no table, but each test that says so misses its cache on it (prose rarely
# repeats; 400 generated pages: find_tables 0.88 -> 0.69 CPU-s). A line longer than any caption
# can only open a table by a unit or a measure label, which _may_open_long tells in C calls.
_LONGEST_CAPTION = 250  # caption_kind: None for a longer text (clean's length is `len(text.strip())`)
# A measure label opens measure_of's and _GLUED_MEASURE_RE's texts after clean, which only folds
# no-break spaces (whitespace to `\s` too) and strips whitespace.
_MEASURE_START_RE = re.compile(r"\s*(?:totaal\s+|totale\s+)?(?:verplichtingen|uitgaven|ontvangsten)", re.IGNORECASE)


def _may_open_long(text: str) -> bool:
    """False when a text is none of a caption, a unit and a measure label (or a row glued to
    one): caption_kind, unit_of, labels.measure_of and _GLUED_MEASURE_RE would all fail."""
    if len(text.strip()) <= _LONGEST_CAPTION or _MEASURE_START_RE.match(text):
        return True
    # unit_of's patterns need an 'x' (or 'X', '×', as IGNORECASE reads it) before the currency,
    # and its own first test the currency; lowering a prose line is the slow part (~3 us).
    return ("x" in text or "X" in text or "\u00d7" in text) and ("\u20ac" in text or "eur" in text.lower())


# `_is_stray_number` reads a number (or a decimal comma) only in a cleaned text that starts with a
# digit or a minus sign: a necessary condition that spares prose lines its cache.
_NUMBER_START_RE = re.compile(rf"\s*[{MINUS_SIGNS}\d]")


def classify(text: str, line: int) -> Token:
    """Classify one body cell (whitespace-only cells become gaps)."""
    kind, value = _kind_and_value(text)
    return Token(kind, text, line, value)


@functools.lru_cache(maxsize=1 << 13)  # (sized as values.clean's cache, for the same reason)
def _kind_and_value(text: str) -> tuple[str, CellValue | None]:
    """The token kind of a cell text (and its value): a function of the text alone, so each
    distinct text of a page is classified once."""
    value = plain_amount(text)  # (most cells: one match, without clean and value_of_cleaned)
    if value is not None:
        return VALUE, value
    stripped = fold_and_strip(text)  # (clean and parse_value without their caches: this one is)
    if not stripped:
        return GAP, None
    value = value_of_cleaned(stripped, text)
    if value is not None:
        return VALUE, value
    # (A decimal comma and a percentage need their ',' and '%': most labels are spared the test.)
    if "," in text and is_decimal_comma(text):
        return DECIMAL, None
    if "%" in text and parse_percentage(text) is not None:
        return PERCENT, None
    if labels.is_stray_heading(text):
        return STRAY, None
    if labels.is_code(text):
        return CODE, None
    return LABEL, None


def find_tables(text: str) -> tuple[list[RawTable], list[tuple[int, str]]]:
    """All table regions of a page, and the lines of numbers found outside any table."""
    text = normalise_text(text)
    cells = _cells(text.split("\n"), "|" in text)
    texts, gaps, pipes = cells.texts, cells.gaps, cells.pipes
    n = len(texts)
    tables: list[RawTable] = []
    # The cells taken by tables and their captions, as (start, end) ranges: each starts at or
    # after the end of the one before (the loop only moves forward), so every cell from the last
    # end on is free.
    taken: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if i in pipes:
            caption, caption_line, kind = _caption_before(cells, i)
            tables.append(_pipe_table(len(tables) + 1, pipes[i], caption, caption_line, kind))
            taken.append((i, i + 1))
            i += 1
            continue
        if i in gaps:
            i += 1
            continue
        text = texts[i]
        if len(text) > _LONGEST_CAPTION and not _may_open_long(text):
            i += 1  # a prose line: spared the tests below, and their caches (see _may_open_long)
            continue
        kind = caption_kind(text) or (OTHER if unit_of(text) else None)
        if kind is not None:
            start = i
            captions = [_Cell(text, cells.lines[i])]
            j = i + 1
            while j < n and (j in gaps or (j not in pipes and (caption_kind(texts[j]) or unit_of(texts[j])))):
                if j not in gaps:
                    captions.append(_Cell(texts[j], cells.lines[j]))
                j += 1
            if j in pipes:
                i = j  # the caption of a pipe table: handled with the block
                continue
            end, tokens = _read_body(cells, j)
            table = _cell_table(len(tables) + 1, captions, tokens)
            if table is not None:
                tables.append(table)
                taken.append((start, end))
                i = end
                continue
            taken.append((start, j))
            i = j
            continue
        if labels.measure_of(text) or _GLUED_MEASURE_RE.match(clean(text)):
            # A table without a caption: headings run back to the last prose or boilerplate line
            # (or to the last cell taken).
            start = i
            free_from = taken[-1][1] if taken else 0
            while start > free_from and not _is_boundary(cells, start - 1):
                start -= 1
            end, tokens = _read_body(cells, i)
            tokens[:0] = [classify(texts[k], cells.lines[k]) for k in range(start, i)]  # the headings before
            table = _cell_table(len(tables) + 1, [], tokens)
            if table is not None:
                tables.append(table)
                taken.append((start, end))
                i = end
                continue
        i += 1
    # The cells outside every table (between the ranges taken), and among them the numbers. Only a
    # text that starts as a number (or a minus sign) can be one: most prose is spared the test.
    free_starts = [0] + [end for _start, end in taken]
    free_ends = [start for start, _end in taken] + [n]
    stray_numbers = [
        (cells.lines[k], texts[k])
        for k in itertools.chain.from_iterable(map(range, free_starts, free_ends))
        if _NUMBER_START_RE.match(texts[k]) and k not in gaps and k not in pipes and _is_stray_number(texts[k])
    ]
    tables.sort(key=lambda t: t.first_line)
    stray_numbers = _keep_numbers_after_tables(tables, stray_numbers)
    for ordinal, table in enumerate(tables, start=1):
        table.ordinal = ordinal
    return tables, stray_numbers


def _keep_numbers_after_tables(tables: list[RawTable], stray_numbers: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Number cells in the prose after the budget table (a mutation walk: "Stand vastgestelde
    begroting", then "104 000" after each explained change) are the page's own explanation, not
    a table the parser failed to see: they are kept as the cells of one table of kind `other`.
    Numbers before the first budget table stay stray (a table that was not recognised)."""
    first_fact_end = min((t.last_line for t in tables if t.kind in FACT_KINDS), default=None)
    if first_fact_end is None:
        return stray_numbers
    after = [(line, text) for line, text in stray_numbers if line > first_fact_end]
    if after:
        table = RawTable(0, OTHER, CELL_PER_LINE, None, None, after[0][0], after[-1][0], None)
        table.body = [classify(text, line) for line, text in after]
        tables.append(table)
        tables.sort(key=lambda t: t.first_line)
    return [(line, text) for line, text in stray_numbers if line <= first_fact_end]


@functools.lru_cache(maxsize=1 << 12)
def _is_stray_number(text: str) -> bool:
    stripped = clean(text)
    value = value_of_cleaned(stripped, text)  # parse_value(text), without filling its cache
    if value is None:
        return "," in stripped and is_decimal_comma(text)
    return value.status == "number" and not _YEAR_RE.match(stripped)


def _is_boundary(cells: _Cells, index: int) -> bool:
    if index in cells.gaps:
        return False
    return index in cells.pipes or _is_boundary_text(cells.texts[index])


@functools.lru_cache(maxsize=1 << 16)
def _is_boundary_text(text: str) -> bool:
    if is_boilerplate(text) or is_prose(text):
        return True
    if _UNIT_RE.match(clean(text)):
        return True  # "Bedragen x EUR 1.000" on its own line: the caption of the next table
    # A row labelled with a financial instrument that is also a table kind ("Apparaatsuitgaven",
    # the pre-2013 grouping) is a row of the table, not the caption of the next one.
    return caption_kind(text) is not None and labels.canonical_instrument(text) is None


def _read_body(cells: _Cells, start: int) -> tuple[int, list[Token]]:
    """The body from `start` to the next boundary (prose, boilerplate, a caption or a pipe
    table): where it ends, and its cells classified."""
    stop = min((k for k in cells.pipes if k >= start), default=len(cells.texts))
    tokens: list[Token] = []
    append = tokens.append
    for j, text, line in zip(range(start, stop), cells.texts[start:stop], cells.lines[start:stop]):
        kind, value = _kind_and_value(text)
        # A gap is no boundary; a value is never prose, boilerplate or a caption (see is_prose);
        # nor is the label after a code cell ("91.1", then "Apparaatsuitgaven Kerndepartement").
        if kind not in _NEVER_BOUNDARY and _is_boundary_text(text) and not _after_code(tokens):
            return j, tokens
        append(Token(kind, text, line, value))
    return stop, tokens


_NEVER_BOUNDARY = frozenset((GAP, VALUE, DECIMAL))


def _after_code(tokens: list[Token]) -> bool:
    """Whether the last cell read (gaps aside) is a code cell, which a label must follow."""
    for tok in reversed(tokens):
        if tok.kind != GAP:
            return tok.kind == CODE
    return False


def _caption_before(cells: _Cells, index: int) -> tuple[str | None, int | None, str | None]:
    texts, gaps = cells.texts, cells.gaps
    j = index - 1
    while j >= 0 and j in gaps:
        j -= 1
    if j >= 0 and j not in cells.pipes:
        text = texts[j]
        if unit_of(text) and not caption_kind(text):
            k = j - 1
            while k >= 0 and k in gaps:
                k -= 1
            if k >= 0 and caption_kind(texts[k]):
                return clean(texts[k]) + " " + clean(text), cells.lines[k], caption_kind(texts[k])
        kind = caption_kind(text)
        if kind:
            return clean(text), cells.lines[j], kind
    return None, None, None


def _caption_text(captions: list[_Cell]) -> str | None:
    if not captions:
        return None
    main = [c for c in captions if caption_kind(c.text)]
    best = next((c for c in reversed(main) if clean(c.text).lower().startswith("tabel")), main[-1] if main else captions[0])
    text = clean(best.text)
    extra = [clean(c.text) for c in captions if c is not best and unit_of(c.text) and not caption_kind(c.text)]
    return " ".join([text, *extra])


def _kind_from(captions: list[_Cell]) -> str | None:
    kinds = [caption_kind(c.text) for c in captions]
    for preferred in (FLEXIBILITY, APPARAAT, BUDGET, BEGROTINGSSTAAT, VERDIEPINGSBIJLAGE, BELEIDSPRESTATIES, OTHER):
        if preferred in kinds:
            return preferred
    # A unit line alone ("Bedragen x EUR 1.000") captions a table of no known kind.
    return OTHER if captions else None


_TEXT = operator.itemgetter(0)


def _cell_table(ordinal: int, captions: list[_Cell], tokens: list[Token]) -> RawTable | None:
    """A table from its caption cells and its body cells (classified), or None when they are
    not a table after all."""
    kind = _kind_from(captions)
    caption = _caption_text(captions)
    unit = next((unit_of(c.text) for c in captions if unit_of(c.text)), None)
    if not captions and not tokens:
        return None
    others = [t for t in tokens if t.kind != VALUE and t.kind != GAP]
    label_texts = [t.text for t in others if t.kind == LABEL]
    glued = any(map(_GLUED_MEASURE_RE.match, map(clean, label_texts)))
    has_measure = glued or any(map(labels.measure_of, label_texts))
    has_numbers = any(t.kind in (VALUE, DECIMAL, PERCENT) for t in tokens)
    if kind is None and not (has_numbers or glued):
        return None  # a prose heading such as "Ontvangsten" without a caption: not a table
    if kind is None or (kind == OTHER and has_measure):
        if not has_measure:
            return None
        kind = BUDGET
    if not has_numbers and not has_measure:
        return None  # a section heading that names a table kind, not a table
    table = RawTable(
        ordinal=ordinal,
        kind=kind,
        shape=CELL_PER_LINE,
        caption=caption,
        caption_line=captions[0].line if captions else None,
        first_line=(captions or tokens)[0].line,  # cells come in line order
        last_line=(tokens or captions)[-1].line,
        unit=unit,
    )
    # Captions, then body cells but gaps and values (a value has no letter before its digits:
    # it never looks run together).
    suspects = [(c.text, c.line) for c in captions]
    suspects += [(t.text, t.line) for t in others]
    loose_values = None
    for text, line in itertools.compress(suspects, map(_looks_run_together, map(_TEXT, suspects))):
        if caption_kind(text):
            continue
        # Run together: a total row glued to its cells, or glued cells and no value cell anywhere
        # (a label such as "Verbreding A27" among ordinary value cells is just a label).
        if loose_values is None:
            loose_values = any(t.kind in (VALUE, DECIMAL) and not _YEAR_RE.match(clean(t.text)) for t in tokens)
        if not loose_values or _GLUED_MEASURE_RE.match(clean(text)) or labels.measure_of(clean(text).split()[0]):
            table.shape = RUN_TOGETHER
            table.problem = (
                f"line {line}: cells run together without separators ({clean(text)[:60]!r}); "
                "the values cannot be split unambiguously"
            )
            table.body = tokens
            return table
    _split_header(table, tokens)
    return table


@functools.lru_cache(maxsize=1 << 16)
def _looks_run_together(text: str) -> bool:
    cleaned = clean(text)
    # The (slow) pattern matches a number run that ends the text, or a text that starts with a
    # measure label: test for either first.
    if not (cleaned[-1:].isdecimal() or _MEASURE_PREFIX_RE.match(cleaned)):
        return False
    return _RUN_TOGETHER_RE.search(cleaned) is not None


def _split_header(table: RawTable, tokens: list[Token]) -> None:
    """Headings are the cells before the first row; a row starts at a measure label (budget and
    apparaat tables) or at the first label followed by a value (other kinds)."""
    first_row = None
    for k, tok in enumerate(tokens):
        if tok.kind == LABEL and labels.measure_of(tok.text):
            first_row = k
            if k > 0 and tokens[k - 1].kind == CODE:
                first_row = k - 1
            break
    if first_row is None and table.kind not in FACT_KINDS:
        first_row = _first_labelled_row(tokens)
    if first_row is None:
        first_row = len(tokens)
    for tok in tokens[:first_row]:
        if tok.kind == GAP:
            continue
        if tok.kind == STRAY or (tok.kind == LABEL and not is_heading_cell(tok.text)):
            table.corner.append(tok)
        else:
            table.headings.append(Heading(tok.text, tok.line))
    table.body = tokens[first_row:]
    _split_footnotes(table)


_MARKED_TEXT_RE = re.compile(r"^(\*{1,3}|[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+|\d{1,2}\)|[a-z]\))\s+(\S.*)$")


def _split_footnotes(table: RawTable) -> None:
    """Footnotes printed under the rows are no values and no rows: a marker that the table uses
    (a digit glued to a heading, "Miljoenennota1", "(1)1"; a marker after an amount, "1.347*")
    in a cell of its own followed by its text ("1", then "(incl. ISB, NvW en amendementen)"), or
    in front of its text ("* Inclusief de loonbijstelling"). They move from the end of the body to
    `footnotes`; the labels after them stay (headings of the prose after the table)."""
    markers = {footnote_of_heading(h.text)[1] for h in table.headings} - {None}
    markers |= {t.value.footnote_marker for t in table.body if t.kind == VALUE and t.value is not None and t.value.footnote_marker}
    if not markers:
        return
    markers |= {m.rstrip(")") for m in markers}  # "1)" after an amount, "1" under the table
    body = table.body
    start = max((k for k, t in enumerate(body) if t.kind in (VALUE, DECIMAL)), default=-1) + 1
    if start and body[start - 1].kind == VALUE and clean(body[start - 1].text) in markers and _one_value_too_many(body):
        start -= 1  # the last value is the marker of a footnote, if a text follows it
    tail = [k for k in range(start, len(body)) if body[k].kind != GAP]
    footnotes: list[Footnote] = []
    i = 0
    while i < len(tail):
        tok = body[tail[i]]
        text = clean(tok.text)
        nxt = body[tail[i + 1]] if i + 1 < len(tail) else None
        if text in markers and tok.kind in (VALUE, LABEL) and nxt is not None and nxt.kind == LABEL and clean(nxt.text) not in markers:
            footnotes.append(Footnote(text, clean(nxt.text), tok.line, [tok, nxt]))
            i += 2
            continue
        marked = _MARKED_TEXT_RE.match(text) if tok.kind == LABEL else None
        if marked and marked.group(1) in markers:
            footnotes.append(Footnote(marked.group(1), marked.group(2), tok.line, [tok]))
            i += 1
            continue
        break
    if footnotes and not any(labels.measure_of(body[k].text) for k in tail[i:] if body[k].kind == LABEL):
        table.footnotes = footnotes
        # (The gaps before the first footnote stay: empty cells of the last row.)
        table.body = body[: tail[0]] + (body[tail[i] :] if i < len(tail) else [])


def _one_value_too_many(body: list[Token]) -> bool:
    """Whether the last row holds one value more than the Verplichtingen/Uitgaven/Ontvangsten rows
    above it (those are never ragged): its last value is then no value of the table."""
    counts: list[tuple[bool, int]] = []
    for tok in body:
        if tok.kind == LABEL:
            counts.append((labels.measure_of(tok.text) is not None, 0))
        elif tok.kind in (VALUE, DECIMAL) and counts:
            counts[-1] = (counts[-1][0], counts[-1][1] + 1)
    last = max((k for k, (_, n) in enumerate(counts) if n), default=None)
    if last is None:
        return False
    measures = [n for is_measure, n in counts[:last] if is_measure]
    return bool(measures) and counts[last][1] == max(measures) + 1


def _first_labelled_row(tokens: list[Token]) -> int | None:
    for k, tok in enumerate(tokens):
        if tok.kind == LABEL and not is_heading_cell(tok.text):
            nxt = next((t for t in tokens[k + 1 :] if t.kind != GAP), None)
            if nxt is not None and nxt.kind in (VALUE, PERCENT, DECIMAL):
                return k
    return None


def _pipe_table(ordinal: int, block: _PipeBlock, caption: str | None, caption_line: int | None, kind: str | None) -> RawTable:
    header_line, header_cells = block.header
    body_rows = block.rows
    # A heading can take more than one printed row ('Realisatie' over its years, a 2SUPP
    # heading over its sub-headings): rows of heading cells only, before the first row label.
    header_rows = [(header_line, header_cells)]
    while body_rows and _is_heading_row(body_rows[0][1]):
        header_rows.append((body_rows[0][0], [clean(c) for c in body_rows[0][1]]))
        body_rows = body_rows[1:]
    tokens: list[Token] = []
    for line_no, parts in body_rows:
        first = True
        for part in parts:
            tok = classify(part, line_no)
            tok.new_row = first
            first = False
            tokens.append(tok)
    has_measure = any(t.kind == LABEL and labels.measure_of(t.text) for t in tokens)
    if kind is None or (kind == OTHER and has_measure):
        kind = BUDGET if has_measure else OTHER
    last = block.rows[-1][0] if block.rows else header_line
    table = RawTable(
        ordinal=ordinal,
        kind=kind,
        shape=PIPE,
        caption=caption,
        caption_line=caption_line,
        first_line=caption_line or header_line,
        last_line=last,
        unit=unit_of(caption) if caption else None,
    )
    for line_no, cells in header_rows:
        for text in cells:
            if not text:
                continue
            if labels.is_stray_heading(text) or not is_heading_cell(text):
                table.corner.append(Token(STRAY if labels.is_stray_heading(text) else LABEL, text, line_no))
            else:
                table.headings.append(Heading(text, line_no))
    table.body = tokens
    return table


def _is_heading_row(parts: list[str]) -> bool:
    """A printed pipe row of heading cells only (years, column headings, stray heading cells)."""
    cells = [clean(p) for p in parts if clean(p)]
    return bool(cells) and all(is_heading_cell(c) or labels.is_stray_heading(c) for c in cells) and any(
        is_heading_cell(c) for c in cells
    )
