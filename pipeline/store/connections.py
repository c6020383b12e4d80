"""DuckDB connection settings shared by every connection the pipeline opens.

DuckDB's buffer pool may grow to 80% of the machine's memory by default. A build that loads
10,000 pages has no use for that much (DuckDB spills what does not fit to a temporary folder),
and a build sharing a machine with BI tools should not take it: BUDGET_DUCKDB_MEMORY_LIMIT caps
each connection (any DuckDB size such as '2GB'; default 400MB, and STAGING_MEMORY_LIMIT for
staging's own connections: they only delete and append a batch of pages by key, and a bigger
buffer pool would only keep the blocks their deletes scanned (~130 MB more at 10,000 pages, held
while the parse workers run).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TypeVar

import duckdb

DEFAULT_MEMORY_LIMIT = "400MB"
STAGING_MEMORY_LIMIT = "200MB"
# Rows per row group of a staging file (DuckDB's default: 122,880). A build commits one batch of
# pages at a time, and each commit rewrites every table's last, partly filled row group: with the
# default that group is often larger than the batch itself. Measured on 2,000 generated pages
# written in batches of 200: 6.4-7.0 CPU-s with the default, 3.8 with 16,384 (32,768: 4.3); a full
# publication reads the smaller groups at the same cost (82.9 and 82.5 CPU-s at 10,000 pages).
STAGING_ROW_GROUP_SIZE = 16384
# Longest wait for a DuckDB file another process holds (the staging database while another build
# writes it): a build fails with the cause rather than hang.
LOCK_WAIT_S = 20.0
T = TypeVar("T")


def is_motherduck(path: str | Path) -> bool:
    return str(path).startswith("md:")


def open_staging(location: str) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the staging database at `location` (a file, or
    MotherDuck's `md:...`), waiting while another build holds it (`waiting_for_lock`)."""
    config = duckdb_config(STAGING_MEMORY_LIMIT)
    if is_motherduck(location):
        return waiting_for_lock(lambda: duckdb.connect(location, config=config))
    # The row group size is an option of ATTACH only (not of connect), and holds while attached.
    con = duckdb.connect(config=config)
    try:
        quoted = "'" + location.replace("'", "''") + "'"  # not ddl.quote: this module imports no models
        waiting_for_lock(lambda: con.execute(f"ATTACH {quoted} AS staging (ROW_GROUP_SIZE {STAGING_ROW_GROUP_SIZE})"))
        con.execute("USE staging")
    except BaseException:
        con.close()
        raise
    return con


def duckdb_config(default_limit: str = DEFAULT_MEMORY_LIMIT) -> dict[str, str]:
    """Settings of a connection: the memory limit the environment gives, else `default_limit`
    (STAGING_MEMORY_LIMIT for staging's own connections)."""
    return {"memory_limit": os.environ.get("BUDGET_DUCKDB_MEMORY_LIMIT") or default_limit}


def waiting_for_lock(open_: Callable[[], T], timeout_s: float = LOCK_WAIT_S) -> T:
    """open_(), tried again while another process holds the file's lock, for up to timeout_s."""
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        try:
            return open_()
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


# Statements a publication runs side by side (side_by_side): the machine's cores.
LANES = 2


def side_by_side(
    con: duckdb.DuckDBPyConnection,
    jobs: Mapping[str, tuple[Callable[[duckdb.DuckDBPyConnection], None], Collection[str]]],
    lanes: int = LANES,
) -> None:
    """Run each job (name -> (work, the names of the jobs it waits for)) once, `lanes` at a time,
    each lane on a connection of its own to `con`'s database, in the order given as they become
    ready; raises the first error once the lanes have stopped. Meanwhile each statement runs on
    one thread (DuckDB's `threads`): an INSERT from a table scanned in parallel writes its rows
    in small batches and compresses them twice (10,000 pages: fact_budget_amount's load 8.7
    CPU-s on two threads, 6.7 on one), and two statements at once keep both cores busy."""
    done: set[str] = set()
    started: set[str] = set()
    errors: list[BaseException] = []
    state = threading.Condition()

    def next_job() -> str | None:
        with state:
            while not errors and len(started) < len(jobs):
                ready = [name for name, (_work, after) in jobs.items()
                         if name not in started and all(wait in done or wait not in jobs for wait in after)]
                if ready:
                    started.add(ready[0])
                    return ready[0]
                state.wait()
            return None

    def lane() -> None:
        with con.cursor() as cursor:
            while (name := next_job()) is not None:
                try:
                    jobs[name][0](cursor)
                except BaseException as error:  # noqa: BLE001 - raised again by side_by_side
                    with state:
                        errors.append(error)
                        state.notify_all()
                    return
                with state:
                    done.add(name)
                    state.notify_all()

    threads_before = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        workers = [threading.Thread(target=lane, name=f"duckdb-lane-{i}") for i in range(lanes)]
        for worker in workers:
            worker.start()
        try:
            for worker in workers:
                worker.join()
        except BaseException as error:  # interrupted: no job starts after the running ones
            with state:
                errors.append(error)
                state.notify_all()
            for worker in workers:
                worker.join()
    finally:
        con.execute(f"SET threads = {int(threads_before)}")
    if errors:
        raise errors[0]
