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
import time
from collections.abc import Callable
from typing import TypeVar

import duckdb

DEFAULT_MEMORY_LIMIT = "400MB"
STAGING_MEMORY_LIMIT = "200MB"
# Longest wait for a DuckDB file another process holds (the staging database while another build
# writes it): a build fails with the cause rather than hang.
LOCK_WAIT_S = 20.0
T = TypeVar("T")


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
