"""`budget-warehouse`: the stable entry point for scripts and the README.

  budget-warehouse build [--sources DIR] [--warehouse FILE]
      Materialize every asset (and run every check) in one Dagster run, from
      BUDGET_SOURCES_DIR into BUDGET_WAREHOUSE_PATH, then print a summary. Exit 0 when
      the run succeeded (rejected tables included), 1 when it failed.
  budget-warehouse summary [--warehouse FILE]
      Print the summary of a published warehouse.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _configure(args: argparse.Namespace) -> None:
    if getattr(args, "sources", None):
        os.environ["BUDGET_SOURCES_DIR"] = str(Path(args.sources).absolute())
    if getattr(args, "warehouse", None):
        os.environ["BUDGET_WAREHOUSE_PATH"] = str(Path(args.warehouse).absolute())


def _instance():
    import dagster as dg

    if os.environ.get("DAGSTER_HOME"):
        Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def build(args: argparse.Namespace) -> int:
    _configure(args)
    started = time.perf_counter()
    import dagster as dg

    from pipeline.definitions import make_definitions
    from pipeline.defs.partitions import PAGES, contiguous_ranges, range_tags
    from pipeline.defs.resources import paths_from_env, staging_path
    from pipeline.defs.sync import known_hashes, plan, registered_fingerprints, scan_sources

    paths = paths_from_env()
    try:
        scanned = scan_sources(paths.sources, known_hashes(staging_path(paths)))
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    defs = make_definitions()
    job = defs.resolve_job_def("build_warehouse")
    with _instance() as instance:
        # A build killed earlier (SIGKILL, out of memory) would otherwise hold the writer's
        # pool slot for ever.
        from pipeline.defs.recovery import release_dead_runs

        release_dead_runs(instance)
        work = plan(instance, scanned, registered_fingerprints(staging_path(paths)))
        order = instance.get_dynamic_partitions(PAGES)
        ranges = contiguous_ranges(order, work.work)
        run_config = {"loggers": {"console": {"config": {"log_level": os.environ.get("BUDGET_LOG_LEVEL", "WARNING")}}}}
        if ranges:
            # One run: over the changed pages, or over the span of scattered ones (unchanged
            # pages inside the span are recognised by their fingerprint and not parsed again).
            first, last = ranges[0][0], ranges[-1][1]
            result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config, tags=range_tags(first, last))
        else:
            # Nothing changed: publish (and check) what staging holds.
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config=run_config,
                asset_selection=[dg.AssetKey("budget_warehouse")],
            )
        checks = list(result.get_asset_check_evaluations()) if result.success else []
        if not result.success:
            for event in result.all_events:
                if event.is_step_failure:
                    data = event.step_failure_data
                    print(f"step {event.step_key} failed: {data.error.message.strip() if data and data.error else ''}", file=sys.stderr)
            print(f"run {result.run_id} failed", file=sys.stderr)
            return 1
        for key in work.gone:
            instance.delete_dynamic_partition(PAGES, key)
    print(summary_text(paths.warehouse))
    parsed = _metadata_value(result, "page_tables", "pages_parsed")
    # The manifest's own row (its problems that concern no page) is scanned like a page, but it
    # is no page: a manifest row naming a file not there yet must not count as a changed page.
    from pipeline.core.documents import MANIFEST

    pages, changed, gone = (set(keys) - {MANIFEST} for keys in (scanned, work.changed, work.gone))
    manifest_note = "; the manifest's own problems changed" if MANIFEST in work.work else ""
    print(
        f"this run: {len(changed)} page(s) new or changed, {len(gone)} removed, "
        f"{len(pages) - len(changed)} unchanged{manifest_note}; pages parsed: {parsed}"
    )
    for check in checks:
        print(f"check {check.check_name}: {'passed' if check.passed else 'FAILED'}")
    print(f"run {result.run_id} succeeded in {time.perf_counter() - started:.1f} s")
    return 0 if all(c.passed for c in checks) else 1


def _metadata_value(result, asset: str, key: str) -> int:
    """A number from the run's materialization of `asset` (0 when it did not materialize)."""
    import dagster as dg

    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key == dg.AssetKey(asset) and key in materialization.metadata:
            return int(materialization.metadata[key].value)
    return 0


# Rejections listed by the summary; the table has them all.
SUMMARY_REJECTIONS = 20


def summary_text(warehouse: Path) -> str:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        lines = [
            f"warehouse: {warehouse}",
            f"pages:      {one('SELECT count(*) FROM dim_document')}",
            f"tables:     {one('SELECT count(*) FROM dim_table')} "
            + "(" + ", ".join(f"{status} {n}" for status, n in con.execute("SELECT status, count(*) FROM dim_table GROUP BY 1 ORDER BY 1").fetchall()) + ")",
            f"lines:      {one('SELECT count(*) FROM dim_budget_line')}",
            f"amounts:    {one('SELECT count(*) FROM fact_budget_amount')}",
            f"flexibility shares: {one('SELECT count(*) FROM fact_budget_flexibility')}",
            f"warnings:   {one('SELECT count(*) FROM load_warnings')}",
            f"rejections: {one('SELECT count(*) FROM load_rejections')}",
        ]
        rejections = con.execute(
            f"SELECT reason FROM load_rejections ORDER BY source_file, source_line LIMIT {SUMMARY_REJECTIONS + 1}"
        ).fetchall()
        for (reason,) in rejections[:SUMMARY_REJECTIONS]:
            lines.append(f"  - {reason}")
        if len(rejections) > SUMMARY_REJECTIONS:
            lines.append("  ... and more: SELECT * FROM load_rejections")
        return "\n".join(lines)
    finally:
        con.close()


def summary(args: argparse.Namespace) -> int:
    _configure(args)
    from pipeline.defs.resources import paths_from_env

    warehouse = paths_from_env().warehouse
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}; run `budget-warehouse build` first", file=sys.stderr)
        return 1
    print(summary_text(warehouse))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="budget-warehouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="materialize everything and print a summary")
    build_parser.add_argument("--sources", help="folder of pages (default: $BUDGET_SOURCES_DIR or sources/)")
    build_parser.add_argument("--warehouse", help="warehouse file (default: $BUDGET_WAREHOUSE_PATH or warehouse/budget.duckdb)")
    build_parser.set_defaults(func=build)
    summary_parser = commands.add_parser("summary", help="print the summary of the published warehouse")
    summary_parser.add_argument("--warehouse", help="warehouse file")
    summary_parser.set_defaults(func=summary)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
