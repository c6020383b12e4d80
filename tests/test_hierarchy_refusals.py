"""A table whose rows no reading adds up is refused with a reason that names where the search
stopped: the first parent that the preferred reading does not add up, or, where that reading adds
up, the deepest conflict the search met (issue 11: the search keeps the conflict's arguments and
words it only for the refusal, so the wording is specified here)."""

from __future__ import annotations

from pipeline.core import build

PAGE = """Budgettaire gevolgen van beleid

Tabel 2 Budgettaire gevolgen van beleid artikel 10 (bedragen x € 1.000)
Omschrijving | 2018 | 2019 |
---|---|---|
Verplichtingen: | 10 | 12 |
Uitgaven: | 10 | 12 |
10.1 | Loonbijstelling | {loon} |
10.2 | Subsidies |
Ontvangsten: | 0 | 0 |
"""


def refusal(page: str) -> str:
    result = build.parse_source("rf_2018_OWB_IIA_art10.txt", page.encode("utf-8"), None).result
    assert [(table["table_kind"], table["status"]) for table in result.tables] == [("budget", "rejected")]
    (rejection,) = result.rejections
    assert rejection["source_line"] == 7
    return rejection["reason"]


def test_a_group_row_without_values_and_without_children_is_the_conflict_named_when_the_sums_add_up():
    # "10.2 Subsidies" has no values and no row can go under it; the amounts add up.
    assert refusal(PAGE.format(loon="10 | 12")).endswith(
        "lines 7-9: no reading of the rows under 'Uitgaven' has every parent equal to the sum of its children "
        "(tolerance max(1, n/2)); first conflict near line 7 ('Uitgaven'): group row 'Subsidies' (line 9) has no values and no children"
    )


def test_a_parent_that_does_not_add_up_is_named_with_its_column_and_its_childrens_sum():
    assert refusal(PAGE.format(loon="10 | 9")).endswith(
        "lines 7-9: no reading of the rows under 'Uitgaven' has every parent equal to the sum of its children "
        "(tolerance max(1, n/2)); line 7: 'Uitgaven' prints 12 in column 2 but its 2 children sum to 9"
    )
