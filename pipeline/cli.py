"""`budget-warehouse`: the stable entry point for scripts and the README.

  budget-warehouse build [--sources DIR] [--warehouse FILE] [--page FILE ...]
      Materialize every asset (and run every check) in one Dagster run, from
      BUDGET_SOURCES_DIR into BUDGET_WAREHOUSE_PATH, then print a summary. Exit 0 when
      the run succeeded (rejected tables included), 1 when it failed, with the cause on
      the last line; a failed run has not changed the served warehouse.
  budget-warehouse summary [--warehouse FILE]
      Print the summary of a published warehouse.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sqlite3
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlparse


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
    # The imports and the definitions make ~300,000 objects that live as long as the process;
    # the cyclic collector walked them again and again (~1 CPU-s of the 9 of adding one page to
    # 10,000). It waits until they are made, and then leaves them out (gc.freeze, in _run_build).
    gc.disable()
    try:
        result, run_id = _run_build(args.pages or [])
    except Exception as error:  # outside the run: the instance, the definitions
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not result.success:
        causes = [_failure_message(event) for event in result.all_events if event.is_step_failure]
        for cause in causes[:-1]:
            print(f"error: {cause}", file=sys.stderr)
        # The cause is the last line, whatever Dagster logged before it.
        print(f"error: run {run_id} failed: {causes[-1] if causes else 'see the run log'}", file=sys.stderr)
        return 1
    print(_metadata_value(result, "budget_warehouse", "summary").strip("`\n"))
    pages = {key: _metadata_value(result, "source_pages", key) for key in ("pages_parsed", "pages_unchanged", "pages_removed")}
    print(f"this run: {pages['pages_parsed']} page(s) parsed, {pages['pages_unchanged']} unchanged, {pages['pages_removed']} removed")
    for check in result.get_asset_check_evaluations():
        print(f"check {check.asset_key.to_user_string()}.{check.check_name}: {'passed' if check.passed else 'FAILED (' + check.severity.value + ')'}")
    print(f"run {run_id} succeeded in {time.perf_counter() - started:.1f} s")
    return 0


def _run_build(pages: list[str]):
    from pipeline.definitions import make_definitions
    from pipeline.defs.recovery import release_dead_runs

    job = make_definitions().resolve_job_def("build_warehouse")
    run_config = {"loggers": {"console": {"config": {"log_level": os.environ.get("BUDGET_LOG_LEVEL", "WARNING")}}}}
    if pages:
        run_config["ops"] = {"source_pages": {"config": {"pages": pages}}}
    run_id = str(uuid.uuid4())
    with (
        _instance() as instance,
        _sqlite_commits_synced_at_checkpoint(),
        _sqlite_files_held_open(instance, run_id),
        _sqlite_schema_answers_kept(instance),
        _sqlite_engines_reused(),
    ):
        # A build killed earlier (SIGKILL, out of memory) would otherwise hold the writer's
        # pool slot for ever.
        release_dead_runs(instance)
        gc.freeze()
        gc.enable()
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config, run_id=run_id)
    return result, result.run_id


@contextmanager
def _sqlite_files_held_open(instance, run_id: str):
    """Within the block, a connection stays open on each SQLite file of the instance the run
    writes (runs, the event index, the run's own events).

    Dagster's SQLite storage opens a connection per event and closes it after the commit; the
    last connection to close checkpoints its database (an fsync) and deletes its write-ahead log,
    which the next event creates again. With one connection held open, an event is one commit
    (one run writes ~130 events and twice as many connections). Nothing else changes: every
    commit is as durable as before."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
    from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage

    paths = []
    if isinstance(instance.run_storage, SqliteRunStorage):
        paths.append(urlparse(instance.run_storage._conn_string).path)
    events = instance.event_log_storage
    if isinstance(events, SqliteEventLogStorage):
        events.get_records_for_run(run_id, limit=1)  # creates the run's database, as its first event would
        paths += [events.path_for_shard("index"), events.path_for_shard(run_id)]
    with ExitStack() as stack:
        for path in paths:
            if Path(path).exists():
                con = sqlite3.connect(path)
                stack.callback(con.close)
                # A read takes the connection into the file's journal mode (WAL), whose shared lock
                # it then keeps: it is not the last to close while the block lasts.
                con.execute("SELECT count(*) FROM sqlite_master").fetchall()
        yield


@contextmanager
def _sqlite_schema_answers_kept(instance):
    """Within the block, the SQLite event storage answers each question about its own schema
    (has a table, a column, a completed data migration) once, then from memory.

    Dagster asks them again on every asset event and every query of asset records (its
    provenance asks one per table and view the warehouse step materializes), each on a new
    connection of its own with a reflection of the table: ~6 of the 10 CPU-ms of a query.
    The answers change only when the instance is migrated (`dagster instance migrate`), never
    within a run; Dagster's consolidated SQLite storage keeps has_secondary_index the same way."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    events = instance.event_log_storage
    questions = ("has_table", "has_asset_key_col", "has_secondary_index")
    if not isinstance(events, SqliteEventLogStorage):
        yield
        return
    for name in questions:
        setattr(events, name, functools.cache(getattr(events, name)))
    try:
        yield
    finally:
        for name in questions:
            delattr(events, name)  # the storage's own methods again


@contextmanager
def _sqlite_engines_reused():
    """Within the block, Dagster's SQLite run and event storages make one SQLAlchemy engine per
    database and reuse it, rather than one per connection (its `create_engine` builds a dialect
    and, at its first connection, initializes it: ~0.5 CPU-ms of each of the run's ~800
    connections). Their engines keep no connection between uses (NullPool): every use still
    opens and closes its own, as before."""
    from dagster._core.storage.event_log.sqlite import sqlite_event_log
    from dagster._core.storage.runs.sqlite import sqlite_run_storage

    originals = {module: module.create_engine for module in (sqlite_event_log, sqlite_run_storage)}
    create_engine = originals[sqlite_event_log]
    made = {}

    def reused_engine(url, **options):
        key = (str(url), repr(sorted(options.items())))
        if key not in made:
            made[key] = create_engine(url, **options)
        return made[key]

    for module in originals:
        module.create_engine = reused_engine
    try:
        yield
    finally:
        for module, original in originals.items():
            module.create_engine = original
        for engine in made.values():
            engine.dispose()


@contextmanager
def _sqlite_commits_synced_at_checkpoint():
    """Within the block, the SQLite connections Dagster opens commit without an fsync
    (`synchronous=NORMAL`, in its write-ahead-log mode): their log is synced when it is
    checkpointed, at the latest when the run's last connection closes.

    With the default (FULL), each of a run's ~250 commits synced the log and, the connection being
    new, its folder. A process that dies loses nothing either way; a power cut within the run
    may lose its last events but leaves the database consistent (SQLite's guarantee for WAL with
    NORMAL), and the run then counts as dead (pipeline.defs.recovery). The warehouse's own files
    are synced as before."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def synced_at_checkpoint(connection, _record) -> None:
        if isinstance(connection, sqlite3.Connection):
            # A database Dagster is about to create (the run's events) is made in WAL mode
            # from the start, as Dagster sets it after making its tables: made in the default
            # mode, its ~20 tables and indexes cost ~90 syncs.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")

    event.listen(Engine, "connect", synced_at_checkpoint)
    try:
        yield
    finally:
        event.remove(Engine, "connect", synced_at_checkpoint)


def _failure_message(event) -> str:
    data = event.step_failure_data
    if data is None:
        return f"step {event.step_key} failed"
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description
    error = data.error
    while error is not None and error.cause is not None and error.cls_name in {"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"}:
        error = error.cause
    return error.message.strip().splitlines()[-1] if error is not None else f"step {event.step_key} failed"


def _metadata_value(result, asset: str, key: str):
    """A value from the run's materialization of `asset` (0 when it did not materialize)."""
    import dagster as dg

    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key == dg.AssetKey(asset) and key in materialization.metadata:
            return materialization.metadata[key].value
    return 0


def summary(args: argparse.Namespace) -> int:
    _configure(args)
    from pipeline.defs.resources import resolved_paths
    from pipeline.store.summary import warehouse_summary

    warehouse = resolved_paths().warehouse
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}; run `budget-warehouse build` first", file=sys.stderr)
        return 1
    print(warehouse_summary(warehouse))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="budget-warehouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="materialize everything and print a summary")
    build_parser.add_argument("--sources", help="folder of pages (default: $BUDGET_SOURCES_DIR or sources/)")
    build_parser.add_argument("--warehouse", help="warehouse file (default: $BUDGET_WAREHOUSE_PATH or warehouse/budget.duckdb)")
    build_parser.add_argument("--page", dest="pages", action="append", help="parse this page file again whatever its fingerprint (repeatable)")
    build_parser.set_defaults(func=build)
    summary_parser = commands.add_parser("summary", help="print the summary of the published warehouse")
    summary_parser.add_argument("--warehouse", help="warehouse file")
    summary_parser.set_defaults(func=summary)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
