"""The report asset: the offline HTML report of the served warehouse (pipeline.report)."""

import base64

import dagster as dg

from pipeline.defs.resources import BudgetPaths
from pipeline.defs.warehouse import WAREHOUSE
from pipeline.report import publish_report
from pipeline.store.export import EXPORT_LINK

# The relations the report's queries read (pipeline/report/sql), besides the served file itself.
REPORT_READS = (
    "dim_document", "dim_chapter", "dim_phase", "dim_budget_line", "fact_budget_amount", "fact_budget_flexibility",
    "budget_explanation", "fact_instrument_commitment", "budget_vintages",
)


@dg.asset(deps=[WAREHOUSE, *REPORT_READS], group_name="warehouse", kinds={"html"})
def budget_report(context: dg.AssetExecutionContext, budget_paths: BudgetPaths) -> dg.MaterializeResult:
    """The HTML report in the served exports (export/report/index.html), made after the warehouse
    is served: per article its instruments over the years, the vintages of its Uitgaven, its
    flexibility shares and its lines with their explanations. Static files with inline SVG: it
    opens offline, from disk."""
    export_dir = (budget_paths.warehouse.parent / EXPORT_LINK).resolve()
    report = publish_report(budget_paths.warehouse, export_dir)
    summary = report.summary_svg.read_bytes() if report.summary_svg else b""
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.path(str(report.index)),
            "documents": report.documents,
            "articles": report.articles,
            "articles_rendered": report.rendered,
            "summary_chart": dg.MetadataValue.md(
                f"![Uitgaven per hoofdstuk](data:image/svg+xml;base64,{base64.b64encode(summary).decode()})"
            ),
        }
    )
