"""What the open-data CSV (budgettaire_tabellen.csv) costs a publication: written whole, as a
full build writes it, and in a small publication that touched one document. Run from the
repository root on a built warehouse folder (served file, `.staging/` and `export/`):

    .venv/bin/python benchmarks/open_data_csv.py /path/to/warehouse
    .venv/bin/python benchmarks/open_data_csv.py /path/to/warehouse --page gen_2015_1SUPP_IIA_art14_7344278.txt

The folder is only read: the served file is copied into a temp folder, and the copy's record of
one page (the first of the middle budget year, or --page) is altered so that
pipeline.store.increment plans a small publication of that page (its rows replaced by staging's
same rows). The CSV is written whole from the copy, then the small publication's draft is built
and its CSV written with the whole one as the previous export. Prints one JSON object: wall and
CPU seconds of each (CPU: the machine may be busy with others), and whether the two files are
the same bytes. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from pipeline.store import increment, open_data_csv  # noqa: E402
from pipeline.store.connections import duckdb_config  # noqa: E402
from pipeline.store.warehouse_file import build, connect_new  # noqa: E402


def timed(write) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    write()
    return round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("warehouse", type=Path, help="folder with budget.duckdb, .staging/ and export/")
    parser.add_argument("--page", help="the page file the small publication replaces")
    args = parser.parse_args()
    staging = str(args.warehouse / ".staging" / "budget.staging.duckdb")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        served, whole, small = scratch / "budget.duckdb", scratch / "whole", scratch / "small"
        whole.mkdir()
        small.mkdir()
        shutil.copyfile(args.warehouse / "budget.duckdb", served)
        with duckdb.connect(str(served)) as con:
            page = args.page or con.execute(
                f"""SELECT p.source_file FROM {increment.STATE_SCHEMA}.page AS p JOIN dim_document AS d USING (document_id)
                    WHERE d.budget_year = (SELECT quantile_disc(budget_year, 0.5) FROM dim_document) ORDER BY 1 LIMIT 1"""
            ).fetchone()[0]
            con.execute(f"UPDATE {increment.STATE_SCHEMA}.page SET fingerprint = 'touched' WHERE source_file = ?", [page])
            # A file made by other code is made again whole: plan as if by this code.
            increment.BUILD_VERSION = con.execute(f"SELECT version FROM {increment.STATE_SCHEMA}.build").fetchone()[0]
        with duckdb.connect(str(served), read_only=True, config=duckdb_config()) as con:
            con.execute(f"ATTACH '{staging}' AS staging (READ_ONLY)")
            whole_s, whole_cpu_s = timed(lambda: open_data_csv.write_budgettaire_tabellen(con, whole / open_data_csv.CSV_NAME))
        scope = increment.plan(served, staging)
        draft = scratch / "draft.duckdb"
        shutil.copyfile(served, draft)
        with connect_new(draft) as con:
            build(con, staging, scope)
            small_s, small_cpu_s = timed(lambda: open_data_csv.write_budgettaire_tabellen(con, small / open_data_csv.CSV_NAME, open_data_csv.reusable_chunks(con, whole, scope)))
        print(json.dumps({
            "page": page,
            "csv_mb": round((whole / open_data_csv.CSV_NAME).stat().st_size / 1e6, 1),
            "whole_s": whole_s,
            "whole_cpu_s": whole_cpu_s,
            "small_s": small_s,
            "small_cpu_s": small_cpu_s,
            "same_bytes": filecmp.cmp(whole / open_data_csv.CSV_NAME, small / open_data_csv.CSV_NAME, shallow=False),
        }))


if __name__ == "__main__":
    main()
