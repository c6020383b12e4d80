from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources"
FIXTURES = ROOT / "tests" / "fixtures"
SEED = "000_1ef586f7da9213de.txt"
# The bundled pages as `budget-warehouse build` loads them: every amount (blank cells included)
# of the pages that load, 392 of them the seed's; one table of each refused page is rejected.
BUNDLED_AMOUNTS = 1512
SEED_AMOUNTS = 392
REFUSED_PAGES = {
    "rb_2007_OWB_XIV_LNV_art28_nominaal_onvoorzien_flattened.txt": "run together",
    "rf_2022_MN_bijlage_IIA_staten_generaal_mln.txt": "decimal comma",
    "rf_2022_MN_bijlage_J_deltafonds_mln_NEGATIVE_PARTIAL.txt": "decimal comma",
    "rf_2018_1SUPP_VI_art31_politie_valueless_instruments_PARTIAL.txt": "the text ends inside the table",
    "rf_2019_1SUPP_VIII_art3_voortgezet_onderwijs_ragged_PARTIAL.txt": "the text ends inside the table",
    "rf_2020_1SUPP_VIII_art1_primair_onderwijs_hyphenated_header_PARTIAL.txt": "the text ends inside the table",
    "rf_2020_2SUPP_XIV_art12_natuur_orphanrows_PARTIAL.txt": "the text ends inside the table",
}

sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture
def sources_copy(tmp_path: Path) -> Path:
    """The bundled sources copied into a temp folder: tests never write to the repository."""
    import shutil

    target = tmp_path / "sources"
    shutil.copytree(SOURCES, target)
    return target
