"""The served warehouse in Dagster: one asset per published table and view, one for the file.

Every table and view registered in pipeline.store.catalog is an asset with its description,
column schema (from its pandera model) and row count, downstream of what it is made from, so
the asset graph is the lineage from the pages to every table. They are materialized together,
in one step, because they are one file swapped in at once. The checks attached to them run on
the new file before it is served: a failing blocking check keeps the previous warehouse served
and fails the run with its reason.
"""

import dagster as dg
import duckdb
import pandas as pd

from pipeline.core.schemas import column_descriptions
from pipeline.defs.assets import POOL
from pipeline.defs.resources import BudgetPaths
from pipeline.store import checks
from pipeline.store.catalog import TABLES, VIEWS
from pipeline.store.publish import new_warehouse, serve
from pipeline.store.summary import summary_text

WAREHOUSE = "budget_warehouse"
MATCHES_MODEL = "matches_model"
NO_PAGES_REFUSED = "no_pages_refused"
# The tables computed at publication. The others are copied from staging, where every row
# passed its model on the way in, into tables whose DDL is generated from the same model.
COMPUTED = [t for t in TABLES if t.sql is not None or t.frame is not None]


def _schema(model) -> dg.TableSchema:
    return dg.TableSchema(columns=[
        dg.TableColumn(column, sql_type, description=description)
        for column, (sql_type, description, _nullable) in column_descriptions(model).items()
    ])


def _spec(relation, group: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        relation.name,
        deps=list(relation.deps) or ["source_pages"],
        description=relation.description,
        group_name=group,
        kinds={"duckdb"},
        metadata={"dagster/column_schema": _schema(relation.model)},
    )


SPECS = [
    *(_spec(t, "warehouse") for t in TABLES),
    *(_spec(v, "views") for v in VIEWS),
    dg.AssetSpec(
        WAREHOUSE,
        deps=[t.name for t in TABLES] + [v.name for v in VIEWS],
        description="The served warehouse file (BUDGET_WAREHOUSE_PATH) and its exports, swapped in whole once every blocking check passed.",
        group_name="warehouse",
        kinds={"duckdb", "parquet", "csv"},
    ),
]
CHECK_SPECS = [
    *(dg.AssetCheckSpec(c.name, asset=c.table, description=c.description, blocking=True) for c in checks.SQL_CHECKS),
    *(dg.AssetCheckSpec(MATCHES_MODEL, asset=t.name, blocking=True, description="The table's columns, types and rows pass its pandera model.")
      for t in COMPUTED),
    dg.AssetCheckSpec(NO_PAGES_REFUSED, asset="load_rejections", blocking=False,
                      description="Warns when page files were refused whole (see load_rejections)."),
]


def _markdown(frame: pd.DataFrame) -> dg.MetadataValue:
    return dg.MetadataValue.md(frame.to_markdown(index=False) if len(frame) else "_(none)_")


def _checks(con: duckdb.DuckDBPyConnection, small: bool) -> list[dg.AssetCheckResult]:
    results = []
    for check in checks.SQL_CHECKS:
        found = checks.violations(con, check, small=small)
        results.append(dg.AssetCheckResult(
            asset_key=check.table, check_name=check.name, passed=found.empty,
            metadata={"violations": len(found), "sample": _markdown(found.head(20))},
        ))
    for table in COMPUTED:
        problems = checks.model_violations(con, table, small=small)
        results.append(dg.AssetCheckResult(
            asset_key=table.name, check_name=MATCHES_MODEL, passed=not problems,
            metadata={"problems": dg.MetadataValue.json(problems)},
        ))
    refused = checks.pages_refused(con)
    results.append(dg.AssetCheckResult(
        asset_key="load_rejections", check_name=NO_PAGES_REFUSED, passed=refused == 0,
        severity=dg.AssetCheckSeverity.WARN, metadata={"pages_refused": refused},
    ))
    return results


def _failure(failed: list[dg.AssetCheckResult]) -> str:
    names = ", ".join(f"{r.asset_key.to_user_string()}.{r.check_name}" for r in failed)
    return f"check(s) failed on the new warehouse, which was not served (the previous one still is): {names}"


def _table_metadata(con: duckdb.DuckDBPyConnection, counts: dict[str, int]) -> dict[str, dict]:
    metadata = {name: {"dagster/row_count": count} for name, count in counts.items()}
    # A view holds no rows: counting one computes it whole, which at 10,000 pages took longer
    # (25 s) than building every table. Its rows are counted by whoever queries it.
    metadata.update({view.name: {"rows": "computed when queried (a view)"} for view in VIEWS})
    metadata["load_rejections"].update({
        "pages_refused": checks.pages_refused(con),
        "tables_rejected": con.execute("SELECT count(*) FROM dim_table WHERE status = 'rejected'").fetchone()[0],
        "rejections": _markdown(con.execute(
            "SELECT source_file, source_line, reason FROM load_rejections ORDER BY source_file, source_line LIMIT 20"
        ).df()),
    })
    metadata["load_warnings"].update({
        "by_field": dg.MetadataValue.json(dict(con.execute(
            "SELECT field, count(*) FROM load_warnings GROUP BY 1 ORDER BY 1"
        ).fetchall())),
    })
    return metadata


@dg.multi_asset(name=WAREHOUSE, specs=SPECS, check_specs=CHECK_SPECS, pool=POOL)
def budget_warehouse(context: dg.AssetExecutionContext, budget_paths: BudgetPaths):
    """Build the new warehouse from staging, prove it, then serve it (pipeline.store.publish)."""
    warehouse = budget_paths.warehouse
    with new_warehouse(budget_paths.staging, warehouse) as draft:
        small = draft.scope is not None
        results = _checks(draft.con, small)
        metadata = _table_metadata(draft.con, draft.row_counts)
        summary = summary_text(draft.con, warehouse)
        yield from results
        failed = [r for r in results if not r.passed and r.severity == dg.AssetCheckSeverity.ERROR]
        if failed:
            raise dg.Failure(description=_failure(failed))
        serve(draft, warehouse)
    for name, values in metadata.items():
        yield dg.MaterializeResult(asset_key=name, metadata=values)
    yield dg.MaterializeResult(
        asset_key=WAREHOUSE,
        metadata={
            "path": dg.MetadataValue.path(str(warehouse)),
            "exports": dg.MetadataValue.json(draft.export_counts),
            "publication": f"small: {len(draft.scope.files)} page file(s) replaced" if small else "full",
            "summary": dg.MetadataValue.md(f"```\n{summary}\n```"),
        },
    )
