"""Asset checks on the published warehouse, shown in the Dagster UI.

They re-prove, in SQL over the served file, what the parser enforced while reading: a second,
independent implementation of the same rules. Any row they return is a bug to look at.
"""


import dagster as dg
import duckdb

from pipeline.defs.resources import BudgetPaths
from pipeline.store.connections import duckdb_config
from pipeline.store.publish import sql_text


def _run(budget_paths: BudgetPaths, sql_file: str, description: str) -> dg.AssetCheckResult:
    con = duckdb.connect(str(budget_paths.warehouse), read_only=True, config=duckdb_config())
    try:
        con.execute(sql_text("check_scope.sql"))
        scope = con.execute("SELECT count(*) FROM check_scope").fetchone()[0]
        violations = con.execute(sql_text(sql_file)).df()
    finally:
        con.close()
    return dg.AssetCheckResult(
        passed=violations.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "violations": len(violations),
            # After an incremental publication only the tables it changed (and those sharing
            # their lines) are re-proved: the rest passed when they were published.
            "tables_checked": scope,
            "sample": dg.MetadataValue.md(violations.head(20).to_markdown(index=False) if len(violations) else "_(none)_"),
        },
    )


@dg.asset_check(asset="budget_warehouse", blocking=False)
def parents_equal_sum_of_children(budget_paths: BudgetPaths) -> dg.AssetCheckResult:
    """Every parent line equals the sum of its additive children in every column, within max(1, n/2)."""
    return _run(budget_paths, "check_parent_sums.sql", "parent = sum of children (rounding tolerance max(1, n/2))")


@dg.asset_check(asset="budget_warehouse", blocking=False)
def column_identities_hold(budget_paths: BudgetPaths) -> dg.AssetCheckResult:
    """Stand = previous stand + mutaties and verschil = realisatie - begroting, wherever all terms are printed."""
    return _run(budget_paths, "check_column_identities.sql", "column identities hold in every complete row")


@dg.asset_check(asset="budget_warehouse", blocking=False)
def flexibility_shares_add_up(budget_paths: BudgetPaths) -> dg.AssetCheckResult:
    """The flexibility categories of each article and year add up to 100% (within 1 point of rounding)."""
    return _run(budget_paths, "check_flexibility_shares.sql", "flexibility shares add up to 100%")


CHECKS = [parents_equal_sum_of_children, column_identities_hold, flexibility_shares_add_up]
