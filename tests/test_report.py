"""The HTML report (issue 12, part 5): made by the build next to the exports, offline (no
script, nothing fetched), and it renders in a real browser: headless Chromium's screenshot of an
article page is not blank and its DOM holds the charts. `pytest -rP tests/test_report.py` prints
the screenshot's path."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import SOURCES
from warehouse_support import build_in_process

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    shutil.copytree(SOURCES, tmp / "sources")
    warehouse = tmp / "warehouse" / "budget.duckdb"
    assert build_in_process(tmp / "sources", warehouse) == 0
    return warehouse.parent / "export" / "report"


def test_the_build_writes_an_index_and_a_page_per_article(report_dir: Path) -> None:
    index = (report_dir / "index.html").read_text(encoding="utf-8")
    assert "000_1ef586f7da9213de.txt" in index and 'href="article_VII_7.html"' in index
    assert (report_dir / "article_VII_7.html").is_file() and (report_dir / "summary.svg").is_file()


def test_the_report_works_offline(report_dir: Path) -> None:
    for page in report_dir.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html
        assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html), page.name
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", html), page.name


def test_an_article_page_charts_levels_only_and_shows_explanations_with_amounts(report_dir: Path) -> None:
    html = (report_dir / "article_VII_7.html").read_text(encoding="utf-8")
    assert html.count('class="chart stacked-bars"') == 1 and 'class="chart vintage-lines"' in html
    assert "Opdrachten 2024: 52.706" in html  # the ontwerpbegroting's figure, a level
    assert "Bijdrage aan agentschappen (juridisch verplicht): 66%" in html
    assert "juridische en psychosociale ondersteuning voor klokkenluiders" in html
    assert re.search(r"POK - Ondersteuning van melders van misstanden</td>(?:<td[^>]*>[^<]*</td>){2}<td class=\"num\">854</td>", html)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install -y chromium)")
def test_the_report_renders_in_headless_chromium(report_dir: Path, tmp_path: Path) -> None:
    page = (report_dir / "article_VII_7.html").as_uri()
    screenshot = tmp_path / "article_VII_7.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,1600"]
    subprocess.run([CHROMIUM, *flags, f"--screenshot={screenshot}", page], check=True, capture_output=True, timeout=120)
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page], check=True, capture_output=True, text=True, timeout=120).stdout
    print(f"screenshot: {screenshot}")
    width, height, colours = _png_summary(screenshot)
    assert (width, height) == (1200, 1600)
    assert colours > 50, "the screenshot is (nearly) blank"
    assert len(re.findall(r"<rect class=\"bar\"", dom)) == 46  # a segment per non-zero instrument figure (7 x 7, 3 zero)
    assert len(re.findall(r'<polyline class="vintage"', dom)) == 1
    assert len(re.findall(r'<rect class="share"', dom)) == 7  # four categories, three instruments


def _png_summary(path: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct pixel values of a PNG (8-bit RGB or RGBA), read
    with the standard library."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunk = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    width, height, depth, colour_type = header[:4]
    assert depth == 8 and colour_type in (2, 6)
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels + 1
    # Filtered scanlines: distinct byte runs of the unfiltered rows would need the filters undone;
    # distinct pixels of the filtered bytes still tell a blank page (one value) from a drawn one.
    pixels = {raw[r * stride + 1 + c : r * stride + 1 + c + channels] for r in range(0, height, 4) for c in range(0, width * channels, channels * 4)}
    return width, height, len(pixels)


def test_the_report_is_the_same_when_each_article_is_a_batch_rendered_by_worker_processes(
    report_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import report

    monkeypatch.setattr(report, "DOCUMENTS_PER_BATCH", 1)  # a batch is then one article
    batched = report.render(report_dir.parent.parent / "budget.duckdb", tmp_path / "report")
    assert batched.rendered == batched.articles > report.REPORT_WORKERS > 1
    built = sorted(page.name for page in report_dir.iterdir())
    assert sorted(page.name for page in (tmp_path / "report").iterdir()) == built
    for name in built:
        assert (tmp_path / "report" / name).read_bytes() == (report_dir / name).read_bytes(), name


@pytest.mark.parametrize("collector_on", [True, False])
def test_a_report_rendered_in_the_callers_own_process_leaves_its_collector_as_it_was(
    report_dir: Path, tmp_path: Path, collector_on: bool
) -> None:
    import gc

    from pipeline import report

    was_on = gc.isenabled()
    (gc.enable if collector_on else gc.disable)()
    try:
        made = report.render(report_dir.parent.parent / "budget.duckdb", tmp_path / "report")
        assert made.rendered == made.articles  # every article, in one batch: this process rendered them
        assert gc.isenabled() is collector_on
    finally:
        (gc.enable if was_on else gc.disable)()


def test_the_report_is_the_same_when_the_figures_are_read_in_parts_of_a_few_lines(
    report_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from pipeline import report

    monkeypatch.setattr(report, "LINES_PER_PART", 7)
    warehouse = report_dir.parent.parent / "budget.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert len(report._line_parts(con)) > 10
    report.render(warehouse, tmp_path / "report")
    built = sorted(page.name for page in report_dir.iterdir())
    assert sorted(page.name for page in (tmp_path / "report").iterdir()) == built
    for name in built:
        assert (tmp_path / "report" / name).read_bytes() == (report_dir / name).read_bytes(), name


def test_the_report_chooses_the_figures_budget_vintages_shows(report_dir: Path) -> None:
    # report_figures.sql chooses each document's figure of a line and year as budget_vintages
    # does (its levels), by an aggregate rather than the view's ranking window.
    import duckdb

    from pipeline import report

    with duckdb.connect(str(report_dir.parent.parent / "budget.duckdb"), read_only=True) as con:
        documents = [row[0] for row in con.execute("SELECT document_id FROM dim_document").fetchall()]
        con.execute(report._sql("report_documents"), {"documents": documents, "batches": [0] * len(documents)})
        con.execute(report._sql("figure_preference"))
        con.execute(report._sql("report_figures_table"))
        for low, high in report._line_parts(con):
            con.execute(report._sql("report_figures"), {"documents": None, "lines": None, "low": low, "high": high})
        chosen = con.execute("SELECT document_id, line_id, fiscal_year, amount_thousand_eur FROM report_figures ORDER BY ALL").fetchall()
        shown = con.execute(
            "SELECT document_id, line_id, fiscal_year, amount_thousand_eur FROM budget_vintages"
            " WHERE column_kind IN ('realisatie', 'stand', 'ontwerpbegroting', 'raming') ORDER BY ALL"
        ).fetchall()
    assert len(chosen) > 100 and chosen == shown


def test_the_report_numbers_the_article_figures_as_budget_vintages_does(report_dir: Path) -> None:
    # report_article_figures.sql: the view's rows of the article lines' Uitgaven, chosen by an
    # aggregate and then numbered in budget-cycle order.
    import duckdb

    from pipeline import report

    columns = "chapter, article_code, line_id, fiscal_year, vintage_number, phase, budget_year, document_id, amount_thousand_eur"
    with duckdb.connect(str(report_dir.parent.parent / "budget.duckdb"), read_only=True) as con:
        con.execute(report._sql("figure_preference"))
        con.execute(report._sql("report_article_figures"))
        numbered = con.execute(f"SELECT {columns} FROM report_article_figures ORDER BY ALL").fetchall()
        shown = con.execute(f"SELECT {columns} FROM budget_vintages WHERE level = 'article' AND measure = 'uitgaven' ORDER BY ALL").fetchall()
    assert len(numbered) > 10 and numbered == shown


def test_the_processes_rendering_pages_start_without_pandas() -> None:
    # Each render worker imports pipeline.report; pandas (and pandera) would cost each ~2 CPU-s.
    probe = "import sys, pipeline.report; print(sorted(m for m in ('pandas', 'pandera') if m in sys.modules))"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=SOURCES.parent)
    assert shown.stdout.strip() == "[]"


def test_html_escape_in_sql_writes_what_python_html_escape_does() -> None:
    import html

    import duckdb

    from pipeline.report import _sql

    texts = ["", "plain text", "R&D", "<b>", "a > b", 'zei "ja"', "'s-Gravenhage", "&amp; al ge-escaped", "€ 1.000 & <x> \"'"]
    con = duckdb.connect()
    con.execute(_sql("html_escape"))
    escaped = con.execute("SELECT list(html_escape(t) ORDER BY i) FROM (SELECT unnest($texts) AS t, unnest(range(len($texts))) AS i)",
                          {"texts": texts}).fetchone()[0]
    assert escaped == [html.escape(t) for t in texts]
    assert con.execute("SELECT html_escape(NULL::VARCHAR)").fetchone()[0] is None
