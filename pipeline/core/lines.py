"""Budget lines: a deterministic key for every node of the budget tree.

A line is keyed by its normalised path: chapter, article, measure, then one segment per level
below the article total (artikelonderdeel by its code when it has one, else by its label;
instruments by their canonical name; regelingen and breakdowns by their normalised label).
The same path gives the same `line_id` in every run and every document, whatever the spacing,
dashes, case or trailing colons of the printed labels. A row that continues a name prefix
("Rijksbijdrage:", then "in kosten heffingskortingen AOW") is keyed and labelled by its full name.
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
        return f"instrument:{labels.normalise_label(labels.canonical_label(node.label))}"
    if node.level == "article" and node.row.code:
        return f"article:{node.row.code}"
    return f"{node.level}:{labels.normalise_label(node.label)}"


def line_keys(nodes: list[Node], *, chapter: str | None, article_code: str | None) -> dict[int, LineKey]:
    """Keys for all nodes of one table, by row index (parents come before their children)."""
    keys: dict[int, LineKey] = {}
    used: dict[tuple[str | None, str], int] = {}
    # Per row index, what a node's path says about it: its article code and its context.
    contexts: dict[int, tuple[str | None, str | None, str | None, str | None, str | None]] = {}
    for node in nodes:
        row = node.row
        level = node.level
        parent = node.parent
        parent_key = keys.get(parent.row.index) if parent is not None else None
        node_article, sub_code, sub_name, instrument, regeling = (
            contexts[parent.row.index] if parent is not None else (None, None, None, None, None)
        )
        # The nearest node of each kind on the path up from this one (itself first).
        if level == "article" and row.code:
            node_article = row.code
        if level == "sub_article":
            sub_code, sub_name = row.code, labels.display_label(node.label)
        elif level == "instrument":
            instrument = labels.canonical_label(node.label)
        elif level == "regeling":
            regeling = labels.display_label(node.label)
        contexts[row.index] = (node_article, sub_code, sub_name, instrument, regeling)
        own_article = node_article or article_code
        if parent is None:
            # The article (or chapter) total of one measure.
            scope = own_article if level == "article" else None
            path = f"{chapter or '?'}/{scope or '?'}/{node.measure}" if level == "article" else f"{chapter or '?'}/{node.measure}"
        else:
            assert parent_key is not None
            if level == "article":
                path = f"{chapter or '?'}/{row.code}/{node.measure}"
            else:
                path = f"{parent_key.path}/{segment(node)}"
        # Two siblings with the same normalised label: keep them apart by order.
        parent_line_id = parent_key.line_id if parent_key else None
        count = used.get((parent_line_id, path), 0) + 1
        used[(parent_line_id, path)] = count
        if count > 1:
            path = f"{path}#{count}"
        keys[row.index] = LineKey(
            line_id=stable_id("line", path),
            path=path,
            parent_line_id=parent_line_id,
            chapter=chapter,
            article_code=own_article if level != "chapter" else None,
            measure=node.measure,
            level=level,
            label=labels.canonical_label(node.label),
            sub_article_code=sub_code,
            sub_article_name=sub_name,
            instrument=instrument,
            regeling=regeling,
        )
    return keys

