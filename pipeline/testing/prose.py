"""Explanation prose for generated pages, with the links a reader would make (issue 12).

`add_explanations` appends to a generated page the toelichting the seed prints after its tables:
per artikelonderdeel ("7.1 Name", or its name alone), per instrument, per regeling a heading and a
paragraph, headings spelt the way pages respell labels (case, dashes, an abbreviation in brackets,
another instrument spelling), topic subheadings inside a regeling's text, and traps: under one
instrument, the name of a regeling of another instrument. It returns what each heading explains,
so a test can check the parser's links against it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipeline.core import labels
from pipeline.testing.generator import INSTRUMENTS, GeneratedPage, Node, _paragraph, display

SUB_ARTICLE = "sub_article"
INSTRUMENT = "instrument"
REGELING = "regeling"
TOPIC = "topic"  # a subheading inside a regeling's text: explains the regeling above it
TRAP = "trap"  # names a regeling of another instrument: must never link to that line

_TOPIC_HEADINGS = ("Integriteit", "Veilig werken", "Kennisdeling", "Digitale weerbaarheid", "Evaluatie", "Monitoring")


@dataclass(frozen=True)
class KnownSection:
    line: int  # 1-based source line of the heading
    heading: str
    kind: str
    sub_article_code: str | None  # the artikelonderdeel it is under (its code; None when uncoded)
    sub_article: str | None  # the artikelonderdeel's label
    instrument: str | None  # canonical name of the instrument it is under
    label: str | None  # the line's label as the parser reports it (regelingen: as printed, without a name prefix); topics: the regeling's


def respell(label: str, rng: random.Random) -> str:
    """The label as a heading may print it: unchanged, in lower case, with other dashes, or with
    an abbreviation in brackets added."""
    choice = rng.randrange(4)
    if choice == 1:
        return label.lower()
    if choice == 2 and "-" in label:
        return label.replace(" - ", " \u2013 ").replace("- ", " \u2013 ")
    if choice == 3:
        initials = "".join(w[0] for w in label.split() if w[:1].isalpha()).upper()
        return f"{label} ({initials})" if len(initials) >= 2 else label
    return label


def _instrument_heading(node: Node, rng: random.Random) -> str:
    canonical = labels.canonical_instrument(node.label)
    spellings = next((s for s in INSTRUMENTS if labels.canonical_instrument(s[0]) == canonical), (node.label,))
    return rng.choice(spellings)


def add_explanations(page: GeneratedPage, rng: random.Random) -> list[KnownSection]:
    """Append explanation sections for the page's first table (before its footer); what each
    heading explains. Pages whose first table has no Uitgaven tree get none."""
    tree = page.tables[0].tree if page.tables else None
    uitgaven = next((root for root in tree.roots if root.measure == "uitgaven"), None) if tree is not None else None
    if uitgaven is None:
        return []
    footer = page.lines[-2:] if page.lines[-2:] == ["Licence", ""] else []
    lines = page.lines[: len(page.lines) - len(footer)]
    known: list[KnownSection] = []
    all_regelingen = [(n, i) for i in (c for root in tree.roots for c in root.walk() if c.level == "instrument") for n in i.children if n.level == "regeling"]
    tree_words = " ".join(labels.normalise_label(n.label) for n in tree.rows())

    def write(text: str) -> int:
        lines.extend([text, ""])
        return len(lines) - 1  # 1-based line of `text`

    for child in uitgaven.children:
        if child.level == "sub_article":
            sub_code, sub_label = child.code, display(child.label)
            heading = f"{child.code} {display(child.label)}" if child.code else display(child.label)
            known.append(KnownSection(write(heading), heading, SUB_ARTICLE, sub_code, sub_label, None, sub_label))
            if rng.random() < 0.5:
                write(_paragraph(rng))
            instruments = [n for n in child.children if n.level == "instrument"]
        elif child.level == "instrument":
            sub_code = sub_label = None
            instruments = [child]
        else:
            continue
        for instrument in instruments:
            canonical = labels.canonical_instrument(instrument.label) or display(instrument.label)
            heading = _instrument_heading(instrument, rng)
            known.append(KnownSection(write(heading), heading, INSTRUMENT, sub_code, sub_label, canonical, labels.canonical_label(instrument.label)))
            regelingen = [n for n in instrument.children if n.level == "regeling"]
            if not regelingen:
                write(_paragraph(rng))
            for regeling in regelingen:
                if regeling.name_prefix:  # "Rijksbijdrage:" is no line: the names after it are
                    continue
                label = display(regeling.label)
                heading = respell(label.lstrip("-\u2013 "), rng)  # a table's dash bullet is no part of a heading
                known.append(KnownSection(write(heading), heading, REGELING, sub_code, sub_label, canonical, label))
                write(_paragraph(rng))
                if rng.random() < 0.3:
                    topics = [t for t in _TOPIC_HEADINGS if t.lower() not in tree_words]
                    if topics:
                        topic = rng.choice(topics)
                        known.append(KnownSection(write(topic), topic, TOPIC, sub_code, sub_label, canonical, label))
                        write(_paragraph(rng))
            others = [n for n, owner in all_regelingen if owner is not instrument and not n.name_prefix]
            if regelingen and others and rng.random() < 0.3:
                trap = display(rng.choice(others).label)
                known.append(KnownSection(write(trap), trap, TRAP, sub_code, sub_label, canonical, None))
                write(_paragraph(rng))
    page.lines = lines + footer
    return known


__all__ = ["KnownSection", "add_explanations", "respell", "SUB_ARTICLE", "INSTRUMENT", "REGELING", "TOPIC", "TRAP"]
