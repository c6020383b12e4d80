"""Validation quarantines whole tables, naming file, table and line; the rest of the page loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import build
from pipeline.core.documents import read_manifest

SOURCES = Path(__file__).resolve().parents[1] / "sources"
SEED = "000_1ef586f7da9213de.txt"
WITH_IDENTITIES = "rf_2017_1SUPP_IIA_art10_nominaal_onvoorzien.txt"  # printed column identities


@pytest.fixture(scope="module")
def seed_frames() -> dict:
    manifest = read_manifest(SOURCES)
    parsed = [build.parse_source(name, (SOURCES / name).read_bytes(), manifest.get(name)) for name in (SEED, WITH_IDENTITIES)]
    return build.to_frames(parsed)


def _corrupt(frames: dict, name: str, column: str, value: object) -> tuple[dict, str]:
    frames = {k: v.copy() for k, v in frames.items()}
    frame = frames[name]
    frame.loc[frame.index[-1], column] = value
    return frames, frame.loc[frame.index[-1], "table_id"]


def test_a_valid_page_passes_whole(seed_frames: dict) -> None:
    outcome = build.validate_frames(seed_frames)
    assert outcome.quarantined_tables == {}
    assert len(outcome.frames["fact_budget_amount"]) == len(seed_frames["fact_budget_amount"]) == 392 + 54


@pytest.mark.parametrize(
    ("name", "column", "value", "check"),
    [
        ("fact_budget_amount", "row_number", 0, "greater_than_or_equal_to"),
        ("table_column_identity", "sign", 5, "isin"),  # a frame without a source line of its own
    ],
)
def test_a_row_that_fails_its_model_quarantines_its_table_with_file_and_line(
    seed_frames: dict, name: str, column: str, value: object, check: str
) -> None:
    frames, table_id = _corrupt(seed_frames, name, column, value)
    outcome = build.validate_frames(frames)
    reason = outcome.quarantined_tables[table_id]
    assert reason.startswith("line ") and reason.split(":")[0].removeprefix("line ").isdigit()
    assert f"{name}.{column} fails" in reason and check in reason
    assert table_id not in set(outcome.frames["fact_budget_amount"]["table_id"])
    rejection = outcome.frames["load_rejections"].query("table_id == @table_id").iloc[0]
    assert rejection["source_file"] in (SEED, WITH_IDENTITIES) and rejection["stage"] == "validate"
    # The page's other tables still load.
    assert set(outcome.frames["dim_table"]["table_id"]) - {table_id}
