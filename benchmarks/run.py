"""Benchmarks: figures printed, never asserted. Run from the repository root:

    .venv/bin/python benchmarks/run.py --pages 1000 --json     # a few minutes
    .venv/bin/python benchmarks/run.py --pages 10000 --json    # the issue's scale (long)

Prints one JSON object (with --json; else one line per figure):
  pages, mb            generated pages (pipeline.testing.generator.realistic_pages, ~45 KB each)
  core_s, core_mb_per_s          parse + validate of those pages, no Dagster, no DuckDB (two
                                 workers, their start-up included; median of --repeat)
  core_mb_per_s_real             the same over the real pages of sources/ repeated to N pages
  e2e_s                `budget-warehouse build` from an empty warehouse and an empty persistent
                       SQLite DAGSTER_HOME, page files in the OS cache (median of --repeat)
  overhead_s, e2e_ratio          e2e_s - core_s, e2e_s / core_s
  dagster_events       events the build's run wrote to the instance
  add_one_page_s       one generated page added to the N: `budget-warehouse build` again (median
                       of --repeat: each time the page is added, built, then taken out and built)
  peak_pss_mb          peak proportional set size summed over the build's process tree, sampled
                       in a separate full build (PSS counts shared pages once)
  floor_s              DuckDB alone loading the same facts from a ready CSV (read_csv)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.core import build  # noqa: E402
from pipeline.core.documents import read_manifest  # noqa: E402
from pipeline.testing.generator import realistic_pages  # noqa: E402

WORKERS = 2


def write_pages(folder: Path, n: int, seed: int = 1) -> int:
    """N generated pages and their manifest; returns the bytes of page text."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "source_url", "chapter", "budget_year", "phase", "article"])
        for name, text, meta in realistic_pages(n, seed=seed):
            data = text.encode("utf-8")
            (folder / name).write_bytes(data)
            total += len(data)
            writer.writerow([name, meta.source_url or "", meta.chapter or "", meta.budget_year or "", meta.phase or "", meta.article or ""])
    return total


def core_seconds(blobs: list[tuple[str, bytes]], manifest: dict) -> float:
    """Parse and validate these pages: two workers, started inside the measurement."""
    started = time.perf_counter()
    with build.parsing_pool(len(blobs), WORKERS) as pool:
        parsed = build.parse_many(blobs, manifest, pool=pool)
    build.deduplicate(parsed)
    build.validate_frames(build.to_frames(parsed))
    return time.perf_counter() - started


def folder_blobs(folder: Path) -> tuple[list[tuple[str, bytes]], dict]:
    manifest = read_manifest(folder)
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.txt"))], manifest


def real_blobs(n: int) -> tuple[list[tuple[str, bytes]], dict]:
    """The real pages of sources/ repeated to n pages (each copy with its original's manifest row)."""
    pages, manifest = folder_blobs(ROOT / "sources")
    blobs, rows = [], {}
    for i in range(n):
        name, data = pages[i % len(pages)]
        key = f"copy{i:06d}_{name}"
        blobs.append((key, data))
        if name in manifest:
            rows[key] = manifest[name]
    return blobs, rows


def cli_build(sources: Path, warehouse: Path, home: Path, *, sample_pss: bool = False) -> tuple[float, float, str]:
    """Seconds, peak PSS (MB, the process tree; 0 unless sampled) and output of `budget-warehouse build`."""
    env = dict(os.environ, BUDGET_SOURCES_DIR=str(sources), BUDGET_WAREHOUSE_PATH=str(warehouse), DAGSTER_HOME=str(home))
    env.pop("BUDGET_STAGING_PATH", None)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    exe = Path(sys.executable).with_name("budget-warehouse")
    # Output goes to files: an undrained pipe fills up and stalls the build.
    out_file, err_file = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    started = time.perf_counter()
    process = psutil.Popen([str(exe), "build"], env=env, stdout=out_file, stderr=err_file, text=True)
    peak = 0
    while process.poll() is None:
        if sample_pss:
            try:
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(p.memory_full_info().pss for p in tree if p.is_running()))
            except psutil.Error:
                pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out_file.seek(0)
    err_file.seek(0)
    out, err = out_file.read(), err_file.read()
    if process.returncode != 0:
        raise SystemExit(f"budget-warehouse build failed:\n{err[-3000:]}")
    return seconds, peak / 1e6, out


def fresh(work: Path, name: str) -> tuple[Path, Path]:
    """An empty warehouse folder and an empty Dagster home."""
    for folder in (work / f"warehouse_{name}", work / f"home_{name}"):
        shutil.rmtree(folder, ignore_errors=True)
    return work / f"warehouse_{name}" / "budget.duckdb", work / f"home_{name}"


def run_events(home: Path, output: str) -> int:
    """Events the run (its id is on the output's last line) wrote to the instance."""
    import dagster as dg

    run_id = output.strip().splitlines()[-1].split()[1]
    os.environ["DAGSTER_HOME"] = str(home)
    with dg.DagsterInstance.get() as instance:
        return len(instance.all_logs(run_id))


def floor(warehouse: Path, scratch: Path) -> float:
    """DuckDB alone: the same facts loaded from a ready CSV."""
    csv_path = scratch / "facts.csv"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"COPY fact_budget_amount TO '{csv_path}' (HEADER)")
    target = scratch / "floor.duckdb"
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(target)) as con:
        con.execute(f"CREATE TABLE fact_budget_amount AS SELECT * FROM read_csv('{csv_path}')")
        con.execute("CHECKPOINT")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000, help="generated pages (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timed figure; the median is reported (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--keep", help="keep the generated pages and warehouses in this folder")
    args = parser.parse_args()
    # The frames' half of the core (pandas, pandera), loaded before the clock starts as in a build's
    # process; imported here rather than at the top, since the parse workers import this script.
    import pipeline.core.frames  # noqa: F401
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="budget-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    n = args.pages
    figures: dict[str, object] = {"pages": n}
    try:
        sources = work / f"pages_{n}"
        if not sources.exists():
            write_pages(sources, n)
        blobs, manifest = folder_blobs(sources)
        size = sum(len(data) for _, data in blobs)
        figures["mb"] = round(size / 1e6, 1)
        figures["core_s"] = round(statistics.median(core_seconds(blobs, manifest) for _ in range(args.repeat)), 2)
        figures["core_mb_per_s"] = round(size / 1e6 / figures["core_s"], 2)
        real, real_manifest = real_blobs(n)
        real_size = sum(len(data) for _, data in real)
        figures["core_mb_per_s_real"] = round(real_size / 1e6 / statistics.median(core_seconds(real, real_manifest) for _ in range(args.repeat)), 2)
        del blobs, real
        times = []
        for _ in range(args.repeat):
            warehouse, home = fresh(work, "e2e")
            seconds, _, output = cli_build(sources, warehouse, home)
            times.append(seconds)
        figures["e2e_s"] = round(statistics.median(times), 2)
        figures["overhead_s"] = round(figures["e2e_s"] - figures["core_s"], 2)
        figures["e2e_ratio"] = round(figures["e2e_s"] / figures["core_s"], 2)
        figures["dagster_events"] = run_events(home, output)
        extra = next(realistic_pages(1, seed=987654))
        added = []
        for _ in range(args.repeat):
            (sources / "added_page.txt").write_text(extra[1], encoding="utf-8")
            try:
                added.append(cli_build(sources, warehouse, home)[0])
            finally:
                (sources / "added_page.txt").unlink()
            cli_build(sources, warehouse, home)  # the page taken out again: back to the N pages
        figures["add_one_page_s"] = round(statistics.median(added), 2)
        figures["floor_s"] = round(floor(warehouse, work), 2)
        warehouse, home = fresh(work, "pss")
        figures["peak_pss_mb"] = round(cli_build(sources, warehouse, home, sample_pss=True)[1])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
