"""warehouse/README.md is the data dictionary generated from the models: it must be up to date."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT

from pipeline.core.schemas import TABLE_MODELS, VIEW_MODELS, column_descriptions
from pipeline.store import dictionary
from pipeline.store.catalog import TABLE_NAMES, VIEW_NAMES

README = ROOT / "warehouse" / "README.md"


def test_the_data_dictionary_in_warehouse_readme_is_up_to_date() -> None:
    assert README.read_text(encoding="utf-8") == dictionary.render(), (
        "warehouse/README.md is out of date: run `python -m pipeline.store.dictionary`"
    )


def test_the_dictionary_describes_every_table_view_and_column() -> None:
    text = dictionary.render()
    for name in (*TABLE_NAMES, *VIEW_NAMES):
        assert f"### `{name}`" in text
        model = TABLE_MODELS.get(name) or VIEW_MODELS[name]
        for column, (_sql, description, _nullable) in column_descriptions(model).items():
            assert description, f"{name}.{column} has no description"
            if not column.startswith("^"):
                assert f"| `{column}` |" in text
    assert "| `y<YEAR>` |" in text


def test_the_check_mode_reports_an_outdated_file(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert dictionary.main(["--check", str(stale)]) == 1
    assert dictionary.main([str(stale)]) == 0
    assert dictionary.main(["--check", str(stale)]) == 0
