"""A staging database made before a model gained a column still works: the column is added."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.store import staging
from pipeline.store.connections import STAGING_ROW_GROUP_SIZE, open_staging


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


def test_staging_is_written_in_small_row_groups_so_each_batch_commit_rewrites_little(tmp_path: Path) -> None:
    path = str(tmp_path / "budget.staging.duckdb")
    con = open_staging(path)
    try:
        staging.ensure_schema(con)
        con.execute("INSERT INTO load_warnings BY NAME SELECT 'd' AS document_id, 'f' AS source_file, 'x' AS field, 'm' || range AS message FROM range(40000)")
    finally:
        con.close()
    with duckdb.connect(path, read_only=True) as con:  # what the connection wrote is the file's own
        groups = con.execute(
            "SELECT row_group_id, sum(count) FROM pragma_storage_info('load_warnings') "
            "WHERE column_id = 0 AND segment_type <> 'VALIDITY' GROUP BY row_group_id"
        ).fetchall()
    assert sum(rows for _, rows in groups) == 40000
    assert max(rows for _, rows in groups) == STAGING_ROW_GROUP_SIZE
