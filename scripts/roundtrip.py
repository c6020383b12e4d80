"""Round-trip generated pages and mutants through the parser, in large numbers.

    python scripts/roundtrip.py --pages 10000 --mutants 10000 [--seed 0] [--jobs 8] [--show 5]

Pages: random pages from pipeline.testing.generator (every layout and text shape), parsed with
`parse_source` and compared with what the generator built. Counts:
  exact               every table read back exactly (tree, columns, statuses, amounts)
  rejected            the negative shapes (cells run together, amounts in millions), rejected with
                      the expected reason
  ambiguous rejected  tables the generator marks as readable in two ways, rejected
  unexpected          a valid table rejected (must be 0)
  wrong               anything loaded that differs from the page (must be 0)
Mutants: detectable mutants from pipeline.testing.mutations (drop, duplicate, garble, truncate,
change) and footnote markers after a value; each must be rejected or read as the original;
wrong must be 0.
Exit status 1 when anything is wrong or unexpectedly rejected.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.core.build import parse_source  # noqa: E402
from pipeline.testing.generator import compare, random_page  # noqa: E402
from pipeline.testing.mutations import judge, random_mutant  # noqa: E402

PAGE_LABELS = {
    "exact": "exact",
    "rejected": "rejected (negative shape)",
    "ambiguous_rejected": "rejected (ambiguous by construction)",
    "unexpected_rejection": "unexpected rejection",
    "wrong": "wrong",
}


def _pages(args: tuple[int, int, int]) -> tuple[Counter, Counter, list[str], int]:
    seed, start, stop = args
    counts: Counter = Counter()
    by_shape: Counter = Counter()
    problems: list[str] = []
    size = 0
    for i in range(start, stop):
        rng = random.Random(f"page-{seed}-{i}")
        page = random_page(rng)
        data = page.text.encode("utf-8")
        size += len(data)
        outcome = compare(parse_source(page.file_name, data, page.manifest).result, page)
        counts[outcome.status] += 1
        table = page.tables[0]
        by_shape[(table.layout.variant if table.layout else "?", table.shape, outcome.status)] += 1
        if not outcome.ok:
            problems.append(f"page {i} (seed page-{seed}-{i}): {outcome.status}: {'; '.join(outcome.details[:3])}")
    return counts, by_shape, problems, size


def _mutants(args: tuple[int, int, int]) -> tuple[Counter, list[str], int]:
    seed, start, stop = args
    counts: Counter = Counter()
    problems: list[str] = []
    skipped = 0
    for i in range(start, stop):
        rng = random.Random(f"mutant-{seed}-{i}")
        page = random_page(rng)
        mutant = random_mutant(page, rng)
        if mutant is None:
            skipped += 1
            continue
        result = parse_source(page.file_name, mutant.text.encode("utf-8"), page.manifest).result
        outcome = judge(result, page, mutant)
        counts[(mutant.kind, outcome.status)] += 1
        if not outcome.ok:
            problems.append(f"mutant {i} (seed mutant-{seed}-{i}): {mutant.description}: {'; '.join(outcome.details[:3])}")
    return counts, problems, skipped


def _chunks(total: int, jobs: int, seed: int) -> list[tuple[int, int, int]]:
    size = max(1, total // (jobs * 4) or 1)
    return [(seed, start, min(total, start + size)) for start in range(0, total, size)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--mutants", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--show", type=int, default=10, help="problems to print")
    parser.add_argument("--by-shape", action="store_true", help="print the page counts per layout and shape")
    args = parser.parse_args(argv)
    bad = 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        if args.pages:
            started = time.perf_counter()
            counts: Counter = Counter()
            by_shape: Counter = Counter()
            problems: list[str] = []
            size = 0
            for c, s, p, n in pool.map(_pages, _chunks(args.pages, args.jobs, args.seed)):
                counts.update(c)
                by_shape.update(s)
                problems.extend(p)
                size += n
            elapsed = time.perf_counter() - started
            print(f"pages: {args.pages} ({size / 1e6:.1f} MB, {elapsed:.0f} s with {args.jobs} jobs)")
            for status, label in PAGE_LABELS.items():
                print(f"  {label:40} {counts[status]}")
            if args.by_shape:
                for (layout, shape, status), n in sorted(by_shape.items()):
                    print(f"    {layout:12} {shape:14} {status:22} {n}")
            for line in problems[: args.show]:
                print("  ! " + line)
            bad += counts["wrong"] + counts["unexpected_rejection"]
        if args.mutants:
            started = time.perf_counter()
            mutant_counts: Counter = Counter()
            mutant_problems: list[str] = []
            produced = 0
            skipped = 0
            offset = 0
            # Pages without a detectable mutant are skipped; draw until there are enough mutants.
            while produced < args.mutants:
                wanted = args.mutants - produced
                chunk = [(args.seed, offset + a, offset + b) for _, a, b in _chunks(wanted, args.jobs, args.seed)]
                for c, p, s in pool.map(_mutants, chunk):
                    mutant_counts.update(c)
                    mutant_problems.extend(p)
                    skipped += s
                produced = sum(mutant_counts.values())
                offset += wanted
            elapsed = time.perf_counter() - started
            total = Counter()
            for (kind, status), n in mutant_counts.items():
                total[status] += n
            print(f"mutants: {produced} ({skipped} pages offered no detectable mutant; {elapsed:.0f} s)")
            print(f"  {'rejected':40} {total['rejected']}")
            print(f"  {'read as the original':40} {total['original']}")
            print(f"  {'wrong':40} {total['wrong']}")
            kinds = sorted({kind for kind, _ in mutant_counts})
            print("  by kind: " + ", ".join(f"{k} {sum(n for (kk, _), n in mutant_counts.items() if kk == k)}" for k in kinds))
            for line in mutant_problems[: args.show]:
                print("  ! " + line)
            bad += total["wrong"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
