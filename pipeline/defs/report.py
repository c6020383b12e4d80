"""The report asset: the offline HTML report of the published warehouse (pipeline.report)."""

import base64

import dagster as dg

from pipeline.defs.partitions import single_run
from pipeline.defs.resources import BudgetPaths
from pipeline.report import publish_report
from pipeline.store.export import EXPORT_LINK


# Unpartitioned, like the warehouse it reads: one run per range of pages with the rest.
@dg.asset(deps=["budget_warehouse"], group_name="warehouse", kinds={"html"}, backfill_policy=single_run)
def budget_report(context: dg.AssetExecutionContext, budget_paths: BudgetPaths) -> dg.MaterializeResult:
    """The HTML report next to the exports (export/report/index.html): per article its instruments
    over the years, the vintages of its Uitgaven, its flexibility shares and its lines with their
    explanations. Static files with inline SVG: it opens offline, from disk."""
    export_dir = (budget_paths.warehouse.parent / EXPORT_LINK).resolve()
    report = publish_report(budget_paths.warehouse, export_dir)
    summary = report.summary_svg.read_bytes() if report.summary_svg else b""
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.path(str(report.index)),
            "documents": report.documents,
            "articles": report.articles,
            "summary_chart": dg.MetadataValue.md(
                f"![Uitgaven per hoofdstuk](data:image/svg+xml;base64,{base64.b64encode(summary).decode()})"
            ),
        }
    )
