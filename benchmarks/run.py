"""Benchmarks: figures printed, never asserted. Run from the repository root:

    .venv/bin/python benchmarks/run.py                 # 1,000 and 10,000 pages (several minutes)
    .venv/bin/python benchmarks/run.py --small 200 --large 1000   # a quick look

Prints, measured in the same run:
  a. the core (parse and validate, no Dagster) in MB/s of page text;
  b. the end-to-end CLI materialization time (`budget-warehouse build`), and its ratio to the core;
  c. adding one page to a warehouse of --large pages: seconds, and as a fraction of the full rebuild;
  d. peak resident memory of the full build at --large pages;
  e. the floor: DuckDB loading the same facts from a ready CSV with read_csv, and our ratio to it.
Pages come from the page generator (`pipeline.testing.generator.realistic_pages`): tables and prose,
the size of the seed page.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.core import build  # noqa: E402
from pipeline.testing.generator import realistic_pages  # noqa: E402
from pipeline.core.metadata import ManifestRow  # noqa: E402


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


def core(folder: Path) -> tuple[float, int]:
    """Parse and validate every page of the folder in this process: seconds and bytes."""
    from pipeline.core.documents import read_manifest

    manifest = read_manifest(folder)
    files = sorted(p for p in folder.glob("*.txt"))
    blobs = [(p.name, p.read_bytes()) for p in files]
    size = sum(len(b) for _, b in blobs)
    started = time.perf_counter()
    parsed = build.parse_many(blobs, manifest)
    build.deduplicate(parsed)
    build.validate_frames(build.to_frames(parsed))
    return time.perf_counter() - started, size


def cli_build(sources: Path, warehouse: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB, the process tree) and output of `budget-warehouse build`."""
    env = dict(os.environ, BUDGET_SOURCES_DIR=str(sources), BUDGET_WAREHOUSE_PATH=str(warehouse))
    env.pop("DAGSTER_HOME", None)
    env.pop("BUDGET_STAGING_PATH", None)
    exe = Path(sys.executable).with_name("budget-warehouse")
    started = time.perf_counter()
    # Output goes to files: an undrained pipe fills up and stalls the build.
    out_file, err_file = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    process = psutil.Popen([str(exe), "build"], env=env, stdout=out_file, stderr=err_file, text=True)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
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


def floor(warehouse: Path, scratch: Path) -> tuple[float, int]:
    """DuckDB alone: the same facts loaded from a ready CSV."""
    csv_path = scratch / "facts.csv"
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("SELECT count(*) FROM fact_budget_amount").fetchone()[0]
    con.execute(f"COPY fact_budget_amount TO '{csv_path}' (HEADER)")
    con.close()
    target = scratch / "floor.duckdb"
    started = time.perf_counter()
    con = duckdb.connect(str(target))
    con.execute(f"CREATE TABLE fact_budget_amount AS SELECT * FROM read_csv('{csv_path}')")
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1000, help="pages for the start-up comparison (default 1000)")
    parser.add_argument("--large", type=int, default=10000, help="pages for the scale figures (default 10000)")
    parser.add_argument("--keep", help="keep the generated pages and warehouses in this folder")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="budget-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; work folder {work}")
    try:
        for n in sorted({args.small, args.large}):
            sources = work / f"pages_{n}"
            if not sources.exists():
                started = time.perf_counter()
                size = write_pages(sources, n)
                print(f"[{n} pages] generated {size / 1e6:.1f} MB of page text in {time.perf_counter() - started:.1f} s")
            core_s, size = core(sources)
            print(f"[{n} pages] a. core (parse + validate): {core_s:.2f} s = {size / 1e6 / core_s:.1f} MB/s")
            warehouse = work / f"warehouse_{n}" / "budget.duckdb"
            shutil.rmtree(warehouse.parent, ignore_errors=True)
            e2e_s, peak_mb, out = cli_build(sources, warehouse)
            print(f"[{n} pages] b. end to end (budget-warehouse build): {e2e_s:.2f} s = {e2e_s / core_s:.2f} x the core, "
                  f"core + {e2e_s - core_s:.1f} s")
            print(f"[{n} pages] d. peak resident memory of the build: {peak_mb:.0f} MB")
            if n == args.large:
                extra = next(realistic_pages(1, seed=987654))
                (sources / "added_page.txt").write_text(extra[1], encoding="utf-8")
                add_s, _, add_out = cli_build(sources, warehouse)
                parsed = add_out.split("pages parsed: ")[1].split()[0]
                print(f"[{n} pages] c. one page added: {add_s:.2f} s = {add_s / e2e_s:.3f} of the full rebuild; pages parsed: {parsed}")
                (sources / "added_page.txt").unlink()
                floor_s, rows = floor(warehouse, work)
                print(f"[{n} pages] e. floor: DuckDB read_csv of the same {rows} facts: {floor_s:.2f} s; "
                      f"the build takes {e2e_s / floor_s:.1f} x the floor")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
