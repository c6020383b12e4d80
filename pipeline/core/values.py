"""Value cells: turn the printed text of one table cell into (status, amount).

Statuses (stored as `value_status`):
  number         a printed amount, e.g. ``107.601``, ``18 046 569``, ``– 1.912``
  nihil          the word ``nihil``: zero, printed as a word
  pm             ``pm`` / ``p.m.`` (pro memorie): a placeholder, not a number
  not_available  ``...``, ``…`` or a lone dash: the figure is not given
  blank          an empty cell (a whitespace-only line or an empty pipe cell)
Amounts in millions with a decimal comma (``209,4``) are not values of this dialect: they are
reported as `decimal_comma` so the table can be rejected instead of misread.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

NUMBER = "number"
NIHIL = "nihil"
PM = "pm"
NOT_AVAILABLE = "not_available"
BLANK = "blank"
VALUE_STATUSES = (NUMBER, NIHIL, PM, NOT_AVAILABLE, BLANK)

# Hyphen-minus, figure dash, en dash, minus sign (em dash seen in prose only).
MINUS_SIGNS = "-\u2012\u2013\u2212"
_SPACE = "[ \u00a0\u202f]"
_NUMBER_RE = re.compile(
    rf"^(?P<sign>[{MINUS_SIGNS}]{_SPACE}?)?"
    rf"(?P<digits>\d{{1,3}}(?:\.\d{{3}})+|\d{{1,3}}(?:{_SPACE}\d{{3}})+|\d+)$"
)
# A footnote marker printed after an amount: "1.347*", "0*", "1.347 *", "1.347¹", "1.347 1)",
# "1.347 a)". A digit marker needs its ")" (or a superscript) so "1 347" stays one number.
_FOOTNOTE_MARKER = r"(?:\*{1,3}|[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+|\d{1,2}\)|[a-z]\))"
_MARKER_ONLY_RE = re.compile(rf"^{_FOOTNOTE_MARKER}$")
_DECIMAL_COMMA_RE = re.compile(rf"^[{MINUS_SIGNS}]?{_SPACE}?\d{{1,3}}(?:[.{_SPACE[1:-1]}]?\d{{3}})*,\d+$")
_NOT_AVAILABLE = {"...", "\u2026", ". . .", "-", "\u2013", "\u2012", "\u2212", "n.v.t.", "nvt"}
_PM = {"pm", "p.m.", "p.m", "PM", "P.M."}
_PERCENT_RE = re.compile(rf"^(?P<num>\d{{1,3}}(?:,\d+)?){_SPACE}?%$")
_LONGEST_WORD = max(len(word) for word in ("nihil", *_PM, *_NOT_AVAILABLE))


# A named tuple rather than a frozen dataclass: one is made for most cells of a page, and a
# tuple is built in less than half the time (its fields read as fast, and it is as immutable).
class CellValue(NamedTuple):
    """The meaning of one printed value cell."""

    status: str
    amount: int | None
    raw: str
    footnote_marker: str | None = None  # "*", "¹", "1)", "a)" printed after the amount


def fold_and_strip(text: str) -> str:
    """`clean` without its cache, for callers that see each text once."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").strip()


# The two caches every line of a page passes through (clean, tables._kind_and_value) hold 8,192
# texts: 65,536 filled a worker with prose lines that never come back (2,000 generated pages:
# 170 -> 112 MB PSS per worker, the same speed).
@functools.lru_cache(maxsize=1 << 13)
def clean(text: str) -> str:
    """Strip the cell and fold no-break spaces, which the site uses as ordinary spaces."""
    return fold_and_strip(text)


@functools.lru_cache(maxsize=1 << 16)
def parse_value(raw: str) -> CellValue | None:
    """Read a value cell; None when the text is not a value (a label, a code, a decimal)."""
    return value_of_cleaned(clean(raw), raw)


def value_of_cleaned(text: str, raw: str) -> CellValue | None:
    """`parse_value(raw)` when `text` is `clean(raw)` already (not cached)."""
    if not text:
        return CellValue(BLANK, None, raw)
    match = _NUMBER_RE.match(text)
    if match:
        sign, digits = match.groups()
        # Digits and group separators only, and no-break spaces are folded in a cleaned text.
        amount = int(digits.replace(".", "").replace(" ", ""))
        return CellValue(NUMBER, -amount if sign else amount, raw)
    if text[-1:] in _MARKER_ENDS:
        # (A marked amount starts as an amount does: other texts are spared the split search.)
        return _marked_number(text, raw) if text[0] in MINUS_SIGNS or text[0].isdecimal() else None
    if len(text) > _LONGEST_WORD:
        return None  # too long for any of the words below (lower() never shortens a text)
    lowered = text.lower()
    if lowered == "nihil":
        return CellValue(NIHIL, 0, raw)
    if text in _PM or lowered in _PM:
        return CellValue(PM, None, raw)
    if text in _NOT_AVAILABLE or lowered in _NOT_AVAILABLE:
        return CellValue(NOT_AVAILABLE, None, raw)
    return None


# A plain amount as printed, whitespace around it and group spaces ordinary spaces: `_NUMBER_RE`
# after `clean`, in one match on the raw text (most value cells are such amounts).
_PLAIN_AMOUNT_RE = re.compile(
    rf"\s*(?P<sign>[{MINUS_SIGNS}] ?)?(?P<digits>\d{{1,3}}(?:\.\d{{3}})+|\d{{1,3}}(?: \d{{3}})+|\d+)\s*"
)


def plain_amount(raw: str) -> CellValue | None:
    """`parse_value(raw)` when `raw` is a plain amount (see `_PLAIN_AMOUNT_RE`), else None: the
    cell may still be a value of another form."""
    match = _PLAIN_AMOUNT_RE.fullmatch(raw)
    if match is None:
        return None
    sign, digits = match.groups()
    amount = int(digits.replace(".", "").replace(" ", ""))
    # CellValue(NUMBER, amount, raw) without the named tuple's __new__ (a Python call): most value
    # cells of a generated page are amounts seen once (40 pages: -2% of find_tables' instructions).
    return _new_tuple(CellValue, (NUMBER, -amount if sign else amount, raw, None))


_new_tuple = tuple.__new__


def _marked_number(text: str, raw: str) -> CellValue | None:
    """An amount with a footnote marker after it, when exactly one reading exists: "13471)" could
    be 1347 with marker "1)" or 134 with "71)", so a digit marker glued to a number is read only
    when the number's grouping leaves one split ("1.3471)")."""
    readings = set()
    for split in range(len(text) - 1, 0, -1):
        number, marker = text[:split], text[split:]
        if not _MARKER_ONLY_RE.match(marker):
            continue
        value = _NUMBER_RE.match(number.rstrip(" "))
        if value is None or (number.endswith(" ") and number.rstrip(" ") != number[:-1]):
            continue
        sign, digits = value.groups()
        amount = int(digits.replace(".", "").replace(" ", ""))
        readings.add((-amount if sign else amount, marker))
    if len(readings) != 1:
        return None
    amount, marker = readings.pop()
    return CellValue(NUMBER, amount, raw, marker)


_MARKER_ENDS = frozenset("*)\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079")


def is_footnote_marker(raw: str) -> bool:
    """A footnote marker in a cell of its own ("*", "1)", "a)", "¹"), printed after an amount."""
    return bool(_MARKER_ONLY_RE.match(clean(raw)))


@functools.lru_cache(maxsize=1 << 16)
def is_decimal_comma(raw: str) -> bool:
    """True for amounts like ``209,4`` or ``– 0,4``: millions, which this pipeline refuses."""
    return bool(_DECIMAL_COMMA_RE.match(clean(raw)))


@functools.lru_cache(maxsize=1 << 16)
def parse_percentage(raw: str) -> float | None:
    """Read a share such as ``26%`` or ``12,5 %``; None when the cell is not a percentage."""
    match = _PERCENT_RE.match(clean(raw))
    if not match:
        return None
    return float(match["num"].replace(",", "."))


def is_bare_integer(raw: str) -> bool:
    """An unsigned integer without group separators: could be a value or an article code."""
    text = clean(raw)
    return text.isdigit()
