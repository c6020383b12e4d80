"""DDL and comments generated from the pandera models (the single source of truth)."""

from __future__ import annotations

from pipeline.core.schemas import column_compressions, column_descriptions, describe_column, table_description

PRIMARY_KEYS = {
    "dim_document": ("document_id",),
    "dim_table": ("table_id",),
    "dim_budget_line": ("line_id",),
    "dim_chapter": ("chapter",),
    "dim_phase": ("phase",),
    "dim_year": ("year",),
}


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_table_sql(name: str, model, *, schema: str | None = None, compressions: dict[str, str] | None = None) -> str:
    """`compressions`: column -> compression, besides those the model names."""
    qualified = f"{schema}.{name}" if schema else name
    columns = []
    compressions = column_compressions(model) | (compressions or {})
    for column, (sql_type, _description, nullable) in column_descriptions(model).items():
        compression = f" USING COMPRESSION {compressions[column]}" if column in compressions else ""
        columns.append(f"    {column} {sql_type}{'' if nullable else ' NOT NULL'}{compression}")
    key = PRIMARY_KEYS.get(name)
    if key:
        columns.append(f"    PRIMARY KEY ({', '.join(key)})")
    return f"CREATE TABLE IF NOT EXISTS {qualified} (\n" + ",\n".join(columns) + "\n)"


def comment_sql(name: str, model, *, kind: str = "TABLE") -> list[str]:
    statements = [f"COMMENT ON {kind} {name} IS {quote(table_description(model))}"]
    for column, (_sql_type, description, _nullable) in column_descriptions(model).items():
        statements.append(f"COMMENT ON COLUMN {name}.{column} IS {quote(description)}")
    return statements


def view_comment_sql(name: str, model, columns: list[str]) -> list[str]:
    """COMMENT ON the view and each of its actual `columns`, from its model (regex columns included).
    A column the model does not describe is an error: every column has a comment."""
    statements = [f"COMMENT ON VIEW {name} IS {quote(table_description(model))}"]
    for column in columns:
        described = describe_column(model, column)
        if described is None:
            raise ValueError(f"view {name}: column {column} is not in its model {model.__name__}")
        identifier = '"' + column.replace('"', '""') + '"'  # printed headings have spaces, dots, brackets
        statements.append(f"COMMENT ON COLUMN {name}.{identifier} IS {quote(described[1])}")
    return statements
