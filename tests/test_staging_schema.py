"""A staging database made before a model gained a column still works: the column is added."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.store import staging


def test_a_staging_database_of_an_older_version_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.staging.duckdb"
    with duckdb.connect(str(path)) as con:
        staging.ensure_schema(con)
        for table in ("fact_budget_amount",):
            con.execute(f"ALTER TABLE {table} DROP COLUMN fdp_phase")  # as made before fdp_phase existed
            con.execute(f"INSERT INTO {table} (document_id, table_id, table_kind, line_id, measure, printed_label, row_number, "
                        "column_position, column_label, column_kind, raw_value, value_status, source_line) "
                        "VALUES ('d', 't', 'budget', 'l', 'uitgaven', 'Uitgaven', 1, 1, '2024', 'raming', '', 'blank', 1)")
    with duckdb.connect(str(path)) as con:
        staging.ensure_schema(con)
        for table in ("fact_budget_amount",):
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            assert "fdp_phase" in columns
            assert con.execute(f"SELECT count(*), count(fdp_phase) FROM {table}").fetchall() == [(1, 0)]
