"""Compare everything the parser produces, old against new, page by page. Run from the repository root:

    .venv/bin/python scripts/compare_parsers.py                       # against the merge-base with main
    .venv/bin/python scripts/compare_parsers.py --reference e7a83fa --explanations-reference fbb7a49 \
        --generated 10000 --mutants 10000                             # issue 11's comparison

The pages: the real ones (sources/, ../shared/fixtures/real, ../shared/seeds), --generated pages of
the page generator (realistic pages and random pages across layouts, shapes, kinds and structures)
and --mutants (detectable mutants of random pages, `pipeline.testing.mutations.random_mutant`).
They are made once, by the working tree's generator, so every parser reads the same bytes.

What is compared, per page, in parts (each part the canonical JSON of what the parser produced, in
its own order; the page fingerprint is left out: it hashes the parser's code):
  * the table parts, against --reference: the page (identity, sha256, size, page rejection, derived
    budget year), tables, cells, footnotes, lines, amounts, flexibility, column identities,
    rejections, and the warnings;
  * the explanation parts, against --explanations-reference (default: --reference): explanations,
    instrument_commitments, paper_citations, and the warnings about them (field
    'instrument_commitment', which the parse appends after the tables' own warnings).
Two references, because the explanations came later than the tables' reference: for issue 11 the
tables' reference is the parser that closed the coverage issue (e7a83fa, branch `coverage`) and
the explanations' is the merge that added them (fbb7a49, 'Merge explain'). A reference that does
not produce the parts it is asked for (e7a83fa has no explanations) is refused before any parse,
rather than counted as differing everywhere or left out in silence.

Each revision is extracted with `git archive` into a temporary folder; each parser (each distinct
reference, then the working tree) parses every page in its own subprocesses (`build.parse_source`,
as a build does) and prints a hash per page and part. Prints the pages that differ per group and
per part (0 is the goal) and the first few differences as a diff of the differing parts' JSON;
exits 1 on any difference.
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
# One side: parse every page, print a hash (or the canonical JSON) per page and part

TABLE_PARTS = ("page", "tables", "cells", "footnotes", "lines", "amounts", "flexibility", "identities", "rejections", "warnings")
EXPLANATION_PARTS = ("explanations", "instrument_commitments", "paper_citations", "explanation_warnings")
EXPLANATION_WARNING_FIELDS = frozenset({"instrument_commitment"})  # (pipeline.core.explanations)


def produced_parts() -> list[str]:
    """The parts this side's parser produces (a parser before the explanations has none of theirs)."""
    from pipeline.core.parse import PageResult

    fields = {f.name for f in dataclasses.fields(PageResult)}
    return [part for part in (*TABLE_PARTS, *EXPLANATION_PARTS) if part == "page" or part in fields or (part == "explanation_warnings" and "explanations" in fields)]


def canonical(key: str, data: bytes, manifest: dict | None) -> dict[str, str]:
    """All the parser produces for one page, per part, as JSON in the parser's own order."""
    from pipeline.core import build
    from pipeline.core.metadata import ManifestRow

    row = None
    if manifest is not None:
        row = ManifestRow(**{**manifest, "problems": tuple(tuple(p) for p in manifest.get("problems", ()))})
    parsed = build.parse_source(key.rsplit("/", 1)[-1], data, row)
    result = parsed.result
    parts = {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "derived_budget_year"}
    parts["page"] = {
        "sha256": parsed.sha256,
        "size_bytes": parsed.size_bytes,
        "rejected_reason": parsed.rejected_reason,
        "identity": dataclasses.asdict(parsed.page),
        "derived_budget_year": result.derived_budget_year,
    }
    if "explanations" in parts:
        warnings = parts["warnings"]
        parts["warnings"] = [w for w in warnings if w["field"] not in EXPLANATION_WARNING_FIELDS]
        parts["explanation_warnings"] = [w for w in warnings if w["field"] in EXPLANATION_WARNING_FIELDS]
    return {name: json.dumps(value, ensure_ascii=False, indent=1, default=repr) for name, value in parts.items()}


def _hash_one(page: tuple[str, bytes, dict | None]) -> tuple[str, dict[str, str]]:
    return page[0], {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in canonical(*page).items()}


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


def in_tree(tree: Path, *arguments: str, capture: bool = False) -> str:
    """Run this script with `tree` (a reference or the working tree) first on the import path."""
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, str(Path(__file__).resolve()), *arguments]
    return subprocess.run(command, cwd=tree, env=env, capture_output=capture, text=True, check=True).stdout


def run_side(tree: Path, inputs: Path, output: Path, full: list[str] | None = None, workers: int = 2) -> dict[str, dict[str, str]]:
    in_tree(tree, "--side", str(inputs), "--output", str(output), "--workers", str(workers), *(f"--full={key}" for key in full or []))
    return json.loads(output.read_text(encoding="utf-8"))


def default_reference() -> str:
    return subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def extract(revision: str, folder: Path) -> Path:
    folder.mkdir()
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", help="git revision of the old parser, for the table parts (default: the merge-base of HEAD and main)")
    parser.add_argument("--explanations-reference", help="git revision of the old parser for the explanation parts (default: --reference)")
    parser.add_argument("--generated", type=int, default=2000, help="generated pages (default 2000)")
    parser.add_argument("--mutants", type=int, default=2000, help="mutated pages (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="processes per side (default 2)")
    parser.add_argument("--show", type=int, default=3, help="differences to print in full (default 3)")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--parts", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--full", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.parts:
        print(" ".join(produced_parts()))
        return
    if args.side:
        side(Path(args.side), Path(args.output), args.full, args.workers)
        return

    sys.path.insert(0, str(ROOT))
    tables_reference = args.reference or default_reference()
    references = {part: tables_reference for part in TABLE_PARTS}
    references |= {part: args.explanations_reference or tables_reference for part in EXPLANATION_PARTS}
    with tempfile.TemporaryDirectory(prefix="compare-parsers-") as scratch_name:
        scratch = Path(scratch_name)
        trees = {revision: extract(revision, scratch / f"reference-{n}") for n, revision in enumerate(dict.fromkeys(references.values()))}
        for revision, tree in trees.items():
            missing = [part for part, wanted in references.items() if wanted == revision and part not in in_tree(tree, "--parts", capture=True).split()]
            if missing:
                sys.exit(f"reference {revision} does not produce {', '.join(missing)}: name a revision that does (--reference, --explanations-reference)")
        started = time.perf_counter()
        real = real_pages()
        generated = generated_pages(args.generated, args.seed)
        mutants = mutant_pages(args.mutants, args.seed)
        pages = real + generated + mutants
        inputs = scratch / "pages.pickle"
        inputs.write_bytes(pickle.dumps(pages))
        print(f"pages: {len(real)} real, {len(generated)} generated, {len(mutants)} mutants "
              f"({sum(len(p[1]) for p in pages) / 1e6:.1f} MB, made in {time.perf_counter() - started:.0f} s)")
        old_by_revision = {}
        for n, (revision, tree) in enumerate(trees.items()):
            started = time.perf_counter()
            old_by_revision[revision] = run_side(tree, inputs, scratch / f"old-{n}.json", workers=args.workers)
            compared = [part for part, wanted in references.items() if wanted == revision]
            print(f"reference {revision} ({', '.join(compared)}): parsed in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        new = run_side(ROOT, inputs, scratch / "new.json", workers=args.workers)
        print(f"working tree: parsed in {time.perf_counter() - started:.0f} s")

        def differing_parts(key: str) -> list[str]:
            return [part for part, revision in references.items() if old_by_revision[revision][key].get(part) != new[key].get(part)]

        differences = {key: parts for key, *_ in pages if (parts := differing_parts(key))}
        for group, members in (("real", real), ("generated", generated), ("mutants", mutants)):
            count = sum(1 for key, *_ in members if key in differences)
            print(f"{group}: {count} of {len(members)} pages differ")
        for part, revision in references.items():
            count = sum(1 for parts in differences.values() if part in parts)
            print(f"  {part} (against {revision}): {count} pages differ")
        print(f"pages that differ: {len(differences)}")
        for key, parts in list(differences.items())[:20]:
            print(f"  {key}: {', '.join(parts)}")
        if differences and args.show:
            shown = list(differences)[: args.show]
            old_full = {revision: run_side(tree, inputs, scratch / f"old-full-{n}.json", shown) for n, (revision, tree) in enumerate(trees.items())}
            new_full = run_side(ROOT, inputs, scratch / "new_full.json", shown)
            for key in shown:
                print(f"--- {key}")
                for part in differences[key]:
                    revision = references[part]
                    old_text, new_text = old_full[revision][key].get(part, ""), new_full[key].get(part, "")
                    diff = difflib.unified_diff(old_text.splitlines(), new_text.splitlines(), f"{part} at {revision}", f"{part} in the working tree", n=2, lineterm="")
                    print("\n".join(list(diff)[:60]))
        sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
