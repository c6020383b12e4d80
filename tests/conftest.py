from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources"
FIXTURES = ROOT / "tests" / "fixtures"
SEED = "000_1ef586f7da9213de.txt"

sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture
def sources_copy(tmp_path: Path) -> Path:
    """The bundled sources copied into a temp folder: tests never write to the repository."""
    import shutil

    target = tmp_path / "sources"
    shutil.copytree(SOURCES, target)
    return target
