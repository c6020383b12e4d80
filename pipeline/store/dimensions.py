"""The conformed chapter and phase dimensions, generated at publication from `pipeline.core.metadata`.

The year dimension is a range over the loaded data and is made in SQL (`dim_year.sql`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from pipeline.core.metadata import CHAPTERS, PHASE_INFO, PHASES
from pipeline.core.schemas import DimChapter, DimPhase, columns_of

_ROMAN = {"I": 1, "V": 5, "X": 10}
_HOOFDSTUK_RE = re.compile(r"^(?P<number>[IVX]+)(?P<suffix>[AB])?$")
FUND_SORT_BASE = 1000
UNKNOWN_SORT = 9999


def roman_value(numeral: str) -> int:
    total = 0
    for i, char in enumerate(numeral):
        value = _ROMAN[char]
        total += -value if i + 1 < len(numeral) and _ROMAN[numeral[i + 1]] > value else value
    return total


def chapter_kind_and_order(code: str) -> tuple[str, int]:
    """('begrotingshoofdstuk', 91) for 'IXA'; ('begrotingsfonds', 1002) for 'B'."""
    match = _HOOFDSTUK_RE.match(code)  # no fund has the letter I, V or X
    if match:
        suffix = {"A": 1, "B": 2}.get(match["suffix"] or "", 0)
        return "begrotingshoofdstuk", roman_value(match["number"]) * 10 + suffix
    if len(code) == 1 and code.isalpha():
        return "begrotingsfonds", FUND_SORT_BASE + ord(code) - ord("A") + 1
    return "unknown", UNKNOWN_SORT


def chapter_frame(codes_in_documents: Iterable[str | None] = ()) -> pd.DataFrame:
    """Every known chapter, plus any other code the documents name (with an empty name)."""
    codes = dict(CHAPTERS)
    for code in codes_in_documents:
        if code and code not in codes:
            codes[code] = None
    records = []
    for code, name in codes.items():
        kind, order = chapter_kind_and_order(code)
        records.append({"chapter": code, "chapter_name": name, "chapter_kind": kind, "sort_order": order})
    frame = pd.DataFrame.from_records(records, columns=columns_of(DimChapter))
    return DimChapter.validate(frame.sort_values(["sort_order", "chapter"], ignore_index=True))


def phase_frame() -> pd.DataFrame:
    records = [
        {
            "phase": phase,
            "phase_order": order,
            "phase_name": PHASE_INFO[phase][0],
            "open_data_code": PHASE_INFO[phase][1],
            "publication_month": PHASE_INFO[phase][2],
        }
        for order, phase in enumerate(PHASES, start=1)
    ]
    return DimPhase.validate(pd.DataFrame.from_records(records, columns=columns_of(DimPhase)))
