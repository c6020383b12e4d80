"""DuckDB: the staging database the assets write to, and atomic publication of the warehouse."""
