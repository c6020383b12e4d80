"""Where a table starts on a page: the tests `find_tables` skips on prose must never skip a line
that opens a table, however long the line."""

from __future__ import annotations

from pipeline.core.tables import find_tables

PROSE = (
    "De minister financiert een goed functionerende overheid en draagt daarmee bij aan de "
    "toegankelijkheid van voorzieningen; de middelen verbeteren het imago van de overheid als "
    "aantrekkelijke werkgever en versterken de kwaliteit van de dienstverlening in de hele periode."
)
BODY = "\n\n".join(["2024", "2025", "Verplichtingen", "1.000", "2.000", "Uitgaven", "3.000", "4.000"])


def page(*blocks: str) -> str:
    return "\n\n".join(blocks) + "\n"


def test_a_long_prose_line_opens_no_table_and_holds_no_stray_number():
    tables, stray_numbers = find_tables(page(PROSE, PROSE + " In 2024 waren dat er 1.000."))
    assert tables == [] and stray_numbers == []


def test_a_unit_at_the_end_of_a_long_line_captions_the_table_below_it():
    assert len(PROSE) > 250
    tables, _ = find_tables(page(PROSE, PROSE + " (bedragen x € 1.000)", BODY))
    assert [(t.kind, t.unit, t.caption_line) for t in tables] == [("budget", "x € 1.000", 3)]


def test_a_caption_with_no_break_spaces_names_its_kind():
    tables, _ = find_tables(page(PROSE, "Tabel 3 Budgettaire\u00a0gevolgen\u00a0van\u00a0beleid", "Bedragen x € 1.000", BODY))
    assert [(t.kind, t.unit, t.table_number) for t in tables] == [("budget", "x € 1.000", "3")]


def test_a_measure_label_after_prose_opens_a_table_without_a_caption():
    tables, _ = find_tables(page(PROSE, "\u00a0Verplichtingen:", "1.000", "2.000", "Uitgaven", "3.000", "4.000"))
    assert [(t.kind, t.caption, t.first_line) for t in tables] == [("budget", None, 3)]
