"""Compare everything the parser produces, old against new, page by page. Run from the repository root:

    .venv/bin/python scripts/compare_parsers.py                       # against the merge-base with main
    .venv/bin/python scripts/compare_parsers.py --reference coverage --generated 10000 --mutants 10000

The pages: the real ones (sources/, ../shared/fixtures/real, ../shared/seeds), --generated pages of
the page generator (realistic pages and random pages across layouts, shapes, kinds and structures)
and --mutants (detectable mutants of random pages, `pipeline.testing.mutations.random_mutant`).
They are made once, by the working tree's generator, so both parsers read the same bytes.

The reference revision is extracted with `git archive` into a temporary folder; each side parses
every page in its own subprocess (`build.parse_source`, as a build does) and prints one hash per
page of the canonical JSON of all it produced: the page identity and every table, cell, footnote,
line, amount, flexibility share, column identity, rejection and warning, in the parser's own
order (the page fingerprint is left out: it hashes the parser's code). Prints the number of pages
that differ (0 is the goal) and the first few differences as a diff of that JSON; exits 1 on any.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import hashlib
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_FOLDERS = (ROOT / "sources", ROOT.parent / "shared" / "fixtures" / "real", ROOT.parent / "shared" / "seeds")


# ----------------------------------------------------------------------------------------------
# The pages (made in the working tree)


def real_pages() -> list[tuple[str, bytes, dict | None]]:
    """Every .txt page of the real folders, with its manifest row where the folder has a manifest."""
    from pipeline.core.documents import read_manifest

    pages = []
    for folder in REAL_FOLDERS:
        if not folder.is_dir():
            continue
        manifest = read_manifest(folder)
        for path in sorted(folder.glob("*.txt")):
            if path.name.endswith(".meta.txt"):
                continue
            row = manifest.get(path.name)
            pages.append((f"real/{folder.name}/{path.name}", path.read_bytes(), dataclasses.asdict(row) if row else None))
    return pages


def generated_pages(n: int, seed: int) -> list[tuple[str, bytes, dict | None]]:
    """N pages: one in ten realistic (~45 KB), the others random across layouts, shapes and structures."""
    from pipeline.testing.generator import LAYOUTS, STRUCTURES, PageSpec, random_page, realistic_page

    pages = []
    for i in range(n):
        rng = random.Random(f"compare-{seed}-{i}")
        if i % 10 == 0:
            page = realistic_page(rng)
        else:
            spec = PageSpec(
                layout=LAYOUTS[i % len(LAYOUTS)],
                size=rng.choice(("small", "large")),
                structure=rng.choice((None, *STRUCTURES)),
                extra_tables=rng.choice((0, 0, 1)),
            )
            page = random_page(rng, spec)
        pages.append((f"generated/{i}/{page.file_name}", page.text.encode("utf-8"), dataclasses.asdict(page.manifest)))
    return pages


def mutant_pages(n: int, seed: int) -> list[tuple[str, bytes, dict | None]]:
    """N mutants, each of its own random page (pages without a mutable table are skipped)."""
    from pipeline.testing.generator import LAYOUTS, PageSpec, random_page
    from pipeline.testing.mutations import random_mutant

    pages = []
    i = 0
    while len(pages) < n:
        rng = random.Random(f"mutant-{seed}-{i}")
        i += 1
        page = random_page(rng, PageSpec(layout=LAYOUTS[i % len(LAYOUTS)], size=rng.choice(("small", "large"))))
        mutant = random_mutant(page, rng)
        if mutant is None:
            continue
        key = f"mutant/{len(pages)}/{mutant.kind}/{page.file_name}"
        pages.append((key, mutant.text.encode("utf-8"), dataclasses.asdict(page.manifest)))
    return pages


# ----------------------------------------------------------------------------------------------
# One side: parse every page, print a hash (or the canonical JSON) per page


def canonical(key: str, data: bytes, manifest: dict | None) -> str:
    """All the parser produces for one page, as JSON in the parser's own order."""
    from pipeline.core import build
    from pipeline.core.metadata import ManifestRow

    row = None
    if manifest is not None:
        row = ManifestRow(**{**manifest, "problems": tuple(tuple(p) for p in manifest.get("problems", ()))})
    parsed = build.parse_source(key.rsplit("/", 1)[-1], data, row)
    result = parsed.result
    out = {
        "sha256": parsed.sha256,
        "size_bytes": parsed.size_bytes,
        "rejected_reason": parsed.rejected_reason,
        "page": dataclasses.asdict(parsed.page),
        "derived_budget_year": result.derived_budget_year,
        "result": {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "derived_budget_year"},
    }
    return json.dumps(out, ensure_ascii=False, indent=1, default=repr)


def _hash_one(page: tuple[str, bytes, dict | None]) -> tuple[str, str]:
    return page[0], hashlib.sha256(canonical(*page).encode("utf-8")).hexdigest()


def side(inputs: Path, output: Path, full: list[str], workers: int) -> None:
    pages = pickle.loads(inputs.read_bytes())
    if full:
        wanted = set(full)
        result = {key: canonical(key, data, manifest) for key, data, manifest in pages if key in wanted}
    elif workers > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            result = dict(pool.imap(_hash_one, pages, chunksize=16))
    else:
        result = dict(map(_hash_one, pages))
    output.write_text(json.dumps(result), encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# The comparison


def run_side(tree: Path, inputs: Path, output: Path, full: list[str] | None = None, workers: int = 2) -> dict[str, str]:
    """Run this script's `side` with `tree` first on the import path (the reference or the working tree)."""
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, str(Path(__file__).resolve()), "--side", str(inputs), "--output", str(output), "--workers", str(workers)]
    for key in full or []:
        command += ["--full", key]
    subprocess.run(command, cwd=tree, env=env, check=True)
    return json.loads(output.read_text(encoding="utf-8"))


def default_reference() -> str:
    return subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", help="git revision of the old parser (default: the merge-base of HEAD and main)")
    parser.add_argument("--generated", type=int, default=2000, help="generated pages (default 2000)")
    parser.add_argument("--mutants", type=int, default=2000, help="mutated pages (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="processes per side (default 2)")
    parser.add_argument("--show", type=int, default=3, help="differences to print in full (default 3)")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--full", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side(Path(args.side), Path(args.output), args.full, args.workers)
        return

    sys.path.insert(0, str(ROOT))
    reference = args.reference or default_reference()
    with tempfile.TemporaryDirectory(prefix="compare-parsers-") as scratch_name:
        scratch = Path(scratch_name)
        old_tree = scratch / "reference"
        old_tree.mkdir()
        archive = subprocess.run(["git", "archive", reference], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)
        started = time.perf_counter()
        real = real_pages()
        generated = generated_pages(args.generated, args.seed)
        mutants = mutant_pages(args.mutants, args.seed)
        pages = real + generated + mutants
        inputs = scratch / "pages.pickle"
        inputs.write_bytes(pickle.dumps(pages))
        print(f"pages: {len(real)} real, {len(generated)} generated, {len(mutants)} mutants "
              f"({sum(len(p[1]) for p in pages) / 1e6:.1f} MB, made in {time.perf_counter() - started:.0f} s)")
        started = time.perf_counter()
        old = run_side(old_tree, inputs, scratch / "old.json", workers=args.workers)
        print(f"reference {reference}: parsed in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        new = run_side(ROOT, inputs, scratch / "new.json", workers=args.workers)
        print(f"working tree: parsed in {time.perf_counter() - started:.0f} s")
        differing = [key for key, *_ in pages if old.get(key) != new.get(key)]
        for group, members in (("real", real), ("generated", generated), ("mutants", mutants)):
            count = sum(1 for key, *_ in members if old.get(key) != new.get(key))
            print(f"{group}: {count} of {len(members)} pages differ")
        print(f"pages that differ: {len(differing)}")
        for key in differing[:20]:
            print(f"  {key}")
        if differing and args.show:
            shown = differing[: args.show]
            old_full = run_side(old_tree, inputs, scratch / "old_full.json", shown)
            new_full = run_side(ROOT, inputs, scratch / "new_full.json", shown)
            for key in shown:
                diff = difflib.unified_diff(
                    old_full[key].splitlines(), new_full[key].splitlines(), "reference", "working tree", n=2, lineterm=""
                )
                print(f"--- {key}")
                print("\n".join(list(diff)[:60]))
        sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
