"""What the HTML report costs on a served warehouse (the budget_report step). Run from the
repository root on a copy of a built warehouse (the report only reads it):

    cp /path/to/wh/budget.duckdb /tmp/w/budget.duckdb
    .venv/bin/python benchmarks/report.py /tmp/w/budget.duckdb

Renders the report into a fresh folder beside the warehouse copy (`report-benchmark/`), as the
asset does (pipeline.report.publish_report), then once more over that report, where every
article page is reused (hard-linked): what a build in which no page changed pays. Prints one
JSON object: wall and CPU seconds (this process, all threads: on a busy machine the wall time
wanders, the CPU time much less), pages rendered, files and MB written, and peak RSS. Figures
are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.report import REPORT_DIR, publish_report  # noqa: E402


def timed(warehouse: Path, export_dir: Path) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    report = publish_report(warehouse, export_dir)
    return {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1),
            "articles": report.articles, "rendered": report.rendered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path, help="a copy of a built warehouse file")
    warehouse = parser.parse_args().warehouse.resolve()
    export_dir = warehouse.parent / "report-benchmark"
    shutil.rmtree(export_dir, ignore_errors=True)
    export_dir.mkdir()
    full = timed(warehouse, export_dir)
    files = [p for p in (export_dir / REPORT_DIR).rglob("*") if p.is_file()]
    full |= {"files": len(files), "mb": round(sum(p.stat().st_size for p in files) / 1e6)}
    reused = timed(warehouse, export_dir)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"full": full, "all_pages_reused": reused, "peak_rss_mb": peak_mb}))


if __name__ == "__main__":
    main()
