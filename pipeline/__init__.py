"""budget-warehouse: Dutch national budget pages to a validated DuckDB star schema.

`pipeline.core` is the functional core (no Dagster): page text in, rows and rejections out.
`pipeline.store` owns DuckDB: staging tables and atomic publication of the served warehouse.
`pipeline.defs` is the thin Dagster shell; `pipeline.definitions.defs` is the code location.
"""
