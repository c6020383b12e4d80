"""Where the parse of a page spends its time: CPU seconds per stage of `build.parse_source` and the
packing of `build._parse_chunk`, in one process. Run from the repository root:

    .venv/bin/python benchmarks/core_stages.py --pages 200                # generated pages
    .venv/bin/python benchmarks/core_stages.py --pages 560 --real         # the real pages repeated

Stages: hashing and decoding the bytes, `find_tables`, `resolve_identity`, `parse_page` (and, inside
it, the table stages below), `explain_page`, and `_Block.of` (the rows packed column-wise, per chunk
of 32 pages). Each stage is timed as a whole by process time, so the shares are not inflated by a
profiler's cost per Python call (cProfile's are: it puts most of a stage's time in its many small
calls). The table stages are timed by wrapping them, which adds a little to parse_page.

For an A/B comparison of two versions on this shared machine, count instructions instead: run the
parse under `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce`
with `PYTHONHASHSEED=0` (a random hash seed alone moves the count by ~0.4%), the chunks parsed
inside `functools.reduce` (nothing else in the parse calls it), as `--instructions` does.
"""

from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.core_speed import generated, real_repeated  # noqa: E402
from pipeline.core import build, parse, tables  # noqa: E402
from pipeline.core.documents import resolve_identity  # noqa: E402
from pipeline.core.explanations import explain_page  # noqa: E402

TABLE_STAGES = ("split_rows_unsized", "place_values", "interpret_headings", "infer_tree", "check_structure", "_check_identities", "line_keys", "_emit_budget")
CHUNK = 32


def _timed(seconds: dict[str, float], name: str, function):
    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.process_time() - started

    return timed


def stage_seconds(jobs: list[tuple[str, bytes, object]]) -> dict[str, float]:
    seconds: dict[str, float] = {}
    originals = {name: getattr(parse, name) for name in TABLE_STAGES}
    for name, function in originals.items():
        setattr(parse, name, _timed(seconds, name, function))
    try:
        stage = functools.partial(_stage, seconds)
        results = []
        for key, data, manifest in jobs:
            stage("sha256", hashlib.sha256, data)
            text = stage("decode", data.decode, "utf-8")
            found = stage("find_tables", tables.find_tables, text)
            page = stage("resolve_identity", resolve_identity, key, text, manifest, found)
            result = stage("parse_page", parse.parse_page, text, page, found)
            stage("explain_page", explain_page, text, found[0], result.lines, page)
            results.append(result)
        for start in range(0, len(results), CHUNK):
            stage("_Block.of", build._Block.of, results[start : start + CHUNK])
    finally:
        for name, function in originals.items():
            setattr(parse, name, function)
    return seconds


def _stage(seconds: dict[str, float], name: str, function, *args):
    started = time.process_time()
    result = function(*args)
    seconds[name] = seconds.get(name, 0.0) + time.process_time() - started
    return result


def instructions(jobs: list[tuple[str, bytes, object]]) -> None:
    """The parse of the chunks alone inside functools.reduce, after one warm-up chunk (see above)."""
    chunks = [jobs[start : start + CHUNK] for start in range(0, len(jobs), CHUNK)]
    functools.reduce(lambda _, chunk: build._parse_chunk(chunk), chunks, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--real", action="store_true", help="the real pages repeated instead of generated pages")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/budget-core-speed"))
    parser.add_argument("--instructions", action="store_true", help="only parse, for callgrind (see above)")
    args = parser.parse_args()
    blobs, manifest = real_repeated(args.pages) if args.real else generated(args.pages, args.cache)
    jobs = [(key, data, manifest.get(key)) for key, data in blobs]
    build._parse_chunk(jobs[:8])  # imports and caches, as in a worker after its first chunk
    if args.instructions:
        instructions(jobs)
        return
    gc.disable()  # as a worker parses a chunk (build._parse_chunk)
    seconds = stage_seconds(jobs)
    gc.enable()
    page_stages = ("sha256", "decode", "find_tables", "resolve_identity", "parse_page", "explain_page", "_Block.of")
    total = sum(seconds.get(name, 0.0) for name in page_stages)
    size = sum(len(data) for _, data in blobs) / 1e6
    print(f"{len(jobs)} {'real' if args.real else 'generated'} pages, {size:.1f} MB: {total:.2f} CPU-s, {size / total:.2f} MB per CPU-s")
    for name in page_stages:
        print(f"  {name:18s} {seconds.get(name, 0.0):7.3f} s {100 * seconds.get(name, 0.0) / total:5.1f}%")
        if name == "parse_page":
            for inner in TABLE_STAGES:
                within = " (within _emit_budget)" if inner == "line_keys" else ""
                print(f"    {inner:16s} {seconds.get(inner, 0.0):7.3f} s {100 * seconds.get(inner, 0.0) / total:5.1f}%{within}")


if __name__ == "__main__":
    main()
