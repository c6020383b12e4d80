"""The SQL of the warehouse: views, derived tables, exports and checks, one statement set per file."""

from importlib import resources


def sql_text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
