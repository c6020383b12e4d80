"""Atomic publication of the served warehouse.

A publication makes a complete new DuckDB file next to the served one from staging
(`warehouse_file.py`), writes the exports from it while the caller proves it (the checks run on
the new file meanwhile), checkpoints and fsyncs it, then renames it over the served file. So:
  * a reader holding the old file open never blocks it; on POSIX the old inode stays readable
    until the reader closes it, and the reader keeps seeing the whole previous warehouse;
  * a reader never sees a half-loaded warehouse;
  * a failed check, a failed or killed publication leave the served warehouse whole: the swap is
    the last step, and nothing after it can fail the run; the exports written meanwhile are discarded;
  * a stale write-ahead log beside the served file (left by a tool that wrote to it and died)
    is set aside before the swap, so it can never be replayed onto the new file.
Publications are serialised by an exclusive lock file beside the warehouse (and, within Dagster,
by the assets' pool of one). Faults of the environment (a folder that cannot be written, a full
disk, a lock held too long, a process writing to the served file) raise PublicationError with
the cause in words.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import duckdb

from pipeline.store import export, increment
from pipeline.store.catalog import TABLE_NAMES
from pipeline.store.connections import is_motherduck
from pipeline.store.export import fsync
from pipeline.store.hooks import pause
from pipeline.store.warehouse_file import build, connect_new, detach_staging

# Longest wait for another publication of the same warehouse: a build fails with the cause
# rather than hang.
LOCK_TIMEOUT_S = 20.0
T = TypeVar("T")


class PublicationError(RuntimeError):
    """The warehouse could not be published; the message names the cause."""


@dataclass
class Draft:
    """The new warehouse, complete and not yet served: `con` is open on it for the checks."""

    path: Path
    con: duckdb.DuckDBPyConnection
    row_counts: dict[str, int] = field(default_factory=dict)
    export_counts: dict[str, int] = field(default_factory=dict)
    served: bool = False
    # Set when the draft is the served file with the changed pages replaced (a small
    # publication, pipeline.store.increment); None for a file made anew from all of staging.
    scope: increment.Scope | None = None
    # The copy's flush to disk, running while the draft is built and proven (a small publication).
    copy_flushed: _Beside | None = None
    # The exports, written while the draft is proven.
    exports: _Exports | None = None


class _Beside:
    """Work in a thread of its own, beside the run's: `wait` returns its result and raises its
    error; `join` waits and returns the result, leaving the error unraised (the draft is being
    discarded). The error is kept for `wait`: a write error reported to an fsync, for one, is
    not reported again to a later one."""

    def __init__(self, name: str, work: Callable[[], T]):
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self._result = work()
        except BaseException as error:  # noqa: BLE001 - raised again by wait
            self._error = error

    def wait(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result

    def join(self) -> T | None:
        self._thread.join()
        return self._result


class _Exports:
    """The exports of a draft (export.write_exports), written beside the caller proving the draft
    on its connection: at 10,000 pages the checks kept ~1.5 of the 2 cores busy, the exports
    ~1.4, one after the other. `wait` returns the version folder and its counts and raises the
    writing's error; `discard` stops the writing and removes the folder.

    What a small publication reuses of the previous exports is asked first, on the draft's
    connection: it holds the publication's temporary tables (pipeline.store.increment)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, directory: Path, scope: increment.Scope | None):
        previous = export.previous_exports(con, directory, scope)
        self._discarded = threading.Event()
        cursor = con.cursor()

        def write() -> tuple[Path, dict[str, int]]:
            with cursor:
                return export.write_exports(cursor, directory, list(TABLE_NAMES), previous, self._discarded)

        self._writing = _Beside("exports", write)

    def wait(self) -> tuple[Path, dict[str, int]]:
        return self._writing.wait()

    def discard(self) -> None:
        """No more exports start; once the running ones are written, the folder is removed."""
        self._discarded.set()
        written = self._writing.join()
        if written is not None:
            shutil.rmtree(written[0], ignore_errors=True)


def _checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    with con.cursor() as cursor:
        cursor.execute("CHECKPOINT")


@contextmanager
def publication_lock(warehouse: Path, timeout_s: float = LOCK_TIMEOUT_S):
    """One publication at a time per warehouse file, across processes."""
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    with _explained(f"the warehouse folder {warehouse.parent}"):
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")
    with handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublicationError(
                        f"another publication has held {lock_path} for over {timeout_s:.0f} s; try again when it is done"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def new_warehouse(staging_path: str, warehouse: Path) -> Iterator[Draft]:
    """Build a new warehouse from staging and yield it; `serve(draft)` swaps it in. Leaving the
    block without serving (a failed check, an error) discards it: the served file is untouched.
    When few pages changed since the served file was made, the new one is a copy of it with
    their rows replaced (pipeline.store.increment)."""
    if is_motherduck(warehouse):
        raise PublicationError(f"BUDGET_WAREHOUSE_PATH={warehouse}: publishing to MotherDuck is not supported; give a file path")
    directory = warehouse.parent
    with publication_lock(warehouse):
        for stale in directory.glob(f".{warehouse.name}.*.tmp*"):
            _remove_database(stale)  # left by a killed publication
        export.discard_stale(directory)
        tmp = warehouse.with_name(f".{warehouse.name}.{uuid.uuid4().hex}.tmp")
        draft = None
        copy_flushed = None
        try:
            with _explained(f"the new warehouse {tmp}"):
                scope = increment.plan(warehouse, staging_path)
                if scope is not None:
                    increment.copy_served(warehouse, tmp)
                    # All of the copy (~300 MB at 10,000 pages) waits to be written: the final
                    # checkpoint's sync wrote it while the run waited (~0.2-0.4 s). Flushed beside
                    # the build, the checks and the exports, little is left for it.
                    copy_flushed = _Beside("flush-copy", partial(fsync, tmp))
                draft = Draft(tmp, connect_new(tmp), scope=scope, copy_flushed=copy_flushed)
                draft.row_counts = build(draft.con, staging_path, scope)
                draft.exports = _Exports(draft.con, directory, scope)
            yield draft
        finally:
            if draft is not None and not draft.served:
                if draft.exports is not None:
                    draft.exports.discard()
                draft.con.close()
            if copy_flushed is not None:
                copy_flushed.join()
            _remove_database(tmp)


def serve(draft: Draft, warehouse: Path) -> None:
    """Write the exports, make the new file durable and swap it (and the exports) in."""
    directory = warehouse.parent
    version = None
    checkpoint = None
    try:
        with _explained(f"the exports in {directory / export.VERSIONS_DIR}"):
            # The draft is proven and the exports only read it: its checkpoint runs meanwhile (a
            # small publication at 10,000 pages: 0.3-0.5 CPU-s, most of it dim_budget_line's
            # primary-key index rewritten for its new lines). The final one then finds little left.
            checkpoint = _Beside("checkpoint-draft", partial(_checkpoint, draft.con))
            version, draft.export_counts = draft.exports.wait()
        with _explained(f"the new warehouse {draft.path}"):
            checkpoint.wait()
            if draft.copy_flushed is not None:
                draft.copy_flushed.wait()
            detach_staging(draft.con)
            draft.con.execute("CHECKPOINT")
            draft.con.close()
            fsync(draft.path)
        pause("before_replace")  # test-only (pipeline.store.hooks)
        refuse_if_written(warehouse)
        with _explained(f"the warehouse folder {directory}"):
            _set_aside_stale_wal(warehouse)
            os.replace(draft.path, warehouse)
            draft.served = True
            fsync(directory)
            export.activate(directory, version)
    except BaseException:
        if checkpoint is not None:
            checkpoint.join()  # before its connection closes
        if not draft.served:
            draft.con.close()
        if version is not None and (directory / export.EXPORT_LINK).resolve() != version.resolve():
            shutil.rmtree(version, ignore_errors=True)
        raise


def refuse_if_written(warehouse: Path) -> None:
    """A process holding the served file open for writing would lose its writes to the swap,
    silently: refuse instead, and say who."""
    if not warehouse.exists():
        return
    try:
        duckdb.connect(str(warehouse), read_only=True).close()
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise PublicationError(
                f"another process holds {warehouse} open for writing ({str(error).splitlines()[0]}); "
                "close it (open the warehouse read-only) and build again"
            ) from None
    except duckdb.Error:
        pass  # an unreadable served file (a stale log, damage) is exactly what the swap replaces


def _set_aside_stale_wal(warehouse: Path) -> None:
    """A write-ahead log beside the served file belongs to the file being replaced: moved aside
    before the swap, so no reader ever applies it to the new file."""
    wal = Path(str(warehouse) + ".wal")
    if wal.exists():
        os.replace(wal, wal.with_name(f".{wal.name}.{uuid.uuid4().hex}.stale"))
    for old in warehouse.parent.glob(f".{warehouse.name}.wal.*.stale"):
        old.unlink(missing_ok=True)


def _remove_database(path: Path) -> None:
    path.unlink(missing_ok=True)
    Path(str(path) + ".wal").unlink(missing_ok=True)
    shutil.rmtree(Path(str(path) + ".tmp"), ignore_errors=True)  # DuckDB's spill folder


_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EFBIG: "the disk is full (the file size limit was reached)",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}
_CAUSE_WORDS = (
    ("no space left", "the disk is full"),
    ("file too large", "the disk is full (the file size limit was reached)"),
    ("read-only file system", "the file system is read-only"),
    ("permission denied", "permission denied"),
)


@contextmanager
def _explained(what: str):
    """Turn an error of the environment into a PublicationError naming the cause and the place."""
    try:
        yield
    except PublicationError:
        raise
    except OSError as error:
        cause = _CAUSES.get(error.errno, error.strerror or str(error))
        raise PublicationError(f"could not write {what}: {cause} ({error})") from error
    except duckdb.Error as error:
        text = str(error).lower()
        cause = next((c for words, c in _CAUSE_WORDS if words in text), None)
        if cause is None:
            raise
        raise PublicationError(f"could not write {what}: {cause} ({str(error).splitlines()[0]})") from error
