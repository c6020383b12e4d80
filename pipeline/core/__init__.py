"""Functional core: parsing and validation of budget pages. Never imports dagster."""

from __future__ import annotations

import hashlib
from pathlib import Path


def _code_version() -> str:
    """A hash of the core's source: a page parsed by other code is parsed again."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted(here.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


PARSER_VERSION = _code_version()
