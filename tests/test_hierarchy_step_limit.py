"""The hierarchy search gives up after `hierarchy.MAX_STEPS` steps of its full depth-first search,
and the table is refused as too ambiguous to read safely, even where a reading exists further on.
The limit is part of what the parser produces: which tables load and which are refused must stay
those of the reference parser (issue 11, `scripts/compare_parsers.py`), so a faster search must
count its steps as the full search does."""

from __future__ import annotations

import random

from pipeline.core import build, hierarchy
from pipeline.testing.generator import LAYOUTS, STRUCTURES, PageSpec, random_page


def test_a_table_the_search_reads_only_past_the_step_limit_is_refused_and_the_rest_of_the_page_loads():
    # A 2SUPP page whose second table (111 rows) has a reading that adds up, but only after more
    # than 200,000 steps (the reference parser refuses it; a pruned search once loaded it).
    rng = random.Random("compare-0-746")
    spec = PageSpec(layout=LAYOUTS[746 % len(LAYOUTS)], size=rng.choice(("small", "large")), structure=rng.choice((None, *STRUCTURES)), extra_tables=rng.choice((0, 0, 1)))
    page = random_page(rng, spec)
    result = build.parse_source(page.file_name, page.text.encode("utf-8"), page.manifest).result
    assert [(table["table_kind"], table["status"]) for table in result.tables] == [("budget", "loaded"), ("budget", "rejected")]
    (rejection,) = result.rejections
    assert rejection["source_line"] == 167
    assert rejection["reason"].endswith(
        f"lines 167-1618: the hierarchy search under 'Uitgaven' exceeded {hierarchy.MAX_STEPS} steps; the table is too ambiguous to read safely"
    )
    assert rejection["reason"].startswith(f"{page.file_name}, table 2 (Tabel 31 ")
