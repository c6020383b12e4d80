"""The hierarchy search cuts a path as soon as an open row can no longer equal the sum of its
children, whatever the rows left can add to it (`hierarchy._Search._hopeless`). It cuts only paths
on which no reading completes: every table reads as in the search without bounds, and a table that
has no reading is refused with the same message. Only the steps change, so a table that the search
without bounds gave up on (over `MAX_STEPS`) can now be read."""

from __future__ import annotations

import dataclasses
import random

from pipeline.core import build, hierarchy
from pipeline.testing.generator import LAYOUTS, STRUCTURES, PageSpec, compare, random_page
from pipeline.testing.mutations import random_mutant


def _everything(name: str, text: str, manifest) -> dict:
    result = build.parse_source(name, text.encode("utf-8"), manifest).result
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}


def _pages() -> list[tuple[str, str, object]]:
    """Large generated pages of every layout and structure, and mutants (tables to refuse)."""
    pages = []
    for seed in range(26):
        rng = random.Random(f"bounds-{seed}")
        page = random_page(rng, PageSpec(layout=LAYOUTS[seed % len(LAYOUTS)], size="large", structure=STRUCTURES[seed % len(STRUCTURES)]))
        pages.append((page.file_name, page.text, page.manifest))
        mutant = random_mutant(page, rng)
        if mutant is not None:
            pages.append((page.file_name, mutant.text, page.manifest))
    return pages


def test_the_bounded_search_reads_and_refuses_every_table_as_the_search_without_bounds(monkeypatch):
    pages = _pages()
    bounded = [_everything(*page) for page in pages]
    monkeypatch.setitem(hierarchy._Search.__init__.__kwdefaults__, "bounded", False)
    unbounded = [_everything(*page) for page in pages]
    assert any(result["rejections"] for result in bounded)  # (refusals are compared too)
    assert bounded == unbounded


def test_a_table_the_search_without_bounds_gave_up_on_loads_as_generated():
    # A 2SUPP table of 111 rows: over 200,000 steps without the bounds (refused as too ambiguous).
    rng = random.Random("compare-0-746")
    spec = PageSpec(layout=LAYOUTS[746 % len(LAYOUTS)], size=rng.choice(("small", "large")), structure=rng.choice((None, *STRUCTURES)), extra_tables=rng.choice((0, 0, 1)))
    page = random_page(rng, spec)
    parsed = build.parse_source(page.file_name, page.text.encode("utf-8"), page.manifest)
    assert compare(parsed.result, page).status == "exact"
    assert all(table["status"] == "loaded" for table in parsed.result.tables if table["table_kind"] == "budget")
