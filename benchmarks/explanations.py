"""What reading the prose costs the core (issue 12: at most 20% of core time per page). Run from
the repository root:

    .venv/bin/python benchmarks/explanations.py            # 300 pages
    .venv/bin/python benchmarks/explanations.py --pages 100

Parses and validates the same generated pages (the seed's size, with explanation prose from
pipeline.testing.prose) in this process, with the explanation step and with it replaced by a no-op,
alternately, and prints the best of each: CPU seconds, MB/s of page text (core_mb_per_s) and
the overhead. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.core import build  # noqa: E402
from pipeline.testing.generator import realistic_page  # noqa: E402
from pipeline.testing.prose import add_explanations  # noqa: E402


def pages(n: int) -> list[tuple[str, bytes, object]]:
    out = []
    for i in range(n):
        rng = random.Random(f"explanations-benchmark-{i}")
        page = realistic_page(rng)
        add_explanations(page, rng)
        out.append((page.file_name, page.text.encode("utf-8"), page.manifest))
    return out


def core_seconds(jobs: list[tuple[str, bytes, object]]) -> float:
    """CPU seconds of this process (the machine may be busy with others: wall time would wander)."""
    started = time.process_time()
    parsed = [build.parse_source(*job) for job in jobs]
    build.deduplicate(parsed)
    build.validate_frames(build.to_frames(parsed))
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    jobs = pages(args.pages)
    size = sum(len(data) for _, data, _ in jobs)
    explain = build._explain
    timings: dict[str, list[float]] = {"with explanations": [], "without": []}
    for _ in range(args.rounds):
        build._explain = explain
        timings["with explanations"].append(core_seconds(jobs))
        build._explain = lambda *args: None
        timings["without"].append(core_seconds(jobs))
    build._explain = explain
    best = {name: min(values) for name, values in timings.items()}
    print(f"{args.pages} pages, {size / 1e6:.1f} MB of text, best of {args.rounds} rounds, one process")
    for name, seconds in best.items():
        print(f"  {name:18} {seconds:6.2f} s = {size / 1e6 / seconds:5.2f} MB/s")
    overhead = best["with explanations"] / best["without"] - 1
    print(f"  explanations cost {overhead:+.1%} core time per page")


if __name__ == "__main__":
    main()
