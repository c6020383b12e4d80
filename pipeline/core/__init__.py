"""Functional core: parsing and validation of budget pages. Never imports dagster."""
