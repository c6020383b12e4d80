"""The core's speed alone: parse and validate pages (no Dagster, no DuckDB), in MB/s of page text.
Run from the repository root:

    .venv/bin/python benchmarks/core_speed.py --pages 1000            # generated realistic pages
    .venv/bin/python benchmarks/core_speed.py --pages 1000 --real     # the real pages repeated

As `benchmarks/run.py` measures the core: `build.parse_many` (worker processes, start-up included),
then `deduplicate`, `to_frames` and `validate_frames`; the pages are read into memory first. Prints
each run and the median of --runs, with the machine's load average (the machine is shared).
The generated pages are written once to --cache (reused by later runs with the same --pages).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.core import build  # noqa: E402
from pipeline.core.metadata import ManifestRow  # noqa: E402

REAL_FOLDERS = (ROOT / "sources", ROOT.parent / "shared" / "fixtures" / "real", ROOT.parent / "shared" / "seeds")


def generated(n: int, cache: Path) -> tuple[list[tuple[str, bytes]], dict[str, ManifestRow]]:
    from benchmarks.run import write_pages
    from pipeline.core.documents import read_manifest

    folder = cache / f"pages_{n}"
    if not (folder / "manifest.csv").exists():
        write_pages(folder, n)
    blobs = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.txt"))]
    return blobs, read_manifest(folder)


def real_repeated(n: int) -> tuple[list[tuple[str, bytes]], dict[str, ManifestRow]]:
    """The real pages repeated to n pages; each copy made distinct by a trailing line of its own
    (identical bytes would be deduplicated, not parsed: the figure is the parse's)."""
    from pipeline.core.documents import read_manifest

    originals: list[tuple[str, bytes, ManifestRow | None]] = []
    for folder in REAL_FOLDERS:
        manifest = read_manifest(folder) if folder.is_dir() else {}
        for path in sorted(folder.glob("*.txt")):
            if not path.name.endswith(".meta.txt"):
                originals.append((path.name, path.read_bytes(), manifest.get(path.name)))
    blobs, manifest = [], {}
    for i in range(n):
        name, data, row = originals[i % len(originals)]
        key = f"{i:05d}_{name}"
        blobs.append((key, data + f"\n\ncopy {i}\n".encode()))
        if row is not None:
            manifest[key] = ManifestRow(key, row.source_url, row.chapter, row.budget_year, row.phase, row.article, row.problems)
    return blobs, manifest


def core_seconds(blobs: list[tuple[str, bytes]], manifest: dict[str, ManifestRow], workers: int) -> float:
    started = time.perf_counter()
    parsed = build.parse_many(blobs, manifest, workers=workers)
    build.deduplicate(parsed)
    build.validate_frames(build.to_frames(parsed))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--real", action="store_true", help="the real pages repeated instead of generated pages")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/budget-core-speed"))
    args = parser.parse_args()
    # The frames' half of the core (pandas, pandera), loaded before the clock starts as in a build's
    # process; imported here rather than at the top, since the parse workers import this script.
    import pipeline.core.frames  # noqa: F401
    blobs, manifest = real_repeated(args.pages) if args.real else generated(args.pages, args.cache)
    size = sum(len(b) for _, b in blobs)
    figures = []
    for run in range(args.runs):
        seconds = core_seconds(blobs, manifest, args.workers)
        figures.append(size / 1e6 / seconds)
        print(f"run {run + 1}: {seconds:.2f} s = {figures[-1]:.2f} MB/s (load average {os.getloadavg()[0]:.1f})")
    kind = "real pages repeated" if args.real else "generated realistic pages"
    print(f"core: {statistics.median(figures):.2f} MB/s median of {args.runs}, {args.pages} {kind}, {size / 1e6:.1f} MB, {args.workers} workers")


if __name__ == "__main__":
    main()
