"""Pages as dynamic partitions: one partition per page file, keyed by its path under
BUDGET_SOURCES_DIR. A full rebuild is one run over all keys (single-run backfill policy);
adding a page materializes only its partition."""

import dagster as dg

PAGES = "pages"
pages_partitions = dg.DynamicPartitionsDefinition(name=PAGES)
single_run = dg.BackfillPolicy.single_run()


def contiguous_ranges(ordered_keys: list[str], wanted: set[str]) -> list[tuple[str, str]]:
    """The wanted keys as (first, last) ranges over the partitions' order."""
    ranges: list[tuple[str, str]] = []
    start = previous = None
    for key in ordered_keys:
        if key in wanted:
            if start is None:
                start = key
            previous = key
        elif start is not None:
            ranges.append((start, previous))
            start = None
    if start is not None:
        ranges.append((start, previous))
    return ranges


def range_tags(first: str, last: str) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }
