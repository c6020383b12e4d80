"""Budget lines: a deterministic key for every node of the budget tree.

A line is keyed by its normalised path: chapter, article, measure, then one segment per level
below the article total (artikelonderdeel by its code when it has one, else by its label;
instruments by their canonical name; regelingen and breakdowns by their normalised label).
The same path gives the same `line_id` in every run and every document, whatever the spacing,
dashes, case or trailing colons of the printed labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core import labels
from pipeline.core.hierarchy import Node
from pipeline.core.metadata import stable_id


@dataclass(slots=True)
class LineKey:
    line_id: str
    path: str
    parent_line_id: str | None
    chapter: str | None
    article_code: str | None
    measure: str
    level: str
    label: str
    sub_article_code: str | None
    sub_article_name: str | None
    instrument: str | None
    regeling: str | None


def segment(node: Node) -> str:
    if node.level == "sub_article" and node.row.code:
        return f"{node.level}:{node.row.code}"
    if node.level == "instrument":
        return f"instrument:{labels.normalise_label(labels.canonical_label(node.row.label))}"
    if node.level == "article" and node.row.code:
        return f"article:{node.row.code}"
    return f"{node.level}:{labels.normalise_label(node.row.label)}"


def line_keys(nodes: list[Node], *, chapter: str | None, article_code: str | None) -> dict[int, LineKey]:
    """Keys for all nodes of one table, by row index."""
    keys: dict[int, LineKey] = {}
    used: dict[tuple[str | None, str], int] = {}
    for node in nodes:
        parent_key = keys.get(node.parent.row.index) if node.parent is not None else None
        own_article = node.article_code or article_code
        if node.parent is None:
            # The article (or chapter) total of one measure.
            scope = own_article if node.level == "article" else None
            base = f"{chapter or '?'}/{scope or '?'}/{node.measure}" if node.level == "article" else f"{chapter or '?'}/{node.measure}"
            path = base
        else:
            assert parent_key is not None
            seg = segment(node)
            if node.level == "article":
                path = f"{chapter or '?'}/{node.row.code}/{node.measure}"
            else:
                path = f"{parent_key.path}/{seg}"
        # Two siblings with the same normalised label: keep them apart by order.
        count = used.get((parent_key.line_id if parent_key else None, path), 0) + 1
        used[(parent_key.line_id if parent_key else None, path)] = count
        if count > 1:
            path = f"{path}#{count}"
        line_id = stable_id("line", path)
        sub_code, sub_name, instrument, regeling = _context(node)
        keys[node.row.index] = LineKey(
            line_id=line_id,
            path=path,
            parent_line_id=parent_key.line_id if parent_key else None,
            chapter=chapter,
            article_code=own_article if node.level != "chapter" else None,
            measure=node.measure,
            level=node.level,
            label=labels.canonical_label(node.row.label),
            sub_article_code=sub_code,
            sub_article_name=sub_name,
            instrument=instrument,
            regeling=regeling,
        )
    return keys


def _context(node: Node) -> tuple[str | None, str | None, str | None, str | None]:
    sub_code = sub_name = instrument = regeling = None
    current: Node | None = node
    while current is not None:
        if current.level == "sub_article" and sub_name is None:
            sub_code, sub_name = current.row.code, labels.display_label(current.row.label)
        elif current.level == "instrument" and instrument is None:
            instrument = labels.canonical_label(current.row.label)
        elif current.level == "regeling" and regeling is None:
            regeling = labels.display_label(current.row.label)
        current = current.parent
    return sub_code, sub_name, instrument, regeling
