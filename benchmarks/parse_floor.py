"""What 20 MB/s of parse leaves per page, against the least work any parser must do. Run from the
repository root:

    .venv/bin/python benchmarks/parse_floor.py            # the real pages of sources/, as run.py repeats them
    .venv/bin/python benchmarks/parse_floor.py --generated 1000

Issue 11 asks for the core (`benchmarks/run.py`'s `core_seconds`: two worker processes, their start-up
included) at 20 MB/s of page text. This prints, in CPU milliseconds per page (one process, no other load):

  budget      what 20 MB/s allows: the pages' wall time at 20 MB/s, less the workers' start-up, times the
              two workers, per page (the build's own process, which unpickles the results, shares the cores)
  floor       hashing, decoding, and finding and converting every amount-like line with one compiled regex
              over the whole text: a lower bound of any parser of these pages (it finds no table, no
              heading, no hierarchy, and makes no record)
  transport   pickling the worker's result for a page and reading it back (what a chunk costs to travel
              from a worker to the build's process, with today's rows)
  parse       `build._parse_chunk` today (identify, find tables, parse, explain, pack the rows)

The figures are one-process CPU times; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.run import WORKERS, real_blobs, write_pages  # noqa: E402
from pipeline.core import build  # noqa: E402
from pipeline.core.documents import read_manifest  # noqa: E402

TARGET_MB_PER_S = 20.0
CHUNK = 32  # pages per chunk, as parse_many sends them at this scale
# A line holding one amount and nothing else ("17.963.120", "-131.625"): the dialect's usual cell.
AMOUNT_LINE = re.compile(r"^[ \t]*(-?\d{1,3}(?:\.\d{3})*)[ \t]*$", re.M)


def startup_s() -> float:
    """Wall seconds from starting the workers to their first (empty) chunk's result."""
    started = time.perf_counter()
    with build.parsing_pool(build.PARALLEL_MIN_PAGES, WORKERS) as pool:
        list(pool.map(build._parse_chunk, [[]] * WORKERS))
        return time.perf_counter() - started


def floor_ms(blobs: list[tuple[str, bytes]]) -> float:
    started = time.process_time()
    for _name, data in blobs:
        hashlib.sha256(data).hexdigest()
        text = data.decode("utf-8")
        [int(amount.replace(".", "")) for amount in AMOUNT_LINE.findall(text)]
    return (time.process_time() - started) * 1e3 / len(blobs)


def parse_and_transport_ms(blobs: list[tuple[str, bytes]], manifest: dict) -> tuple[float, float, int]:
    jobs = [(name, data, manifest.get(name)) for name, data in blobs]
    chunks = [jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    started = time.process_time()
    results = [build._parse_chunk(chunk) for chunk in chunks]
    parse = time.process_time() - started
    started = time.process_time()
    sent = [pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL) for result in results]
    for payload in sent:
        pickle.loads(payload)
    transport = time.process_time() - started
    return parse * 1e3 / len(blobs), transport * 1e3 / len(blobs), sum(map(len, sent)) // len(blobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10000, help="pages the budget is computed for (default 10000)")
    parser.add_argument("--sample", type=int, default=2000, help="pages timed (default 2000)")
    parser.add_argument("--generated", type=int, help="time this many generated pages instead of the real ones")
    args = parser.parse_args()
    if args.generated:
        folder = Path("/tmp") / f"budget-floor-pages-{args.generated}"
        if not (folder / "manifest.csv").exists():
            write_pages(folder, args.generated)
        manifest = read_manifest(folder)
        blobs = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.txt"))]
        kind = "generated"
    else:
        blobs, manifest = real_blobs(args.sample)
        kind = "real"
    page_bytes = sum(len(data) for _, data in blobs) / len(blobs)
    start = startup_s()
    wall = args.pages * page_bytes / (TARGET_MB_PER_S * 1e6)
    budget_ms = (wall - start) * WORKERS * 1e3 / args.pages
    floor = floor_ms(blobs)
    parse, transport, payload = parse_and_transport_ms(blobs, manifest)
    print(json.dumps({
        "pages": kind, "page_kb": round(page_bytes / 1e3, 2), "workers_startup_s": round(start, 2),
        "budget_ms": round(budget_ms, 3), "floor_ms": round(floor, 3), "transport_ms": round(transport, 3),
        "transport_bytes": payload, "parse_ms": round(parse, 3),
        "left_for_parsing_ms": round(budget_ms - floor - transport, 3),
        "parse_beyond_floor_ms": round(parse - floor, 3),
    }))


if __name__ == "__main__":
    main()
