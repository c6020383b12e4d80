"""Explanations on generated pages with known explanations (pipeline.testing.prose): a section is
linked to the line its heading names, or left unlinked with a reason, and never to a line of
another instrument, another artikelonderdeel or another document."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from warehouse_support import build_in_process, query

from pipeline.core import build, labels
from pipeline.testing.generator import PageSpec, random_page
from pipeline.testing.prose import INSTRUMENT, REGELING, SUB_ARTICLE, TOPIC, TRAP, add_explanations


def explained_page(seed: int):
    rng = random.Random(f"prose-{seed}")
    page = random_page(rng, PageSpec(kind="budget"))
    known = add_explanations(page, rng)
    return page, known


@pytest.mark.parametrize("seed", range(120))
def test_every_known_section_links_to_its_line_or_to_none_and_never_across_instruments(seed: int) -> None:
    page, known = explained_page(seed)
    parsed = build.parse_source(page.file_name, page.text.encode(), page.manifest)
    lines = {line["line_id"]: line for line in parsed.result.lines}
    sections = {s["first_source_line"]: s for s in parsed.result.explanations}
    table_loaded = any(t["table_ordinal"] == 1 and t["status"] == "loaded" for t in parsed.result.tables)
    for section in parsed.result.explanations:
        assert section["line_id"] is None or section["line_id"] in lines  # a line of this document
        assert (section["line_id"] is None) == (section["unmatched_reason"] is not None)
        instrument = labels.canonical_instrument(section["heading"])
        # (A heading that names an artikelonderdeel, "Programma-uitgaven", is that line: no instrument.)
        if section["line_id"] and instrument and section["link_method"] != "topic" and lines[section["line_id"]]["level"] != "sub_article":
            assert lines[section["line_id"]]["instrument"] == instrument
    for expected in known:
        section = sections[expected.line]
        line = lines.get(section["line_id"])
        if line is None:
            # Unlinked only with a reason, and only where the heading cannot be told apart.
            assert section["unmatched_reason"]
            assert expected.kind == TRAP or not table_loaded or "ambiguous" in section["unmatched_reason"], (expected, section)
            continue
        if expected.kind != SUB_ARTICLE:
            assert line["instrument"] == expected.instrument, (expected, line)
        if expected.sub_article_code:
            assert line["sub_article_code"] == expected.sub_article_code, (expected, line)
        if expected.kind in (SUB_ARTICLE, INSTRUMENT):
            assert line["label"] == expected.label, (expected, line, section)
        if expected.kind in (REGELING, TOPIC):  # as printed: the label drops a name prefix ("Rijksbijdrage:")
            assert labels.display_label(line["printed_label"]) == expected.label, (expected, line, section)
        if expected.kind == TOPIC:
            assert section["link_method"] == "topic" and section["heading_path"].endswith(" > " + expected.heading)
        if expected.kind == TRAP:
            assert section["link_method"] == "topic"  # read as a subheading of its own instrument's regeling


def test_no_explanation_in_the_warehouse_points_at_a_line_its_document_does_not_print(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    rows = ["file,source_url,chapter,budget_year,phase,article"]
    for seed in range(8):
        page, _known = explained_page(seed)
        (sources / page.file_name).write_text(page.text, encoding="utf-8")
        m = page.manifest
        rows.append(",".join(str(v or "") for v in (m.file, m.source_url, m.chapter, m.budget_year, m.phase, m.article)))
    (sources / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    assert build_in_process(sources, warehouse) == 0
    linked, foreign = query(warehouse, """
        SELECT count(*) FILTER (WHERE e.line_id IS NOT NULL),
               count(*) FILTER (WHERE e.line_id IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM fact_budget_amount f WHERE f.document_id = e.document_id AND f.line_id = e.line_id))
        FROM budget_explanation e""")[0]
    assert linked > 50 and foreign == 0
