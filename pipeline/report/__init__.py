"""The offline HTML report of a warehouse file: an index of documents and, per article, its
instruments over the years (stacked bars), the vintages of its Uitgaven across the budget cycle
(lines), its flexibility shares, and every line with its amounts and its explanations.

Pure: reads a DuckDB warehouse (read-only), writes static files. No JavaScript, no fonts or
styles fetched from elsewhere: the charts are inline SVG (pipeline.report.charts).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import operator
import os
import pickle
import shutil
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import duckdb

from pipeline.report import charts
from pipeline.store.connections import duckdb_config

REPORT_DIR = "report"
# Per article page, what it was made from (see _article_fingerprints).
FINGERPRINTS = ".article_fingerprints.json"
# Documents whose pages are rendered together (whole articles, so at least one article): a process
# rendering pages holds one batch's rows and texts in memory. Full report of 10,000 generated
# pages, in one process: 1,000 documents a batch peak at 806 MB PSS (23.5 s), 500 at 704 MB
# (26.5 s): the report was the build's peak.
DOCUMENTS_PER_BATCH = 500
# The data sets of the pages, each read from the warehouse in one query for every batch (never
# once per batch or article) and written to Parquet per batch: see _Batch. The explanations go to
# a file of pickled rows per batch instead (_explanations_to_files).
BATCH_DATA = ("vintages", "flexibility", "instruments", "document_years", "lines", "line_figures")
# Explanation rows fetched from the warehouse at a time (~2 KB each at 10,000 pages): a fetch of
# ~2 MB rather than ~8 MB (4,096 rows) is cheaper to fetch and pickle, and to unpickle (10,000 pages:
# 2.16 -> 1.83 CPU-s over the processes).
EXPLANATIONS_PER_FETCH = 1024
# Processes rendering batches at once, after the warehouse's connection is closed (rendering is
# single-threaded Python). 10,000 pages: while they render, the processes together peak below
# the connection's DuckDB buffers (~470 vs ~570 MB PSS).
REPORT_WORKERS = 2
# Budget lines whose figures a full report chooses at a time (see _line_parts).
LINES_PER_PART = 160_000
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.level-article td { font-weight: bold; } tr.level-sub_article td { font-weight: 600; }
tr.explanation td { color: #444; background: #fafafa; font-size: 12px; }
.path { color: #777; font-size: 11px; } .method { color: #0072B2; font-size: 11px; }
svg.chart { display: block; margin: 0.5em 0 1.5em; }
"""


@dataclass
class Report:
    index: Path
    pages: list[Path] = field(default_factory=list)
    summary_svg: Path | None = None
    documents: int = 0
    articles: int = 0
    rendered: int = 0  # article pages rendered (the others are the previous report's, unchanged)


def _sql(name: str) -> str:
    return resources.files(__name__).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def _rows(con: duckdb.DuckDBPyConnection, name: str, **params) -> list[dict]:
    cursor = con.execute(_sql(name), params or None)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _page(title: str, body: list[str | bytes]) -> bytes:
    """The page as UTF-8, its parts encoded one by one: joined as text, one part beyond Latin-1
    (a chart's €) made the whole page 2 bytes a character, copied and encoded again (10,000
    pages: 2.3 -> 1.2 CPU-s to make and write them). Parts given as bytes are UTF-8 already."""
    head = (
        "<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
    )
    return b"".join([part if isinstance(part, bytes) else part.encode() for part in (head, *body, "</body></html>\n")])


def _article_file(chapter: str | None, article_code: str | None) -> str:
    return f"article_{chapter or 'none'}_{article_code or 'none'}.html".replace("/", "_")


def render(warehouse: Path, directory: Path, previous: Path | None = None) -> Report:
    """Write the report of `warehouse` into `directory` (made anew). An article page of the
    `previous` report whose article has the same documents in the same versions (and the report
    the same code) is that file, hard-linked rather than rendered again."""
    directory.mkdir(parents=True, exist_ok=True)
    config = duckdb_config()
    con = duckdb.connect(str(warehouse), read_only=True, config=config)
    stack = contextlib.ExitStack()
    try:
        # Counting each document's lines reads every amount (10,000 pages: ~0.2 CPU-s): on a
        # connection of its own while this one prepares the pages; the index needs it last.
        background = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="report-line-counts"))
        line_counts = background.submit(_line_counts, warehouse, config)
        documents = _rows(con, "documents")
        articles: dict[tuple, list[dict]] = {}
        for document in documents:
            articles.setdefault((document["chapter"], document["article_code"]), []).append(document)
        report = Report(index=directory / "index.html", documents=len(documents), articles=len(articles))
        fingerprints = _article_fingerprints(con)
        reusable = _read_fingerprints(previous)
        keys = []
        for key in articles:
            name = _article_file(*key)
            if previous is not None and reusable.get(name) == fingerprints.get(name) and (previous / name).is_file():
                os.link(previous / name, directory / name)
                report.pages.append(directory / name)
            else:
                keys.append(key)
        batches: list[list[tuple]] = []
        for key in keys:
            if not batches or sum(len(articles[k]) for k in batches[-1]) + len(articles[key]) > DOCUMENTS_PER_BATCH:
                batches.append([])
            batches[-1].append(key)
        workers = _workers(len(batches))
        if workers is not None:
            stack.enter_context(workers)
        numbered = [(d["document_id"], number) for number, batch in enumerate(batches) for key in batch for d in articles[key]]
        con.execute(_sql("report_documents"), {"documents": [d for d, _ in numbered], "batches": [n for _, n in numbered]})
        con.execute(_sql("html_escape"))
        con.execute(_sql("figure_preference"))
        every_article = len(keys) == len(articles)
        rendered = None if every_article else [d for d, _ in numbered]
        lines = None if every_article else con.execute(_sql("document_lines"), {"documents": rendered}).fetchone()[0]
        con.execute(_sql("report_figures_table"))
        for low, high in _line_parts(con) if every_article else [(None, None)]:
            con.execute(_sql("report_figures"), {"documents": rendered, "lines": lines, "low": low, "high": high})
        con.execute(_sql("report_article_figures"))
        con.execute(_sql("report_lines"))
        with tempfile.TemporaryDirectory(prefix="report-batches-") as scratch:
            for name in BATCH_DATA:
                query = _sql("batches_to_parquet").replace("{rows}", _sql(name))
                con.execute(query, {"directory": str(Path(scratch) / name)})
            _explanations_to_files(con, Path(scratch) / "explanations")
            summary = _summary_chart(con)
            # Let go of DuckDB's memory (its buffers, the temp tables) before the pages are rendered.
            con.close()
            jobs = [(scratch, number, str(directory), [(key, articles[key]) for key in batch], config)
                    for number, batch in enumerate(batches)]
            written = workers.map(_write_batch, *zip(*jobs)) if workers is not None else (_write_batch(*job) for job in jobs)
            # The index and the summary chart while the processes render pages (this one waits on them).
            report.summary_svg = directory / "summary.svg"
            report.summary_svg.write_text(summary or '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', encoding="utf-8")
            report.index.write_bytes(_index_page(documents, line_counts.result(), summary))
            report.pages += [Path(page) for pages in written for page in pages]
        (directory / FINGERPRINTS).write_text(json.dumps(fingerprints, sort_keys=True), encoding="utf-8")
        report.rendered = len(keys)
    finally:
        con.close()
        stack.close()
        _reader.cache_clear()  # this process's, when it rendered the pages itself
    return report


def _line_counts(warehouse: Path, config: dict) -> dict[str, int]:
    """Per document of `warehouse`: the budget lines it prints figures for (document_line_counts.sql)."""
    with duckdb.connect(str(warehouse), read_only=True, config=config) as con:
        return dict(con.execute(_sql("document_line_counts")).fetchall())


def _line_parts(con: duckdb.DuckDBPyConnection) -> list[tuple[str | None, str | None]]:
    """Ranges of line_id (low exclusive, high inclusive; None: open) of at most LINES_PER_PART
    lines each. Chosen for every line at once, the figures of 10,000 pages spill to disk under the
    memory limit (report_figures.sql: 3.4 CPU-s; in 3 parts 1.9-2.0, the same rows)."""
    bounds = con.execute(_sql("line_bounds"), {"per_part": LINES_PER_PART}).fetchone()[0]
    edges = [None, *bounds, None]
    return list(zip(edges, edges[1:]))


def _explanations_to_files(con: duckdb.DuckDBPyConnection, directory: Path) -> None:
    """The explanation rows (explanations.sql) of each batch, pickled into directory/BATCH.pickle
    (lists of rows, in any order) as they are fetched. Their 400 MB of texts (10,000 pages) cost
    more to write as Parquet and read back (3.2-3.5 CPU-s over the processes) than to fetch and
    pickle (1.9-2.0); the many short rows of the other data sets cost less as Parquet."""
    directory.mkdir()
    files = {}
    try:
        cursor = con.execute(_sql("explanations"))
        while chunk := cursor.fetchmany(EXPLANATIONS_PER_FETCH):
            parts: dict[int, list[tuple]] = {}
            for row in chunk:
                parts.setdefault(row[0], []).append(row)
            for batch, rows in parts.items():
                if batch not in files:
                    files[batch] = open(directory / f"{batch}.pickle", "wb")  # noqa: SIM115 (closed below)
                pickle.dump(rows, files[batch], protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        for file in files.values():
            file.close()


def _read_explanations(path: Path) -> list[tuple]:
    """A batch's explanation rows (_explanations_to_files) in their order, without batch and position."""
    rows: list[tuple] = []
    with contextlib.suppress(FileNotFoundError), open(path, "rb") as file:  # none: the batch has none
        while True:
            try:
                rows += pickle.load(file)
            except EOFError:
                break
    rows.sort(key=operator.itemgetter(1))
    return [row[2:] for row in rows]


def _workers(batches: int):
    """REPORT_WORKERS processes to render `batches` batches (None: one batch, rendered in this
    process), started now: each is up (python, duckdb imported) by the time the queries are done,
    rather than after them (10,000 pages: ~0.5 s of the report's wall on a busy machine)."""
    if batches < 2 or REPORT_WORKERS < 2:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    processes = min(REPORT_WORKERS, batches)
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=context)
    for _ in range(processes):
        pool.submit(_ready)
    return pool


def _ready() -> None:
    """A process's first job: importing this module (and duckdb) before the batches come."""


def _write_batch(scratch: str, batch: int, directory: str, articles: list[tuple[tuple, list[dict]]], config: dict) -> list[str]:
    """Write the pages of a batch of articles from its rows in `scratch` (batches_to_parquet.sql),
    reading them with DuckDB `config`; its rows are let go on return, before the process reads
    another batch."""
    # The batch's rows and pages are millions of objects without cycles: the collector's passes
    # over them are wasted (freed by reference counting on return). A call in the build's own
    # process (a report of one batch) leaves the collector as it found it.
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        data = _Batch.read(_reader(tuple(config.items())), Path(scratch), batch)
        pages = []
        for (chapter, article_code), documents in articles:
            path = Path(directory) / _article_file(chapter, article_code)
            path.write_bytes(_article_page(data, chapter, article_code, documents))
            pages.append(str(path))
    finally:
        if collector_was_on:
            gc.enable()
    return pages


@functools.cache
def _reader(config: tuple[tuple[str, str], ...]) -> duckdb.DuckDBPyConnection:
    """The process's DuckDB (in memory) that reads its batches' rows: one for every batch, not a
    database started per batch (~15 ms of CPU each). One thread: the processes render side by side
    on the cores, and a second thread per reader cost more than it saved (reading every batch of
    10,000 pages: 1.92 -> 1.85 CPU-s)."""
    return duckdb.connect(config={**dict(config), "threads": "1"})


def _version() -> str:
    """The report's code and the warehouse's (which makes what the report reads)."""
    # Imported here: it imports pandas, which the processes rendering pages do not need.
    from pipeline.store.increment import BUILD_VERSION

    digest = hashlib.sha256(BUILD_VERSION.encode())
    for path in sorted([*Path(__file__).parent.glob("*.py"), *Path(__file__).parent.glob("sql/*.sql")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _article_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per article page: a hash of the report's version and of the article's documents with the
    fingerprint of the page each was loaded from (what an article page is made of)."""
    version = _version()
    return {
        _article_file(chapter, article_code): hashlib.sha256(f"{version}|{documents}".encode()).hexdigest()[:32]
        for chapter, article_code, documents in con.execute(_sql("article_fingerprints")).fetchall()
    }


def _read_fingerprints(previous: Path | None) -> dict[str, str]:
    try:
        return json.loads((previous / FINGERPRINTS).read_text(encoding="utf-8")) if previous is not None else {}
    except (OSError, ValueError):
        return {}  # no previous report, or one made before fingerprints: render every page


class _Section(NamedTuple):
    """An explanation section as explanations.sql reads it."""

    document_id: str
    line_id: str | None
    heading_path_html: str
    text_html: bytes
    link_method_html: str
    link_method: str
    link_score: float | None
    unmatched_reason_html: str


@dataclass
class _Batch:
    """The rows of a batch of articles, grouped: by article (chapter, article code) or by document."""

    vintages: dict[tuple, list[dict]]
    flexibility: dict[tuple, list[dict]]
    instruments: dict[str, dict[str, dict[int, int]]]  # document_id -> {instrument: {fiscal year: amount}}
    years: dict[str, list[int]]  # document_id -> the fiscal years of its table of lines, in order
    lines: dict[str, list[tuple]]  # (document_id, line number, line_id, level, label as HTML), in table order
    cells: dict[int, dict[int, str]]  # line number -> {fiscal year: its cell}
    explanations: dict[str, list[_Section]]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, scratch: Path, batch: int) -> _Batch:
        def rows(name: str, query: str = "batch_rows") -> duckdb.DuckDBPyConnection | None:
            files = scratch / name / f"batch={batch}"  # none when the batch has no such rows
            return con.execute(_sql(query), {"files": f"{files}/*.parquet"}) if files.is_dir() else None

        def grouped(name: str, *keys: str) -> dict:
            groups: dict = {}
            cursor = rows(name)
            if cursor is None:
                return groups
            columns = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                row = dict(zip(columns, row))
                key = tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]
                groups.setdefault(key, []).append(row)
            return groups

        # Lines and figures are most of the rows: read as tuples, not dicts.
        lines: dict[str, list[tuple]] = {}
        # Whole rows: unpacking each into a list of the rest cost more than the rest of the loop.
        for line in (cursor.fetchall() if (cursor := rows("lines")) else []):
            lines.setdefault(line[0], []).append(line)
        cells: dict[int, dict[int, str]] = {}
        for line_number, fiscal_year, cell in (cursor.fetchall() if (cursor := rows("line_figures", "batch_rows_any_order")) else []):
            cells.setdefault(line_number, {})[fiscal_year] = cell
        # The many rows (explanations, instruments' figures) as tuples: a dict per row cost more.
        instruments: dict[str, dict[str, dict[int, int]]] = {}
        for document_id, instrument, fiscal_year, amount in (cursor.fetchall() if (cursor := rows("instruments")) else []):
            instruments.setdefault(document_id, {}).setdefault(instrument, {})[fiscal_year] = amount
        explanations: dict[str, list[_Section]] = {}
        for section in _read_explanations(scratch / "explanations" / f"{batch}.pickle"):
            explanations.setdefault(section[0], []).append(_Section._make(section))
        return cls(
            vintages=grouped("vintages", "chapter", "article_code"),
            flexibility=grouped("flexibility", "chapter", "article_code"),
            instruments=instruments,
            years=dict(cursor.fetchall()) if (cursor := rows("document_years", "batch_rows_any_order")) else {},
            lines=lines,
            cells=cells,
            explanations=explanations,
        )


def publish_report(warehouse: Path, export_dir: Path) -> Report:
    """Render into `export_dir/report`, switched in one rename: a reader sees the old report or the
    new one, whole."""
    target = export_dir / REPORT_DIR
    staging = export_dir / f".{REPORT_DIR}.{uuid.uuid4().hex}"
    report = render(warehouse, staging, target if target.is_dir() else None)
    old = export_dir / f".{REPORT_DIR}.old.{uuid.uuid4().hex}"
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)
    return Report(
        index=target / report.index.name,
        pages=[target / p.name for p in report.pages],
        summary_svg=target / report.summary_svg.name if report.summary_svg else None,
        documents=report.documents,
        articles=report.articles,
        rendered=report.rendered,
    )


def _summary_chart(con: duckdb.DuckDBPyConnection) -> str:
    series: dict[str, dict[int, int]] = {}
    for row in _rows(con, "summary"):
        series.setdefault(row["chapter"], {})[row["fiscal_year"]] = row["amount"]
    return charts.stacked_bars("Uitgaven per hoofdstuk en jaar (laatste stand per artikel, x € 1.000)", series)


def _index_page(documents: list[dict], line_counts: dict[str, int], summary: str) -> bytes:
    body = ["<h1>Rijksbegroting: documenten</h1>", summary, "<table class=\"documents\"><tr>",
            "<th>Hoofdstuk</th><th>Artikel</th><th>Jaar</th><th>Fase</th><th>Bestand</th>",
            "<th class=\"num\">Regels</th><th class=\"num\">Toelichtingen (gekoppeld)</th></tr>"]
    for d in documents:
        link = _article_file(d["chapter"], d["article_code"])
        article = f"{d['article_code'] or '?'} {d['article_name'] or ''}".strip()
        body.append(
            f"<tr><td>{escape(d['chapter'] or '?')} {escape(d['chapter_name'] or '')}</td>"
            f"<td><a href=\"{escape(link)}\">{escape(article)}</a></td><td>{d['budget_year'] or '?'}</td>"
            f"<td>{escape(d['phase'] or '?')}</td><td>{escape(d['source_file'])}</td>"
            f"<td class=\"num\">{line_counts.get(d['document_id'], 0)}</td><td class=\"num\">{d['sections']} ({d['linked_sections']})</td></tr>"
        )
    body.append("</table>")
    return _page("Rijksbegroting: documenten", body)


def _article_page(data: _Batch, chapter: str | None, article_code: str | None, docs: list[dict]) -> bytes:
    name = next((d["article_name"] for d in docs if d["article_name"]), "")
    title = f"Hoofdstuk {chapter or '?'}, artikel {article_code or '?'} {name}".strip()
    body = [f"<p><a href=\"index.html\">Alle documenten</a></p><h1>{escape(title)}</h1>"]
    vintages: dict[str, dict[int, int]] = {}
    for row in data.vintages.get((chapter, article_code), []):
        vintages.setdefault(row["vintage"], {})[row["fiscal_year"]] = row["amount"]
    if vintages:
        body += ["<h2>Uitgaven door de begrotingscyclus</h2>",
                 charts.lines("Uitgaven van het artikel per document (x € 1.000)", vintages)]
    flexibility = data.flexibility.get((chapter, article_code), [])
    if flexibility:
        body.append("<h2>Budgetflexibiliteit</h2>")
        for (year, phase) in dict.fromkeys((r["fiscal_year"], r["phase"]) for r in flexibility):
            shares = [(r["name"], r["share_pct"]) for r in flexibility if (r["fiscal_year"], r["phase"]) == (year, phase)]
            body.append(charts.share_bars(f"Geschatte budgetflexibiliteit {year} ({phase})", shares))
    for document in docs:
        body += _document_section(data, document)
    return _page(title, body)


# Indent of a line's label by its level (em).
_INDENT_EM = {"article": 0.0, "sub_article": 1.2, "instrument": 2.4, "regeling": 3.6, "detail": 4.8, "breakdown": 4.8}
_EMPTY_CELL = "<td class=\"num\"></td>"


@functools.cache
def _line_row_start(level: str) -> str:
    return f"<tr class=\"line level-{escape(level)}\"><td style=\"padding-left:{_INDENT_EM.get(level, 0.0) + 0.5:.1f}em\">"


def _document_section(data: _Batch, document: dict) -> list[str | bytes]:
    document_id = document["document_id"]
    body = [f"<h2 id=\"{escape(document_id)}\">{escape(document['phase'] or '?')} {document['budget_year'] or '?'}: "
            f"{escape(document['source_file'])}</h2>"]
    instruments = data.instruments.get(document_id)
    if instruments:
        body.append(charts.stacked_bars("Uitgaven per financieel instrument (x € 1.000)", instruments))
    lines = data.lines.get(document_id, [])
    explanations = data.explanations.get(document_id, [])
    by_line: dict[str, list[_Section]] = {}
    for section in explanations:
        if section.line_id is not None:
            by_line.setdefault(section.line_id, []).append(section)
    no_figures: dict[int, str] = {}
    cells_of = [data.cells.get(line_number, no_figures) for _, line_number, _, _, _ in lines]
    years = data.years.get(document_id, [])
    empty = [_EMPTY_CELL] * len(years)  # cells.get(year, its default): map() without a comprehension
    body.append("<table class=\"lines\"><tr><th>Regel</th>" + "".join(f"<th class=\"num\">{y}</th>" for y in years) + "</tr>")
    for (_, _, line_id, level, label_html), cells in zip(lines, cells_of):
        row = "".join(map(cells.get, years, empty))
        body.append(f"{_line_row_start(level)}{label_html}</td>{row}</tr>")
        pad = _INDENT_EM.get(level, 0.0)
        for section in by_line.get(line_id, ()):
            score = f" {section.link_score:.2f}" if section.link_score is not None and section.link_method == "fuzzy" else ""
            body.append(
                f"<tr class=\"explanation\"><td colspan=\"{len(years) + 1}\" style=\"padding-left:{pad + 1.5:.1f}em\">"
                f"<div class=\"path\">{section.heading_path_html} "
                f"<span class=\"method\">[{section.link_method_html}{score}]</span></div>"
            )
            body += [section.text_html, "</td></tr>"]
    body.append("</table>")
    unlinked = [s for s in explanations if s.line_id is None and s.text_html]
    if unlinked:
        body.append("<h3>Toelichting zonder begrotingsregel</h3>")
        for section in unlinked:
            body += [f"<p><span class=\"path\">{section.heading_path_html} ({section.unmatched_reason_html})</span><br>",
                     section.text_html, "</p>"]
    return body


__all__ = ["Report", "render", "publish_report", "REPORT_DIR"]
