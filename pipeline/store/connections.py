"""DuckDB connection settings shared by every connection the pipeline opens.

DuckDB's buffer pool may grow to 80% of the machine's memory by default. A build that loads
10,000 pages has no use for that much (DuckDB spills what does not fit to a temporary folder),
and a build sharing a machine with BI tools should not take it: BUDGET_DUCKDB_MEMORY_LIMIT caps
each connection (default 500MB; any DuckDB size such as '2GB').
"""

from __future__ import annotations

import os

DEFAULT_MEMORY_LIMIT = "500MB"


def duckdb_config() -> dict[str, str]:
    return {"memory_limit": os.environ.get("BUDGET_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT}
