"""Pages parsed in worker processes load exactly as pages parsed in the build's own process: the
same rows, values and dtypes in every frame, the same results page by page."""

from __future__ import annotations

import dataclasses
import gc
import random
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from pipeline.core import build
from pipeline.core.documents import read_manifest
from pipeline.testing.generator import LAYOUTS, STRUCTURES, PageSpec, random_page

ROOT = Path(__file__).resolve().parents[1]
REAL_FOLDERS = (ROOT / "sources", ROOT.parent / "shared" / "fixtures" / "real", ROOT.parent / "shared" / "seeds")
LOADED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def _pages() -> tuple[list[tuple[str, bytes]], dict]:
    """The real pages, generated pages of every layout and structure, and a page that is no text."""
    blobs, manifest = [], {}
    for folder in REAL_FOLDERS:
        if folder.is_dir():
            manifest.update(read_manifest(folder))
            blobs += [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.txt")) if not p.name.endswith(".meta.txt")]
    for i in range(60):
        rng = random.Random(f"workers-{i}")
        spec = PageSpec(layout=LAYOUTS[i % len(LAYOUTS)], size=rng.choice(("small", "large")), structure=rng.choice((None, *STRUCTURES)))
        page = random_page(rng, spec)
        name = f"generated_{i}_{page.file_name}"
        blobs.append((name, page.text.encode("utf-8")))
        manifest[name] = dataclasses.replace(page.manifest, file=name)
    blobs.append(("binary.txt", b"\x00\xff\xfe binary"))
    # Two versions of one page (same identity, other content): both refused by `deduplicate`,
    # keeping the warnings of their parse (a page with warnings and no rejections).
    name, data = next(
        (name, data) for name, data in blobs
        if (result := build.parse_source(name, data, manifest.get(name)).result).warnings and not result.rejections
    )
    blobs.append(("other_version_" + name, data + b"\n\nanother version\n"))
    if name in manifest:
        manifest["other_version_" + name] = dataclasses.replace(manifest[name], file="other_version_" + name)
    return blobs, manifest


@pytest.fixture(scope="module")
def both_ways() -> tuple[list[build.ParsedPage], list[build.ParsedPage]]:
    blobs, manifest = _pages()
    assert len(blobs) >= build.PARALLEL_MIN_PAGES
    here = build.parse_many(blobs, manifest, workers=1)
    in_workers = build.parse_many(blobs, manifest, workers=2)
    warnings = {p.key: repr(p.result.warnings) for p in here}
    assert build.deduplicate(in_workers) == build.deduplicate(here)
    versions = [p for p in here + in_workers if p.rejected_reason is not None and "claim the same page" in p.rejected_reason]
    assert len(versions) == 4
    for parsed in versions:  # refused, with the warnings of their parse
        assert repr(parsed.result.warnings) == warnings[parsed.key]
    return here, in_workers


def test_every_frame_is_the_same_whichever_process_parsed_the_pages(both_ways) -> None:
    here, in_workers = both_ways
    assert any(p._rows is not None for p in in_workers), "the pages were parsed in worker processes"
    expected = build.to_frames(here, LOADED_AT)
    actual = build.to_frames(in_workers, LOADED_AT)
    assert expected.keys() == actual.keys()
    for name in expected:
        assert len(expected[name]) > 0 or name in ("fact_budget_flexibility", "fact_instrument_commitment", "parliamentary_paper_citation")
        pd.testing.assert_frame_equal(actual[name], expected[name], check_exact=True, obj=name)


def test_every_page_result_is_the_same_whichever_process_parsed_it(both_ways) -> None:
    here, in_workers = both_ways
    for mine, theirs in zip(here, in_workers, strict=True):
        assert (theirs.key, theirs.sha256, theirs.rejected_reason) == (mine.key, mine.sha256, mine.rejected_reason)
        assert repr(theirs.result) == repr(mine.result), mine.key  # (repr: 1 and 1.0 differ)


@pytest.mark.parametrize("collector_on", [True, False])
def test_a_chunk_parsed_in_the_callers_own_process_leaves_its_collector_as_it_was(collector_on: bool) -> None:
    blobs, manifest = _pages()
    was_on = gc.isenabled()
    (gc.enable if collector_on else gc.disable)()
    try:
        pages = build._parse_chunk([(key, data, manifest.get(key)) for key, data in blobs[:3]])
        assert gc.isenabled() is collector_on
    finally:
        (gc.enable if was_on else gc.disable)()
        gc.unfreeze()  # the chunk froze what this process held (as a worker does)
    assert [p.key for p in pages] == [key for key, _ in blobs[:3]]


def test_the_parse_workers_keep_their_collector_off_between_chunks() -> None:
    # Each chunk collects once at its start; a collector on after a chunk walked its whole result
    # while it was sent back.
    with build.parsing_pool(build.PARALLEL_MIN_PAGES, workers=2) as pool:
        assert pool is not None
        assert {pool.submit(gc.isenabled).result() for _ in range(4)} == {False}
