"""Generated budget pages with known answers, for the round-trip and mutation tests and the benchmarks.

A generated page is built from a random budget tree whose numbers are made bottom-up (every parent
is the sum of its children, every row obeys the column identities of its layout), rendered in one
of the layouts and text shapes of the dialect (see FORMAT.md), together with what a correct parse
must return: the tables, their columns (kind, fiscal year), their rows (code, label, level, parent)
and every cell (value status and amount).

    rng = random.Random(7)
    layout = random_layout(rng, "1SUPP9", year=2020)
    tree = random_tree(rng, layout)
    page = render_page(tree, layout, "cell_per_line", rng)
    outcome = compare(parse_source(page.file_name, page.text.encode(), page.manifest).result, page)

    for file_name, text, manifest in realistic_pages(100, seed=1): ...   # ~45 KB pages for benchmarks

Layouts (`LAYOUTS`): OWB with 7 or 6 year columns; 1SUPP with 9 columns (with or without the
"(3)=(1+2)" markers, the formula sometimes on its own line) or 7; 2SUPP with the two-level
heading (sub-headings printed after "(4)", values before it), without it, and the fund variant
(VJN/NJN); PSUPP (3 columns, no years); JV with "Realisatie" spanning five year columns or with one
heading per column. Shapes (`SHAPES`): one cell per line, markdown pipe tables, and the two
negative shapes that must be rejected: cells run together, and amounts in millions with a
decimal comma.

Every generated table has one reading under FORMAT's rules: codes and the instrument list first,
then row order (a row continues the sibling list of the row before it, or opens that row's list
of children), then sums. Where the sums cannot tell two readings apart, row order decides, so the
generator avoids building the other reading: an all-zero row (or all-zero subtree) without a code
only follows a non-zero sibling or its own instrument; an unnumbered artikelonderdeel after a
sibling with children has that sibling (and its last child) print values. A row whose blank cells
could sit in more than one place with every check still holding is flagged
(`ExpectedTable.ambiguous`): for such a table a rejection is a correct answer.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.core.metadata import ManifestRow

# ----------------------------------------------------------------------------------------------
# Value cells

NUMBER, NIHIL, PM, NOT_AVAILABLE, BLANK = "number", "nihil", "pm", "not_available", "blank"
MINUS_SIGNS = ("-", "\u2012", "\u2013", "\u2212")
SHAPES = ("cell_per_line", "pipe", "run_together", "millions")


@dataclass(slots=True)
class Cell:
    """One value cell as the parser must report it."""

    status: str
    amount: int | None

    @property
    def sum_value(self) -> int:
        """What the cell adds to a sum: a blank, pm or not-available cell counts as 0."""
        return self.amount or 0


def tolerance(n_terms: int) -> float:
    """Published cells are rounded one by one: a sum of n may be off by max(1, n/2)."""
    return max(1.0, n_terms / 2)


@dataclass(slots=True)
class NumberStyle:
    """How one table prints its numbers."""

    group: str = "."  # "." or " " (older pages)
    minus: str = "\u2013"
    minus_space: bool = True
    mixed_minus: bool = False  # a different minus sign now and then
    na: str = "..."
    pm: str = "pm"

    def number(self, value: int, rng: random.Random | None = None) -> str:
        digits = str(abs(value))
        if len(digits) > 3:
            head = len(digits) % 3 or 3
            parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
            digits = self.group.join(parts)
        if value >= 0:
            return digits
        minus, space = self.minus, self.minus_space
        if self.mixed_minus and rng is not None and rng.random() < 0.3:
            minus, space = rng.choice(MINUS_SIGNS), rng.random() < 0.5
        return f"{minus}{' ' if space else ''}{digits}"

    def token(self, cell: Cell, rng: random.Random | None = None) -> str:
        if cell.status == NUMBER:
            assert cell.amount is not None
            return self.number(cell.amount, rng)
        if cell.status == NIHIL:
            return "nihil"
        if cell.status == PM:
            return self.pm
        if cell.status == NOT_AVAILABLE:
            return self.na
        return ""


def random_style(rng: random.Random) -> NumberStyle:
    return NumberStyle(
        group="." if rng.random() < 0.8 else " ",
        minus=rng.choice(MINUS_SIGNS),
        minus_space=rng.random() < 0.5,
        mixed_minus=rng.random() < 0.3,
        na=rng.choice(("...", "...", "-", "\u2026", "\u2013")),
        pm=rng.choice(("pm", "p.m.")),
    )


# ----------------------------------------------------------------------------------------------
# Column layouts

LEVEL, CHANGE, DERIVED = "level", "change", "derived"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    heading: str
    kind: str  # the column_kind the parser must report
    fiscal_year: int | None
    role: str  # level / change: drawn; derived: computed from `formula`
    formula: tuple[tuple[int, int], ...] = ()  # (0-based column, sign) terms of a derived column

    @property
    def derived(self) -> bool:
        return bool(self.formula)


@dataclass(slots=True)
class Layout:
    variant: str
    phase: str
    year: int
    columns: list[ColumnSpec]
    header_cells: list[str]  # heading cells in text order (one cell per line shape)
    header_rows: list[list[str]]  # pipe shape: the header row, then header rows printed in the body
    corner: str | None = None  # a stray heading cell: 'Art.', 'Art.nr.', 'Omschrijving' or a name
    corner_first: bool = False  # printed before the headings (else after them)
    fund: bool = False

    @property
    def n(self) -> int:
        return len(self.columns)

    def identities(self) -> list[tuple[int, tuple[tuple[int, int], ...]]]:
        return [(i, c.formula) for i, c in enumerate(self.columns) if c.formula]


LAYOUTS = (
    "OWB7", "OWB6", "1SUPP9", "1SUPP9plain", "1SUPP7", "2SUPP5", "2SUPP4", "2SUPPfund", "PSUPP3", "JV7", "JV7flat",
    "1SUPP9formularow", "JV7twoline",
)
_LAYOUT_WEIGHTS = (5, 2, 3, 2, 2, 2, 1, 2, 2, 2, 1, 1, 1)


def random_layout(rng: random.Random, variant: str | None = None, year: int | None = None) -> Layout:
    """A column layout of one phase; `variant` is one of LAYOUTS (random when None)."""
    variant = variant or rng.choices(LAYOUTS, _LAYOUT_WEIGHTS)[0]
    t = year if year is not None else rng.randint(2009, 2026)
    if variant in _HEADING_LAYOUTS:
        return _HEADING_LAYOUTS[variant](rng, t)
    if variant in ("OWB7", "OWB6"):
        first = t - 2 if variant == "OWB7" else t - 1
        cols = []
        for y in range(first, t + 5):
            kind = "realisatie" if y < t - 1 else "stand" if y == t - 1 else "ontwerpbegroting" if y == t else "raming"
            cols.append(ColumnSpec(str(y), kind, y, LEVEL))
        corner = rng.choice((None, "Art.", "Art.nr.", "Artikel"))
        return Layout(variant, "OWB", t, cols, [c.heading for c in cols], [[c.heading for c in cols]], corner, False)
    if variant in ("1SUPP9", "1SUPP9plain"):
        marked = variant == "1SUPP9"
        split = marked and rng.random() < 0.4
        formula = (lambda f: f" {f}" if rng.random() < 0.5 else f"{f}") if marked else None
        nvw = rng.choice(("Mutaties via NvW, moties, amendementen en ISB", "Mutaties via NvW en amendementen", "Mutaties via NvW, moties en amendementen"))
        supp = rng.choice(("Mutaties 1e suppletoire begroting", "Mutaties 1e suppletoire"))
        stand = rng.choice(("Stand 1e suppletoire begroting", "Stand 1e suppletoire"))
        ontwerp = rng.choice(("Ontwerpbegroting", "Ontwerp begroting"))
        texts = [
            (f"{ontwerp} {t}", "(1)"),
            (nvw, "(2)"),
            (f"Vastgestelde begroting {t}", "(3)=(1+2)" if rng.random() < 0.5 else "(3) = (1+2)"),
            (supp, "(4)"),
            (stand, "(5)=(3+4)" if rng.random() < 0.5 else "(5) = (3+4)"),
        ]
        cols = [
            ColumnSpec("", "ontwerpbegroting", t, LEVEL),
            ColumnSpec("", "mutatie", t, CHANGE),
            ColumnSpec("", "vastgestelde_begroting", t, DERIVED, ((0, 1), (1, 1))),
            ColumnSpec("", "mutatie", t, CHANGE),
            ColumnSpec("", "stand", t, DERIVED, ((2, 1), (3, 1))),
        ]
        cells: list[str] = []
        headings: list[str] = []
        for (text, marker), col in zip(texts, cols):
            if not marked:
                cells.append(text)
                headings.append(text)
            elif split and "=" in marker:
                cells.extend([text, marker])
                headings.append(f"{text} {marker}")
            else:
                joined = f"{text}{formula(marker)}" if formula else text
                cells.append(joined)
                headings.append(joined)
        cols = [ColumnSpec(h, c.kind, c.fiscal_year, c.role, c.formula) for h, c in zip(headings, cols)]
        for k in range(1, 5):
            heading = f"Mutatie {t + k}"
            cols.append(ColumnSpec(heading, "mutatie", t + k, CHANGE))
            cells.append(heading)
            headings.append(heading)
        corner = rng.choice((None, "Art.nr.", "Art.nr."))
        return Layout(variant, "1SUPP", t, cols, cells, [headings], corner, False)
    if variant == "1SUPP7":
        heads = [f"Vastgestelde begroting {t} (1)", "Mutaties 1e suppletoire begroting (2)", "Stand 1e suppletoire begroting (3)=(1+2)"]
        cols = [
            ColumnSpec(heads[0], "vastgestelde_begroting", t, LEVEL),
            ColumnSpec(heads[1], "mutatie", t, CHANGE),
            ColumnSpec(heads[2], "stand", t, DERIVED, ((0, 1), (1, 1))),
        ]
        for k in range(1, 5):
            cols.append(ColumnSpec(f"Mutatie {t + k}", "mutatie", t + k, CHANGE))
        cells = [c.heading for c in cols]
        return Layout(variant, "1SUPP", t, cols, cells, [cells], rng.choice((None, "Art.")), False)
    if variant == "2SUPP5":
        sub1 = rng.choice(("Mutaties Miljoenennota", "Mutaties Miljoennota (t+1)", "Mutaties Miljoenennota (t+1)"))
        sub2 = rng.choice(("Overige mutaties 2e suppletoire begroting", "Overige mutaties"))
        heads = [
            "Vastgestelde begroting (1)",
            "Stand 1e suppletoire begroting (2)",
            "Mutaties 2e suppletoire begroting (3)",
            rng.choice(("Stand 2e suppletoire begroting (4)= (2+3)", "Stand 2e suppletoire begroting (4)=(2+3)")),
        ]
        cols = [
            ColumnSpec(heads[0], "vastgestelde_begroting", t, LEVEL),
            ColumnSpec(heads[1], "stand", t, LEVEL),
            ColumnSpec(f"{heads[2]}: {sub1}", "mutatie", t, CHANGE),
            ColumnSpec(f"{heads[2]}: {sub2}", "mutatie", t, CHANGE),
            ColumnSpec(heads[3], "stand", t, DERIVED, ((1, 1), (2, 1), (3, 1))),
        ]
        cells = heads + [sub1, sub2]
        rows = [[heads[0], heads[1], heads[2], "", heads[3]], ["", "", sub1, sub2, ""]]
        return Layout(variant, "2SUPP", t, cols, cells, rows, None, False)
    if variant in ("2SUPP4", "2SUPPfund"):
        fund = variant == "2SUPPfund"
        if fund:
            heads = ["Stand begroting (1)", "Stand suppletoire begroting VJN (2)", "Mutaties suppletoire begroting NJN (3)", "Stand suppletoire begroting NJN (4)=(2+3)"]
        else:
            heads = ["Vastgestelde begroting (1)", "Stand 1e suppletoire begroting (2)", "Mutaties 2e suppletoire begroting (3)", "Stand 2e suppletoire begroting (4)=(2+3)"]
        cols = [
            ColumnSpec(heads[0], "vastgestelde_begroting", t, LEVEL),
            ColumnSpec(heads[1], "stand", t, LEVEL),
            ColumnSpec(heads[2], "mutatie", t, CHANGE),
            ColumnSpec(heads[3], "stand", t, DERIVED, ((1, 1), (2, 1))),
        ]
        return Layout(variant, "2SUPP", t, cols, heads, [heads], None, False, fund)
    if variant == "PSUPP3":
        heads = [
            rng.choice(("Vastgestelde begroting(incl. suppletoire begrotingen, NvW) (1)", "Vastgestelde begroting (1)")),
            "Mutaties suppletoire begroting Prinsjesdag (2)",
            rng.choice(("Stand suppletoire begroting Prinsjesdag (3) = (1) + (2)", "Stand suppletoire begroting Prinsjesdag (3)=(1+2)")),
        ]
        cols = [
            ColumnSpec(heads[0], "vastgestelde_begroting", t, LEVEL),
            ColumnSpec(heads[1], "mutatie", t, CHANGE),
            ColumnSpec(heads[2], "stand", t, DERIVED, ((0, 1), (1, 1))),
        ]
        return Layout(variant, "PSUPP", t, cols, heads, [heads], rng.choice(("Omschrijving", None)), True)
    if variant in ("JV7", "JV7flat"):
        cols = [ColumnSpec(f"Realisatie {y}", "realisatie", y, LEVEL) for y in range(t - 4, t + 1)]
        cols.append(ColumnSpec(f"Vastgestelde begroting {t}", "vastgestelde_begroting", t, LEVEL))
        cols.append(ColumnSpec(f"Verschil {t}", "verschil", t, DERIVED, ((4, 1), (5, -1))))
        if variant == "JV7flat":
            cells = [c.heading for c in cols]
            return Layout(variant, "JV", t, cols, cells, [cells], rng.choice((None, "Art.")), True)
        years = [str(c.fiscal_year) for c in cols]
        cells = ["Realisatie", "Vastgestelde begroting", "Verschil", *years]
        corner = rng.choice((None, "Art.", "Provinciefonds", "Gemeentefonds", "Omschrijving"))
        rows = [["Realisatie", "Vastgestelde begroting", "Verschil"], ["", *years]]
        return Layout(variant, "JV", t, cols, cells, rows, corner, True)
    raise ValueError(f"unknown layout {variant!r}; expected one of {LAYOUTS}")


def _formula_row_layout(rng: random.Random, t: int) -> Layout:
    """1SUPP with the headings first and a row of formulas after all of them: "(1)", "(2)",
    "(3)=(1+2)", "(4)", "(5)=(3+4)"; "(k)" belongs to the k-th heading."""
    plain = random_layout(rng, "1SUPP9plain", t)
    formulas = ["(1)", "(2)", rng.choice(("(3)=(1+2)", "(3) = (1+2)")), "(4)", rng.choice(("(5)=(3+4)", "(5) = (3+4)"))]
    cells = plain.header_cells + formulas
    cols = [ColumnSpec(f"{c.heading} {f}", c.kind, c.fiscal_year, c.role, c.formula) for c, f in zip(plain.columns, formulas)]
    cols += plain.columns[len(formulas) :]
    return Layout("1SUPP9formularow", "1SUPP", t, cols, cells, [[c.heading for c in cols]], plain.corner, False)


def _two_line_layout(rng: random.Random, t: int) -> Layout:
    """JV with every heading over two lines: the first lines ("Realisatie" five times,
    "Vastgestelde", "Verschil"), then the second lines aligned from the left, one fewer
    ("2007" .. "2011", "begroting"): begroting and verschil are for the last year printed."""
    flat = random_layout(rng, "JV7flat", t)
    years = [str(y) for y in range(t - 4, t + 1)]
    cells = ["Realisatie"] * 5 + ["Vastgestelde", "Verschil"] + years + ["begroting"]
    return Layout("JV7twoline", "JV", t, flat.columns, cells, [[c.heading for c in flat.columns]], flat.corner, flat.corner_first)


_HEADING_LAYOUTS = {"1SUPP9formularow": _formula_row_layout, "JV7twoline": _two_line_layout}


# ----------------------------------------------------------------------------------------------
# Budget trees

INSTRUMENTS = (
    ("Subsidies (regelingen)", "Subsidies", "Subsidie", "Subsidies (regelingen)"),
    ("Leningen",),
    ("Garanties",),
    ("Bekostiging",),
    ("Inkomensoverdrachten",),
    ("Opdrachten", "Opdracht"),
    ("Bijdrage aan agentschappen", "Bijdragen aan agentschappen"),
    ("Bijdrage aan ZBO's/RWT's", "Bijdragen aan ZBO's/RWT's", "Bijdrage aan ZBO\u2019s/RWT\u2019s", "Bijdrage aan zbo's en rwt's"),
    ("Bijdrage aan medeoverheden", "Bijdragen aan medeoverheden"),
    ("Bijdrage aan (inter-)nationale organisaties", "Bijdrage aan internationale organisaties", "Bijdragen aan (inter)nationale organisaties"),
    ("Bijdrage aan (andere) begrotingshoofdstukken", "Bijdrage aan andere begrotingshoofdstukken", "Bijdragen aan begrotingshoofdstukken"),
    ("Bijdrage aan sociale fondsen",),
)
"""The financial instruments of the Rijksbegrotingsvoorschriften, in the spellings seen."""

_TOPICS = (
    "bedrijfsvoeringsbeleid", "werkgeversbeleid", "integriteit", "informatiehuishouding", "arbeidsmarktcommunicatie",
    "kennisontwikkeling", "digitale toegankelijkheid", "inkoop", "huisvesting", "cybersecurity", "open overheid",
    "pensioenen", "leiderschap", "diversiteit en inclusie", "veilig werken", "vakmanschap", "dienstverlening",
    "natuurherstel", "stikstofreductie", "waterkwaliteit", "verkeersveiligheid", "jeugdzorg", "schuldhulpverlening",
    "inburgering", "energiebesparing", "woningbouw", "cultureel erfgoed", "sportaccommodaties", "ontwikkelingshulp",
    "handhaving", "toezicht", "rechtsbijstand", "slachtofferhulp", "preventie", "innovatie", "onderzoek",
)
_PREFIXES = (
    "Programma", "Regeling", "Impuls", "Stimulering", "Bijdrage", "POK -", "POK-", "Subsidie", "Fonds", "Project",
    "Ondersteuning", "Versterking", "Compensatie", "Pilot", "Uitvoering", "Kosten",
)
_FIXED_REGELINGEN = (
    "Diverse subsidies", "Overlegstelsel", "Bedrijfsvoeringsbeleid", "POK - Leiderschap, diversiteit en inclusie",
    "Ondersteuning koepels implementatie Woo", "Kwaliteit management rijksdienst", "Compensatie Waterschappen Woo (structureel)",
    "Werkgeversbeleid", "I-Functie Rijk", "KOOP", "Logius", "O&P Rijk (arbeidsmarkt communicatie)",
    "Stichting Administratie Indonesische Pensioenen", "Kosten Financi\u00eble-verhoudingswet", "Budget A+O-fonds",
    "Bijdrage aan VNG", "Bijdrage aan KING", "Integratie-uitkeringen", "Decentralisatie-uitkeringen", "Diverse bijdragen",
    "Doorontwikkeling Rijksbrede ICT-voorziening", "Kosten Waarderingskamer", "Algemene uitkering",
    "Steunmaatregelen COVID-19", "Verbreding A27", "I-strategie Rijk 2021-2025", "Rijksweg N33",
)
_SUB_ARTICLES = (
    "Werkgevers- en bedrijfsvoeringsbeleid", "Pensioenen en uitkeringen", "Loonbijstelling", "Prijsbijstelling", "Onvoorzien",
    "Wisselkoersreserve", "Institutionele inrichting", "Kiesraad", "Digitale overheid", "Arbeidsmarktbeleid", "Rijksvastgoed",
    "Kennis en innovatie", "Natuur en biodiversiteit", "Openbare orde", "Internationale samenwerking", "Cultuurparticipatie",
    "Nog onverdeeld", "Woningmarkt", "Energietransitie", "Verkeersveiligheid", "Inkomensondersteuning", "Apparaat kerndepartement",
)
_ARTICLE_NAMES = (
    "Werkgevers- en bedrijfsvoeringsbeleid", "Nominaal en onvoorzien", "Kiesraad", "Arbeidsmarkt", "Natuur en biodiversiteit",
    "Openbare orde en veiligheid", "Woningmarkt", "Internationale samenwerking", "Cultuur", "Wegen en verkeersveiligheid",
    "Inkomensbeleid", "Energietransitie", "Wetgeving en controle", "Staatsdeelnemingen", "Digitale overheid",
)
_ONTVANGSTEN = ("Terugontvangsten", "Ontvangsten ex art. 4 Fvw", "Boeteopbrengsten", "Leges", "Dividend", "Overige ontvangsten", "Terugbetalingen leningen", "Apparaatsontvangsten")
_WAARVAN = ("waarvan: Programma", "waarvan: Apparaat", "waarvan bijdrage aan agentschappen", "Waarvan loonbijstelling", "waarvan: juridisch verplicht", "- waarvan incidenteel")
_APPARAAT = (
    ("Personele uitgaven", ("Eigen personeel", "Inhuur externen", "Overig personeel")),
    ("Materi\u00eble uitgaven", ("ICT", "Bijdrage aan SSO's", "Overig materieel", "Huisvesting")),
)


@dataclass(eq=False)
class Node:
    """One printed row of a budget table and its place in the tree."""

    label: str
    level: str  # article | sub_article | instrument | regeling | breakdown
    code: str | None = None
    children: list["Node"] = field(default_factory=list)
    breakdowns: list["Node"] = field(default_factory=list)  # 'waarvan' rows printed right after this row
    printed: bool = True  # False: a group row printed without values
    zero: bool = False  # an all-zero row
    values: list[int] = field(default_factory=list)  # the row's numbers (a group row: the sum of its children)
    cells: list[Cell] = field(default_factory=list)  # what the parser must report per column
    parent: "Node | None" = None
    measure: str = ""
    split: bool = False  # a waarvan row of a complete split: a child of a group row, additive
    name_prefix: bool = False  # "Rijksbijdrage:": a prefix of the names after it, no row of the tree

    @property
    def is_waarvan(self) -> bool:
        return self.level == "breakdown"

    def effective(self) -> list[int]:
        """What this row adds to its parent's sum."""
        if self.printed:
            return [c.sum_value for c in self.cells]
        total = [0] * len(self.values)
        for child in self.children:
            for i, v in enumerate(child.effective()):
                total[i] += v
        return total

    def walk(self) -> Iterator["Node"]:
        """This row, its breakdowns, then its children: printed order."""
        yield self
        yield from self.breakdowns
        for child in self.children:
            yield from child.walk()


@dataclass
class Tree:
    kind: str  # "budget" or "apparaat"
    article: str
    article_name: str
    roots: list[Node]

    def rows(self) -> list[Node]:
        return [node for root in self.roots for node in root.walk()]


def _distinct_names(rng: random.Random, n: int, pool: tuple[str, ...], used: set[str]) -> list[str]:
    names = []
    while len(names) < n:
        if rng.random() < 0.45:
            name = rng.choice(pool)
        else:
            name = f"{rng.choice(_PREFIXES)} {rng.choice(_TOPICS)}"
        if name.lower() in used:
            continue
        used.add(name.lower())
        names.append(name)
    return names


def random_tree(
    rng: random.Random, layout: Layout, *, kind: str | None = None, size: str = "small", structure: str | None = None
) -> Tree:
    """A random budget tree with values that add up and obey `layout`'s column identities.

    kind: "budget" (artikelonderdelen, instruments, regelingen, waarvan rows) or "apparaat".
    size: "small" (a handful to ~30 rows, for property tests) or "large" (~40-80 rows).
    structure: one of `STRUCTURES` added to a budget tree ("plain": none; None: drawn at random).
    """
    kind = kind or ("apparaat" if rng.random() < 0.12 else "budget")
    article = str(rng.randint(1, 40))
    article_name = rng.choice(_ARTICLE_NAMES)
    big = size == "large"
    roots: list[Node] = []
    measure_labels = {m: _measure_label(rng, m) for m in ("Verplichtingen", "Uitgaven", "Ontvangsten")}
    if rng.random() < 0.95:
        roots.append(Node(measure_labels["Verplichtingen"], "article", measure="verplichtingen"))
    uitgaven = Node(measure_labels["Uitgaven"], "article", measure="uitgaven")
    roots.append(uitgaven)
    if kind == "apparaat":
        _apparaat_children(rng, uitgaven)
    else:
        _budget_children(rng, uitgaven, article, layout, big)
    if rng.random() < 0.8:
        ontvangsten = Node(measure_labels["Ontvangsten"], "article", measure="ontvangsten")
        roots.append(ontvangsten)
        if rng.random() < 0.4:
            _ontvangsten_children(rng, ontvangsten, article, kind, uitgaven)
    if structure is None:
        structure = rng.choices(STRUCTURES, (12, 1, 1, 1, 1, 1, 1))[0]
    if kind == "budget" and structure != "plain":
        _STRUCTURE_MAKERS[structure](rng, roots)
    for root in roots:
        _link(root, None, root.measure)
    tree = Tree(kind, article, article_name, roots)
    _mark_zero_rows(rng, tree)
    _add_breakdowns(rng, tree, big)
    _assign_values(rng, tree, layout)
    return tree


# ----------------------------------------------------------------------------------------------
# Structures real pages add to a budget tree (issue 9), one function each

STRUCTURES = ("plain", "complete_split", "name_prefix", "total_heading", "numbered_onderdelen", "group_levels", "verplichtingen_split")


def _uitgaven_of(roots: list[Node]) -> Node:
    return next(r for r in roots if r.measure == "uitgaven")


def _complete_split(rng: random.Random, roots: list[Node]) -> None:
    """A row without values whose only children are waarvan rows that add up to it ("Nog te
    verdelen" > "waarvan apparaat" + "waarvan programma"): its parent's sum counts them."""
    group = Node(rng.choice(("Nog te verdelen", "Nog onverdeeld", "Loonbijstelling")), "sub_article", printed=False)
    labels = rng.choice((("waarvan apparaat", "waarvan programma"), ("waarvan: Programma", "waarvan: Apparaat", "waarvan overig")))
    group.children = [Node(label, "breakdown", split=True) for label in labels]
    uitgaven = _uitgaven_of(roots)
    if any(c.level == "instrument" for c in uitgaven.children):
        uitgaven.children = []  # (instruments are never siblings of an artikelonderdeel)
    if uitgaven.children and uitgaven.children[-1].children:
        # As for an unnumbered artikelonderdeel (see _budget_children): the sibling before it
        # prints values, or the group could hang below its last child as well.
        previous = uitgaven.children[-1]
        previous.printed = True
        if previous.children[-1].children:
            previous.children[-1].printed = True
    uitgaven.children.append(group)


def _name_prefix(rng: random.Random, roots: list[Node]) -> None:
    """An instrument whose regelingen continue a prefix row: "Rijksbijdrage:", then
    "in kosten heffingskortingen AOW", ...; the prefix row is no line of its own."""
    instrument = Node(rng.choice(("Bijdrage aan sociale fondsen", "Bijdrage aan agentschappen")), "instrument")
    prefix = Node(rng.choice(("Rijksbijdrage:", "Bijdrage aan:", "Uitkering:")), "regeling", printed=False, zero=True, name_prefix=True)
    names = rng.sample(("in kosten heffingskortingen AOW", "vermogenstekort Ouderdomsfonds", "tegemoetkoming arbeidsongeschikten", "zwangere zelfstandigen"), rng.randint(2, 4))
    instrument.children = [prefix, *(Node(name, "regeling") for name in names)]
    _uitgaven_of(roots).children = [instrument]


def _total_heading(rng: random.Random, roots: list[Node]) -> None:
    """A total's name repeated without values right under it ("Ontvangsten" 345.809, then
    "Ontvangsten", then "Terugontvangsten"): a heading of the rows below it."""
    ontvangsten = next((r for r in roots if r.measure == "ontvangsten"), None)
    if ontvangsten is None:
        ontvangsten = Node("Ontvangsten", "article", measure="ontvangsten")
        roots.append(ontvangsten)
    heading = Node(display(ontvangsten.label), "sub_article", printed=False)
    names = _distinct_names(rng, rng.randint(1, 3), _ONTVANGSTEN, set())
    heading.children = [Node(name, "regeling") for name in names]
    ontvangsten.children = [heading]


def _numbered_onderdelen(rng: random.Random, roots: list[Node]) -> None:
    """Artikelonderdelen numbered like regelingen ("1. reguliere klachten"), each above its
    instruments."""
    uitgaven = _uitgaven_of(roots)
    used_instruments: set[str] = set()
    used_names: set[str] = set()
    uitgaven.children = []
    for k, name in enumerate(rng.sample(("reguliere klachten", "klachten van lagere overheden", "onderzoeken uit eigen beweging"), rng.randint(1, 3)), start=1):
        sub = Node(name, "sub_article", f"{k}.")
        sub.children = [_instrument(rng, "1", used_instruments, used_names, False) for _ in range(rng.randint(1, 2))]
        # Its last instrument prints values: the next number could be a regeling under it otherwise.
        sub.children[-1].printed = True
        uitgaven.children.append(sub)


def _group_levels(rng: random.Random, roots: list[Node]) -> None:
    """Group headings without values at more than one level: "Institutionele inrichting" above
    "Apparaat", then "Materiële uitgaven" above "Decoraties" and "Riddertoelagen"."""
    sub = Node("Institutionele inrichting", "sub_article", printed=False)
    group = Node("Materiële uitgaven", "regeling", printed=False)
    group.children = [Node(name, "detail") for name in ("Decoraties", "Riddertoelagen")]
    sub.children = [Node("Apparaat", "regeling"), group]
    _uitgaven_of(roots).children = [sub]


def _verplichtingen_split(rng: random.Random, roots: list[Node]) -> None:
    """"waarvan garantieverplichtingen" and "waarvan overige verplichtingen" under Verplichtingen:
    breakdowns of the total, never added into its sum."""
    verplichtingen = next((r for r in roots if r.measure == "verplichtingen"), None)
    if verplichtingen is not None:
        labels = rng.choice((("Waarvan garantieverplichtingen", "Waarvan overige verplichtingen"), ("waarvan garantieverplichtingen", "waarvan overig")))
        verplichtingen.breakdowns = [Node(label, "breakdown", parent=verplichtingen, measure="verplichtingen") for label in labels]


_STRUCTURE_MAKERS = {
    "complete_split": _complete_split,
    "name_prefix": _name_prefix,
    "total_heading": _total_heading,
    "numbered_onderdelen": _numbered_onderdelen,
    "group_levels": _group_levels,
    "verplichtingen_split": _verplichtingen_split,
}


def _measure_label(rng: random.Random, measure: str) -> str:
    return measure + (":" if rng.random() < 0.35 else "")


def _link(node: Node, parent: Node | None, measure: str) -> None:
    node.parent = parent
    node.measure = measure
    for child in node.children:
        _link(child, node, measure)


def _instrument_label(rng: random.Random, used: set[str]) -> str:
    while True:
        spellings = rng.choice(INSTRUMENTS)
        if spellings[0] not in used:
            used.add(spellings[0])
            return rng.choice(spellings)


def _regelingen(rng: random.Random, n: int, article: str, used: set[str]) -> list[Node]:
    style = rng.choices(("none", "restart", "dotted"), (6, 3, 1))[0]
    names = _distinct_names(rng, n, _FIXED_REGELINGEN, used)
    numbers = list(range(1, n + 1))
    if style == "dotted":
        numbers = rng.sample(range(1, 12), n)
    nodes = []
    for k, name in zip(numbers, names):
        code = None if style == "none" else f"{k}." if style == "restart" else f"{article}.{k}."
        nodes.append(Node(name, "regeling", code))
    return nodes


def _instrument(rng: random.Random, article: str, used_instruments: set[str], used_names: set[str], big: bool) -> Node:
    node = Node(_instrument_label(rng, used_instruments), "instrument")
    shape = rng.choices(("leaf", "valued", "group"), (3, 5, 2))[0]
    if shape != "leaf":
        node.children = _regelingen(rng, rng.randint(1, 10 if big else 5), article, used_names)
        node.printed = shape == "valued"
    return node


def _budget_children(rng: random.Random, uitgaven: Node, article: str, layout: Layout, big: bool) -> None:
    styles = ["sub_articles", "instruments", "leaves"]
    weights = [6, 2, 2]
    if layout.year < 2013:
        styles.append("pre2013")
        weights.append(2)
    style = rng.choices(styles, weights)[0]
    used_names: set[str] = set()
    if style == "sub_articles":
        n = rng.randint(1, 4 if big else 3)
        numbered = rng.random() < 0.8
        codes = iter(sorted(rng.sample(range(1, 15), n)) if rng.random() < 0.3 else range(1, n + 1))
        for name in _distinct_names(rng, n, _SUB_ARTICLES, used_names):
            coded = numbered and rng.random() < 0.9 or (not numbered and rng.random() < 0.2)
            sub = Node(name, "sub_article", f"{article}.{next(codes)}" if coded else None)
            if rng.random() < 0.8:
                used_instruments: set[str] = set()
                for _ in range(rng.randint(1, 7 if big else 3)):
                    sub.children.append(_instrument(rng, article, used_instruments, used_names, big))
                sub.printed = rng.random() < 0.9
            uitgaven.children.append(sub)
    elif style == "instruments":
        used_instruments = set()
        for _ in range(rng.randint(1, 6 if big else 4)):
            uitgaven.children.append(_instrument(rng, article, used_instruments, used_names, big))
    elif style == "leaves":
        n = rng.randint(1, 6 if big else 4)
        coded = rng.random() < 0.6
        for k, name in enumerate(_distinct_names(rng, n, _SUB_ARTICLES, used_names), start=1):
            uitgaven.children.append(Node(name, "sub_article", f"{article}.{k}" if coded else None))
    else:
        # Pages before 2013 group their artikelonderdelen under Programma- and Apparaatsuitgaven.
        for label in ("Programma-uitgaven", "Apparaatsuitgaven"):
            group = Node(label, "sub_article")
            n = rng.randint(1, 5 if big else 3)
            group.children = [Node(name, "sub_article") for name in _distinct_names(rng, n, _SUB_ARTICLES, used_names)]
            uitgaven.children.append(group)
    # An unnumbered artikelonderdeel after a sibling with children: the sibling (and its last
    # child) must print values, or the row could just as well continue the list of the last
    # regeling above it, its instruments moving up to the sibling, with every sum the same.
    previous: Node | None = None
    for child in uitgaven.children:
        if previous is not None and previous.children and child.level == "sub_article" and child.code is None:
            previous.printed = True
            last = previous.children[-1]
            if last.children:
                last.printed = True
        previous = child


def _apparaat_children(rng: random.Random, uitgaven: Node) -> None:
    for label, items in _APPARAAT:
        node = Node(label, "instrument")
        if rng.random() < 0.85:
            chosen = [i for i in items if rng.random() < 0.75] or [items[0]]
            node.children = [Node(i, "regeling") for i in chosen]
        uitgaven.children.append(node)


def _ontvangsten_children(rng: random.Random, ontvangsten: Node, article: str, kind: str, uitgaven: Node) -> None:
    if kind == "apparaat":
        ontvangsten.children = [Node("Apparaatsontvangsten", "regeling")]
        return
    n = rng.randint(1, 3)
    style = rng.choice(("labels", "codes", "restart"))
    names = _distinct_names(rng, n, _ONTVANGSTEN, set())
    for k, name in enumerate(names, start=1):
        if style == "codes":
            ontvangsten.children.append(Node(name, "sub_article", f"{article}.{k}"))
        elif style == "restart":
            ontvangsten.children.append(Node(name, "regeling", f"{k}."))
        else:
            ontvangsten.children.append(Node(name, "sub_article"))


def _additive_rows(tree: Tree) -> Iterator[tuple[Node, Node]]:
    """(row, previous row) within each measure, in printed order, waarvan rows left out."""
    for root in tree.roots:
        previous = root
        for node in root.walk():
            if node is root or node.is_waarvan:
                continue
            yield node, previous
            previous = node


def _known_rank(node: Node) -> bool:
    # (a number "1." right under a total is a regeling or a numbered artikelonderdeel: no rank)
    numbered_onderdeel = node.level == "sub_article" and node.code is not None and node.code.endswith(".")
    return node.code is not None and not numbered_onderdeel or node.level == "instrument" or node.label in ("Eigen personeel", "Inhuur externen")


def _mark_zero_rows(rng: random.Random, tree: Tree) -> None:
    """All-zero leaf rows, only where no other reading adds up as well (see the module docstring)."""
    rate = rng.choice((0.0, 0.05, 0.15))
    for node, previous in _additive_rows(tree):
        if node.children or rng.random() >= rate or node.split or node.name_prefix or previous.name_prefix:
            continue
        if _known_rank(node):
            node.zero = True
        elif previous is node.parent and (previous.level == "instrument" or previous.parent is None or not previous.printed):
            node.zero = True
        elif previous.parent is node.parent and not previous.children and not previous.zero:
            node.zero = True
    # A row without a code whose whole subtree is zero could hang anywhere as well: keep one
    # of its leaves non-zero.
    for root in tree.roots:
        for node in root.walk():
            if node is root or not node.children or _known_rank(node):
                continue
            leaves = [n for n in node.walk() if not n.children and (n.split or not n.is_waarvan) and not n.name_prefix]
            if all(leaf.zero for leaf in leaves):
                leaves[0].zero = False
    for root in tree.roots:
        if not root.children and rng.random() < 0.1:
            root.zero = True


def _add_breakdowns(rng: random.Random, tree: Tree, big: bool) -> None:
    rate = rng.choice((0.0, 0.0, 0.1, 0.25))
    for node in tree.rows():
        if node.is_waarvan or not node.printed or rng.random() >= rate:
            continue
        if node.parent is None and node.measure != "uitgaven":
            continue
        labels = rng.sample(_WAARVAN, rng.randint(1, 2))
        node.breakdowns = [Node(label, "breakdown", parent=node, measure=node.measure) for label in labels]


# ----------------------------------------------------------------------------------------------
# Values


def _leaf_values(rng: random.Random, layout: Layout, zero_columns: set[int], scale: float, negative: bool) -> list[int]:
    values = [0] * layout.n
    for i, col in enumerate(layout.columns):
        if col.derived or i in zero_columns:
            continue
        if col.role == LEVEL:
            v = round(scale * rng.uniform(0.5, 1.5))
            values[i] = -v if negative else v
        else:
            values[i] = 0 if rng.random() < 0.35 else round(scale * rng.uniform(-0.4, 0.4))
    # Every non-zero row has a clearly non-zero cell: it can never vanish into a sum's tolerance.
    level_columns = [i for i, c in enumerate(layout.columns) if c.role == LEVEL and i not in zero_columns]
    if level_columns and all(abs(values[i]) < 100 for i in level_columns):
        values[level_columns[0]] = 100 + round(scale)
    _derive(values, layout)
    return values


def _derive(values: list[int], layout: Layout) -> None:
    for i, col in enumerate(layout.columns):
        if col.formula:
            values[i] = sum(sign * values[j] for j, sign in col.formula)


def _assign_values(rng: random.Random, tree: Tree, layout: Layout) -> None:
    zero_columns: set[int] = set()
    na_column = False
    if layout.phase in ("OWB", "JV") and rng.random() < 0.12:
        zero_columns.add(0)  # details print '...' where the totals print 0 (OWB IX 2016)
        na_column = True
    noise = rng.choice((0.0, 0.0, 0.1, 0.25))
    empties = rng.choice((0.0, 0.05, 0.15, 0.3))
    for root in tree.roots:
        if root.measure == "verplichtingen":
            continue
        _values_bottom_up(rng, root, layout, zero_columns, noise)
    uitgaven = next(r for r in tree.roots if r.measure == "uitgaven")
    for root in tree.roots:
        if root.measure == "verplichtingen":
            if root.zero:
                root.values = [0] * layout.n
            else:
                values = [0] * layout.n
                for i, col in enumerate(layout.columns):
                    if not col.derived:
                        values[i] = round(uitgaven.values[i] * rng.uniform(0.8, 1.25)) if rng.random() < 0.7 else uitgaven.values[i]
                _derive(values, layout)
                root.values = values
    for node in tree.rows():
        if node.is_waarvan and not node.split:
            continue
        node.cells = _cells_of(rng, node, layout, empties, na_column)
        for share, breakdown in zip(_shares(rng, len(node.breakdowns)), node.breakdowns):
            values = [0] * layout.n
            for i, col in enumerate(layout.columns):
                if not col.derived:
                    values[i] = round(node.values[i] * share)
            _derive(values, layout)
            breakdown.values = values
            breakdown.cells = _cells_of(rng, breakdown, layout, empties * 0.5, False)


def _shares(rng: random.Random, n: int) -> list[float]:
    if n == 0:
        return []
    if n == 1:
        return [rng.uniform(0.1, 0.9)]
    first = rng.uniform(0.1, 0.9)
    return [first, 1 - first]


def _values_bottom_up(rng: random.Random, node: Node, layout: Layout, zero_columns: set[int], noise: float) -> None:
    for child in node.children:
        _values_bottom_up(rng, child, layout, zero_columns, noise)
    if not node.children:
        if node.zero:
            node.values = [0] * layout.n
        else:
            scale = 10 ** rng.uniform(2.3, 6.3 if node.parent is None else 5.5)
            node.values = _leaf_values(rng, layout, zero_columns if node.parent is not None else set(), scale, rng.random() < 0.03)
        return
    total = [0] * layout.n
    for child in node.children:
        for i, v in enumerate(child.values):
            total[i] += v
    # A parent prints the sum of what its children print; rounding now and then puts it 1 off.
    if node.printed and len(node.children) >= 2 and rng.random() < noise:
        free = [i for i, c in enumerate(layout.columns) if not c.derived and i not in zero_columns]
        if free:
            total[rng.choice(free)] += rng.choice((-1, 1))
            _derive(total, layout)
    node.values = total


def _cells_of(rng: random.Random, node: Node, layout: Layout, empties: float, na_column: bool) -> list[Cell]:
    if not node.printed:
        return [Cell(BLANK, None) for _ in range(layout.n)]
    cells = []
    root = node.parent is None
    leaf = not node.children
    for i, v in enumerate(node.values):
        if v != 0:
            cells.append(Cell(NUMBER, v))
            continue
        if na_column and i == 0 and not root and not node.is_waarvan:
            cells.append(Cell(NOT_AVAILABLE, None))
            continue
        if rng.random() >= empties:
            cells.append(Cell(NUMBER, 0))
            continue
        options = [NIHIL, NOT_AVAILABLE] + ([BLANK, BLANK] if not root else []) + ([PM] if leaf and not root else [])
        status = rng.choice(options)
        cells.append(Cell(status, 0 if status == NIHIL else None))
    if all(c.status == BLANK for c in cells):
        cells[0] = Cell(NUMBER, 0)  # a row of blank cells would read as a group row
    return cells


# ----------------------------------------------------------------------------------------------
# Expected results


@dataclass(slots=True)
class ExpectedRow:
    code: str | None
    label: str  # as the parser reports it (spacing folded, trailing colon dropped)
    level: str
    parent: int | None  # index of the parent row in the table's rows
    is_additive: bool
    cells: list[Cell]


@dataclass
class ExpectedTable:
    kind: str  # budget / apparaat / flexibility
    status: str  # loaded / rejected
    reason: str | None = None  # a word the rejection reason must contain
    ambiguous: bool = False  # readable in two ways: a rejection is a correct answer
    columns: list[tuple[str, int | None]] = field(default_factory=list)  # (column_kind, fiscal_year)
    rows: list[ExpectedRow] = field(default_factory=list)
    flexibility: list[tuple[int, str, float]] = field(default_factory=list)  # (year, category, share)


@dataclass
class RowRender:
    """Where a row's cells ended up in the text, for the mutation tests."""

    node: Node
    pattern: list[int | None]  # printed order of the row's value tokens: column, or None for a gap
    value_at: dict[int, tuple[int, int | None]] = field(default_factory=dict)  # column -> (line, pipe cell)
    parts: list[str] | None = None  # pipe shape: the cells of the row's line
    label_line: int = 0  # the line of the row's label cell (pipe: of the whole row)


@dataclass
class TableRender:
    expected: ExpectedTable
    shape: str
    layout: Layout | None = None
    tree: Tree | None = None
    style: NumberStyle | None = None
    first_line: int = 0
    last_line: int = 0  # exclusive
    rows: list[RowRender] = field(default_factory=list)


@dataclass
class GeneratedPage:
    file_name: str
    manifest: ManifestRow
    lines: list[str]
    tables: list[TableRender]
    newline: str = "\n"

    @property
    def text(self) -> str:
        return self.newline.join(self.lines)

    @property
    def expected(self) -> list[ExpectedTable]:
        return [t.expected for t in self.tables]


def display(label: str) -> str:
    return re.sub(r"\s+", " ", label.replace("\u00a0", " ")).strip().rstrip(":").strip()


def expected_rows(tree: Tree) -> list[ExpectedRow]:
    rows = [node for node in tree.rows() if not node.name_prefix]
    index = {id(node): i for i, node in enumerate(rows)}
    result = []
    for node in rows:
        parent = index[id(node.parent)] if node.parent is not None else None
        result.append(ExpectedRow(node.code, display(node.label), node.level, parent, node.split or not node.is_waarvan, list(node.cells)))
    return result


# ----------------------------------------------------------------------------------------------
# Blank placement: can a row's values be read in another place?


def placements(pattern: list[int | None], n: int) -> list[list[int | None]]:
    """Every way to spread a row's printed values over `n` columns that its gaps allow.

    `pattern` is the row's tokens in printed order: an int for a value (its true column, used only
    as an identifier) and None for a gap (a whitespace line or empty pipe cells: one or more empty
    cells, except after the last value, where it may also be the spacer before the next row). A
    row without any gap may have its missing cells anywhere. Returns, per placement, the value
    token (by its identifier) of every column, or None.
    """
    values = [t for t in pattern if t is not None]
    k = len(values)
    if k > n:
        return []
    slot_gap = [False] * (k + 1)
    seen = 0
    for t in pattern:
        if t is None:
            slot_gap[seen] = True
        else:
            seen += 1
    missing = n - k
    open_slots = [i for i, g in enumerate(slot_gap) if g]
    minimum = [1 if s < k else 0 for s in open_slots]
    if not open_slots:
        open_slots, minimum = list(range(k + 1)), [0] * (k + 1)
    if sum(minimum) > missing:
        minimum = [0] * len(open_slots)
    result = []
    extra = missing - sum(minimum)
    for cut in itertools.combinations(range(extra + len(open_slots) - 1), len(open_slots) - 1):
        split, previous = [], -1
        for c in cut:
            split.append(c - previous - 1)
            previous = c
        split.append(extra + len(open_slots) - 1 - previous - 1)
        before = [0] * (k + 1)
        for slot, count, low in zip(open_slots, split, minimum):
            before[slot] = count + low
        row: list[int | None] = []
        for i, v in enumerate(values):
            row.extend([None] * before[i])
            row.append(v)
        row.extend([None] * before[k])
        result.append(row)
    return result


def identities_hold(cells: list[Cell], layout: Layout) -> bool:
    for target, terms in layout.identities():
        if cells[target].amount is None or any(cells[j].amount is None for j, _ in terms):
            continue
        diff = cells[target].amount - sum(sign * cells[j].amount for j, sign in terms)  # type: ignore[operator]
        if abs(diff) > tolerance(len(terms)):
            return False
    return True


def sums_hold(node: Node, replacement: dict[int, list[int]]) -> bool:
    """Do the sum checks that involve `node` hold when the rows in `replacement` (by id) add up
    to other values? Checks the node's own children and the chain of its ancestors up to the
    first that prints values."""

    def eff(n: Node) -> list[int]:
        if id(n) in replacement:
            return replacement[id(n)]
        if n.printed:
            return [c.sum_value for c in n.cells]
        return _sum([eff(c) for c in n.children], len(n.cells))

    def check(parent: Node) -> bool:
        printed = eff(parent)
        total = _sum([eff(c) for c in parent.children], len(printed))
        tol = tolerance(len(parent.children))
        return all(abs(a - b) <= tol for a, b in zip(printed, total))

    if node.printed and node.children and not check(node):
        return False
    current = node
    while current.parent is not None:
        parent = current.parent
        if parent.printed:
            return check(parent)
        current = parent
    return True


def _sum(vectors: list[list[int]], n: int) -> list[int]:
    total = [0] * n
    for vector in vectors:
        for i, v in enumerate(vector):
            total[i] += v
    return total


def row_is_ambiguous(row: RowRender, layout: Layout) -> bool:
    """Could the row's printed values sit elsewhere with every check that sees them still holding?"""
    node = row.node
    truth = [c for c in node.cells]
    for option in placements(row.pattern, layout.n):
        cells = [truth[t] if t is not None else Cell(BLANK, None) for t in option]
        if [(c.status, c.amount) for c in cells] == [(c.status, c.amount) for c in truth]:
            continue
        if not identities_hold(cells, layout):
            continue
        if node.is_waarvan or node.parent is None and not node.children:
            return True  # nothing else sees this row
        if sums_hold(node, {id(node): [c.sum_value for c in cells]}):
            return True
    return False


# ----------------------------------------------------------------------------------------------
# Rendering


def _gap(rng: random.Random) -> str:
    return rng.choice((" ", "\u00a0", "   ", "\u00a0 \u00a0 \u00a0", "      ", "\u00a0 \u00a0 \u00a0 \u00a0 \u00a0 \u00a0 \u00a0 \u00a0 \u00a0 "))


def _caption(rng: random.Random, tree: Tree, number: int, kind: str) -> list[str]:
    unit = rng.choice(("(bedragen x \u20ac 1.000)", "(bedragen x \u20ac\u00a01.000)", "(x \u20ac 1.000)", "(Bedragen x \u20ac 1.000)"))
    name = tree.article_name
    if kind == "apparaat":
        return [f"Tabel {number} Apparaatsuitgaven {unit}"]
    style = rng.randint(0, 4)
    if style == 0:
        return [f"Tabel {number} Budgettaire gevolgen van beleid art. {tree.article}\u00a0{name} {unit}"]
    if style == 1:
        return [f"Tabel B{number}: Budgettaire gevolgen van beleid {unit}"]
    if style == 2:
        return [f"Tabel {tree.article}.{number} {name}", rng.choice(("(x \u20ac 1 000)", "(x \u20ac 1.000)"))]
    if style == 3:
        return [f"Budgettaire gevolgen van beleid {unit}"]
    return [f"Tabel budgettaire gevolgen van beleid \u2013 Artikel {tree.article} {name} {unit}"]


class _Writer:
    """Accumulates page lines (without line ends)."""

    def __init__(self, rng: random.Random, blank_lines: bool = True) -> None:
        self.rng = rng
        self.lines: list[str] = []
        self.blank_lines = blank_lines

    def cell(self, text: str) -> int:
        self.lines.append(text)
        index = len(self.lines) - 1
        if self.blank_lines:
            self.lines.append("")
        return index

    def spacer(self) -> None:
        """One whitespace line, or two in a row (the seed's '\u00a0 \u00a0 ...' then '\u00a0')."""
        if self.rng.random() < 0.3:
            self.raw(_gap(self.rng))
            self.cell(self.rng.choice(("\u00a0", " ")))
        else:
            self.cell(_gap(self.rng))

    def raw(self, text: str) -> int:
        self.lines.append(text)
        return len(self.lines) - 1


def _row_label_cells(node: Node, joined: bool) -> list[str]:
    if node.code is None:
        return [node.label]
    if joined and node.label[:1].isalpha():
        return [f"{node.code} {node.label}"]
    return [node.code, node.label]


def render_table(
    tree: Tree, layout: Layout, shape: str, rng: random.Random, writer: _Writer, *, number: int = 1, caption: bool = True
) -> TableRender:
    """Write one budget table in `shape` and return what a parse must give for it."""
    style = random_style(rng)
    extras = random_extras(rng) if shape == "cell_per_line" else TableExtras()
    if extras.dash_bullets:
        _dash_bullets(rng, tree)
    expected = ExpectedTable(
        kind=tree.kind,
        status="loaded",
        columns=[(c.kind, c.fiscal_year) for c in layout.columns],
        rows=expected_rows(tree),
    )
    render = TableRender(expected, shape, layout, tree, style, first_line=len(writer.lines))
    captioned = caption or tree.kind == "apparaat" or (shape == "run_together" and rng.random() < 0.7)
    captions = _caption(rng, tree, number, tree.kind) if captioned else []
    if shape == "run_together":
        expected.status, expected.reason = "rejected", "run together"
        expected.rows, expected.columns = [], []
        _render_run_together(tree, layout, style, rng, writer, captions)
    elif shape == "pipe":
        _render_pipe(tree, layout, style, rng, writer, captions, render)
    else:
        if shape == "millions":
            expected.status, expected.reason = "rejected", "decimal comma"
            expected.rows, expected.columns = [], []
        _render_cells(tree, layout, style, rng, writer, captions, render, millions=shape == "millions", extras=extras)
    render.last_line = len(writer.lines)
    if expected.status == "loaded":
        expected.ambiguous = any(row_is_ambiguous(r, layout) for r in render.rows)
    return render


def _render_cells(
    tree: Tree,
    layout: Layout,
    style: NumberStyle,
    rng: random.Random,
    w: _Writer,
    captions: list[str],
    render: TableRender,
    *,
    millions: bool,
    extras: "TableExtras | None" = None,
) -> None:
    extras = extras or TableExtras()
    for line in captions:
        w.cell(line)
    if captions and rng.random() < 0.8:
        w.cell(_gap(rng))
    if layout.corner and layout.corner_first:
        w.cell(layout.corner)
    cells = _marked_headings(rng, layout.header_cells, extras)
    if layout.variant == "JV7":
        cells = cells[:3] + [_gap(rng)] + cells[3:]
    for text in cells:
        w.cell(text)
    if layout.corner and not layout.corner_first:
        w.cell(layout.corner)
    joined = rng.random() < 0.3
    spacers = rng.random() < 0.8
    markers_used: list[str] = []
    for node in tree.rows():
        label_line = 0
        for text in _row_label_cells(node, joined):
            label_line = w.cell(text)
        row = RowRender(node, [], label_line=label_line)
        if not node.printed:
            if rng.random() < 0.8:
                w.cell(_gap(rng))
            if not node.name_prefix:  # (no row of the tree: nothing a parse reports)
                render.rows.append(row)
            continue
        has_blank = any(c.status == BLANK for c in node.cells)
        previous_blank = False
        for i, cell in enumerate(node.cells):
            if cell.status == BLANK:
                if not previous_blank:
                    w.cell(_gap(rng))
                    row.pattern.append(None)
                previous_blank = True
                continue
            previous_blank = False
            text = _millions(cell, rng) if millions else style.token(cell, rng)
            if extras.value_markers and cell.status == NUMBER and rng.random() < 0.1:
                marker = rng.choice(_VALUE_MARKERS)
                text += marker
                markers_used.append(marker.strip())
            row.value_at[i] = (w.cell(text), None)
            row.pattern.append(i)
        # A spacer after a row with blank cells could stand for them too: usually left out.
        if spacers and (not has_blank or rng.random() < 0.2) and not previous_blank:
            w.spacer()
            row.pattern.append(None)
        render.rows.append(row)
        if extras.percentage_row and node.measure == "uitgaven" and node.level == "article":
            _percentage_row(rng, w, layout.n)
    last = next((r for r in reversed(render.rows) if r.node.printed), None)
    if extras.heading_footnote and last is not None and len(last.value_at) == layout.n:
        # (Under a last row with empty cells the digit could be one of its values: not generated.)
        w.cell("1")
        w.cell(rng.choice(("(incl. ISB, NvW en amendementen)", "Inclusief ISB en NvW", "(stand na amendementen)")))
    for marker in dict.fromkeys(markers_used):  # the footnotes of the markers, under the table
        if rng.random() < 0.7:
            w.cell(f"{marker} {rng.choice(('Inclusief de loonbijstelling', 'Betreft een kasschuif', 'Exclusief ISB'))}")
    if extras.table_after:
        _mutation_table_after(rng, w, style)


@dataclass(slots=True)
class TableExtras:
    """Layout options of one table in one cell per line that change no figure: hyphenated heading
    words, a footnote digit glued to a heading with the footnote under the table, footnote
    markers after amounts, a row of percentages after Uitgaven, dash bullets before regeling
    labels, a mutation table after the budget table (kept as cells)."""

    hyphenated: bool = False
    heading_footnote: bool = False
    value_markers: bool = False
    percentage_row: bool = False
    dash_bullets: bool = False
    table_after: bool = False


def random_extras(rng: random.Random) -> TableExtras:
    return TableExtras(*(rng.random() < 0.12 for _ in range(6)))


_HYPHENATIONS = (("Ontwerpbegroting", "Ontwerpbe-groting"), ("Vastgestelde", "Vastge-stelde"), ("amendementen", "amende-menten"), ("suppletoire", "supple-toire"))
_VALUE_MARKERS = ("*", " *", "\u00b9", " 1)", " a)")


def _marked_headings(rng: random.Random, cells: list[str], extras: TableExtras) -> list[str]:
    """The heading cells with hyphenated words and a footnote digit glued to one text heading."""
    cells = list(cells)
    if extras.hyphenated:
        for i, text in enumerate(cells):
            for word, broken in _HYPHENATIONS:
                if word in text and rng.random() < 0.7:
                    cells[i] = text = text.replace(word, broken, 1)
    if extras.heading_footnote:
        # After a word, a formula number or a year: never a formula row cell or a bare year.
        glued = [i for i, t in enumerate(cells) if re.search(r"(?:[^\W\d_]|\)|(?:19|20)\d\d)$", t) and " " in t]
        if glued:
            i = rng.choice(glued)
            cells[i] += "1"
        else:
            extras.heading_footnote = False
    return cells


def _percentage_row(rng: random.Random, w: _Writer, n: int) -> None:
    """'Waarvan juridisch verplicht' with a percentage in some columns: kept as cells, no line."""
    w.cell(rng.choice(("Waarvan juridisch verplicht", "waarvan juridisch verplicht", "Juridisch verplicht (in %)")))
    for col in range(n):
        if col < 2 or rng.random() < 0.3:
            w.cell(rng.choice(("100%", "100,00%", f"{rng.randint(40, 99)}%", "87,5 %")))
        elif rng.random() < 0.5:
            w.cell(_gap(rng))


def _dash_bullets(rng: random.Random, tree: Tree) -> None:
    """Regeling labels that start with a dash bullet ('– Overige inzet'), as some pages print them."""
    if any(node.label.endswith(":") and node.level != "article" for node in tree.rows()):
        return  # a name prefix ("Rijksbijdrage:") and its lower-case names print no bullets
    bullet = rng.choice(("\u2013 ", "- ", "\u2012 "))
    for node in tree.rows():
        if node.level == "regeling" and node.code is None and not node.is_waarvan:
            node.label = bullet + node.label


def _mutation_table_after(rng: random.Random, w: _Writer, style: NumberStyle) -> None:
    """A table of mutations after the budget table ("Bedragen x EUR 1.000"): no budget
    consequence table, kept as cells."""
    w.cell(rng.choice(("Bedragen x EUR 1.000", "Bedragen x \u20ac 1.000")))
    w.cell("Omschrijving Uitgaven")
    for heading in ("INZET", "OVERIGE INZET", "TOTAAL"):
        w.cell(heading)
    for _ in range(rng.randint(1, 3)):
        w.cell(rng.choice(("Doorwerking ontvangsten", "Totaal beleidsmatige mutaties", "Bijstelling raming", "Kasschuif")))
        value = rng.randint(-5000, 30000)
        w.cell(style.number(value))
        w.cell(_gap(rng))
        w.cell(style.number(value))


def _millions(cell: Cell, rng: random.Random) -> str:
    if cell.status != NUMBER or cell.amount is None:
        return NumberStyle().token(cell)
    value = cell.amount / 1000
    text = f"{abs(value):.1f}".replace(".", ",")
    return ("\u2013 " if value < 0 else "") + text


def _render_pipe(tree: Tree, layout: Layout, style: NumberStyle, rng: random.Random, w: _Writer, captions: list[str], render: TableRender) -> None:
    for line in captions:
        w.cell(line)
    header = list(layout.header_rows[0])
    if layout.corner and layout.corner_first:
        header = [layout.corner, *header]
    if layout.variant.startswith("OWB") and rng.random() < 0.5:
        header = ["", "", *header]
    trailing = rng.choice((0, 0, 2))
    header += [""] * trailing
    w.raw(" | ".join(header) + " |")
    w.raw("|".join("---" for _ in header) + "|")
    for extra in layout.header_rows[1:]:
        w.raw(" | ".join(extra) + " |")
    leak = layout.corner if layout.corner and not layout.corner_first else None
    for node in tree.rows():
        parts: list[str] = []
        if leak is not None:
            parts.append(leak)
            leak = None
        parts.extend(_row_label_cells(node, rng.random() < 0.3))
        row = RowRender(node, [])
        if not node.printed:
            parts.extend([""] * (layout.n if rng.random() < 0.5 else 0))
            row.label_line = w.raw(" | ".join(parts) + " |")
            row.parts = parts
            if not node.name_prefix:  # (no row of the tree: nothing a parse reports)
                render.rows.append(row)
            continue
        cell_index: dict[int, int] = {}
        previous_blank = False
        for i, cell in enumerate(node.cells):
            if cell.status == BLANK:
                parts.append("")
                if not previous_blank:
                    row.pattern.append(None)
                previous_blank = True
                continue
            previous_blank = False
            cell_index[i] = len(parts)
            parts.append(style.token(cell, rng))
            row.pattern.append(i)
        if node.code is None and rng.random() < 0.3 and not previous_blank and not any(c.status == BLANK for c in node.cells):
            parts.append("")  # the 'Uitgaven: | ... | |' rows: an extra empty cell
            row.pattern.append(None)
        line = w.raw(" | ".join(parts) + " |")
        row.value_at = {col: (line, k) for col, k in cell_index.items()}
        row.parts = parts
        row.label_line = line
        render.rows.append(row)


def _render_run_together(tree: Tree, layout: Layout, style: NumberStyle, rng: random.Random, w: _Writer, captions: list[str]) -> None:
    for line in captions:
        w.cell(line)
    if layout.phase == "OWB":
        w.raw(f"{tree.article} {tree.article_name}" + "".join(c.heading for c in layout.columns))
    else:
        w.raw(" ".join(c.heading for c in layout.columns))
    for node in tree.rows():
        label = f"{node.code} {node.label}" if node.code else node.label
        values = "".join(style.token(c) if c.status != BLANK else "" for c in node.cells) if node.printed else ""
        w.raw(label + values + (" " * layout.n if not values else ""))
    w.raw("")


# ----------------------------------------------------------------------------------------------
# Flexibility tables

FLEX_CATEGORIES = (
    ("juridisch verplicht", ("juridisch verplicht", "Juridisch verplicht")),
    ("bestuurlijk gebonden", ("bestuurlijk gebonden", "Bestuurlijk gebonden")),
    ("beleidsmatig gereserveerd", ("beleidsmatig gereserveerd", "beleidsmatig verplicht")),
    ("nog niet ingevuld/vrij te besteden", ("nog niet ingevuld/vrij te besteden", "nog niet ingevuld / vrij te besteden", "vrij te besteden")),
)


def render_flexibility(rng: random.Random, w: _Writer, year: int, article: str, number: int) -> TableRender:
    expected = ExpectedTable("flexibility", "loaded")
    render = TableRender(expected, "cell_per_line", first_line=len(w.lines))
    if rng.random() < 0.7:
        w.cell("Geschatte budgetflexibiliteit")
    w.cell(f"Tabel {number} Geschatte budgetflexibiliteit artikel {article}")
    w.cell(_gap(rng))
    years = [year] if rng.random() < 0.85 else [year, year + 1]
    for y in years:
        w.cell(str(y))
    shares_by_year = [_flex_shares(rng) for _ in years]
    for k, (canonical, spellings) in enumerate(FLEX_CATEGORIES):
        w.cell(rng.choice(spellings))
        for y, shares in zip(years, shares_by_year):
            share = shares[k]
            text = (f"{share:g}".replace(".", ",")) + rng.choice(("%", "%", " %"))
            w.cell(text)
            expected.flexibility.append((y, canonical, share))
    render.last_line = len(w.lines)
    return render


def _flex_shares(rng: random.Random) -> list[float]:
    cuts = sorted(rng.sample(range(1, 100), 3))
    shares = [float(b - a) for a, b in zip([0, *cuts], [*cuts, 100])]
    if rng.random() < 0.2 and shares[0] >= 2:
        shares[0] -= 0.5
        shares[1] += 0.5
    return shares


# ----------------------------------------------------------------------------------------------
# Prose

_WORDS = (
    "de minister", "het kabinet", "de rijksoverheid", "gemeenten", "provincies", "uitvoeringsorganisaties", "het programma",
    "de subsidie", "de bijdrage", "de middelen", "het budget", "de regeling", "de evaluatie", "het beleid", "de Kamer",
)
_VERBS = ("draagt bij aan", "ondersteunt", "financiert", "stimuleert", "verbetert", "versterkt", "monitort", "evalueert", "bevordert")
_OBJECTS = (
    "een goed functionerende overheid", "de kwaliteit van de dienstverlening", "de uitvoering van de Wet open overheid",
    "de samenwerking tussen overheidswerkgevers", "kennisontwikkeling over het functioneren van de overheid",
    "de verduurzaming van de bedrijfsvoering", "een veilige werkomgeving voor publieke werkers", "de informatiehuishouding van het Rijk",
    "het imago van de overheid als aantrekkelijke werkgever", "de toegankelijkheid van voorzieningen",
)
_HEADINGS = ("Stimuleren", "Financieren", "Regisseren", "Uitvoeren", "Toelichting", "Algemene doelstelling", "Rol en verantwoordelijkheid", "Beleidswijzigingen")


def _sentence(rng: random.Random) -> str:
    subject = rng.choice(_WORDS)
    text = f"{subject[0].upper()}{subject[1:]} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
    if rng.random() < 0.6:
        text += f" en {rng.choice(_VERBS)} daarmee {rng.choice(_OBJECTS)}"
    if rng.random() < 0.3:
        text += f" in de periode {rng.randint(2015, 2024)}-{rng.randint(2025, 2030)}"
    return text + "."


def _paragraph(rng: random.Random) -> str:
    n = rng.randint(2, 6)
    text = " ".join(_sentence(rng) for _ in range(n))
    return ("\u2022 " + text) if rng.random() < 0.2 else text


def write_prose(rng: random.Random, w: _Writer, min_chars: int, headings: list[str] | None = None) -> None:
    written = 0
    headings = list(headings or [])
    while written < min_chars:
        if rng.random() < 0.2:
            heading = headings.pop(0) if headings else rng.choice(_HEADINGS)
            w.cell(heading)
            written += len(heading)
        text = _paragraph(rng)
        w.cell(text)
        written += len(text) + 2


# ----------------------------------------------------------------------------------------------
# Pages

_CHAPTERS = ("VII", "IXB", "IIB", "XV", "VIII", "XII", "XIII", "VI", "IIA")
_FUNDS = ("B", "C")


@dataclass(slots=True)
class PageSpec:
    """What a generated page holds; None fields are drawn at random."""

    layout: str | None = None
    shape: str | None = None
    kind: str | None = None
    size: str = "small"
    year: int | None = None
    caption: bool | None = None
    flexibility: bool | None = None
    prose_chars: int = 600
    extra_tables: int = 0
    structure: str | None = None  # one of STRUCTURES for a budget tree
    cut: bool | None = None  # the text ends inside the (cell per line) budget table


def render_page(
    tree: Tree,
    layout: Layout,
    shape: str,
    rng: random.Random,
    *,
    file_name: str | None = None,
    caption: bool = True,
    flexibility: bool = False,
    prose_chars: int = 600,
    more: list[tuple[Tree, Layout]] | None = None,
    cut: bool = False,
) -> GeneratedPage:
    """A whole page: boilerplate, heading, prose, the table(s), maybe a flexibility table, footer.
    `cut`: the text ends inside the first table (a page copied in part), which must be refused."""
    w = _Writer(rng)
    boilerplate = rng.random() < 0.85
    if boilerplate:
        w.cell("Base description which applies to whole site")
        if rng.random() < 0.3:
            w.raw("+Toon begrotingsfasen")
    heading = rng.choice((
        f"3.{rng.randint(1, 9)} Artikel {tree.article}. {tree.article_name}",
        f"Artikel {tree.article} {tree.article_name}",
        f"Beleidsartikel {tree.article} {tree.article_name}",
    ))
    w.cell(heading)
    write_prose(rng, w, prose_chars)
    tables: list[TableRender] = []
    number = rng.randint(1, 40)
    tables.append(render_table(tree, layout, shape, rng, w, number=number, caption=caption))
    if cut and _cut_inside(tables[0], w, rng):
        more, flexibility, boilerplate = [], False, False
        prose_chars = -1
    for extra_tree, extra_layout in more or []:
        write_prose(rng, w, 200)
        number += 1
        tables.append(render_table(extra_tree, extra_layout, "cell_per_line", rng, w, number=number, caption=True))
    if flexibility:
        number += 1
        tables.append(render_flexibility(rng, w, layout.year, tree.article, number))
        if rng.random() < 0.7:
            w.cell("Juridisch verplicht")
    explained = [f"{n.code} {n.label}" if n.code else n.label for n in tree.rows() if n.level in ("sub_article", "instrument")][:6]
    if prose_chars >= 0:
        write_prose(rng, w, max(200, prose_chars // 2), headings=explained)
    if boilerplate:
        w.cell("Licence")
    chapter = rng.choice(_FUNDS) if layout.fund else rng.choice(_CHAPTERS)
    onderdeel = rng.randint(10_000, 9_999_999)
    if layout.phase == "JV":
        url = f"https://www.rijksfinancien.nl/jaarverslag/{layout.year}/{chapter}/onderdeel/{onderdeel}"
    else:
        url = f"https://www.rijksfinancien.nl/memorie-van-toelichting/{layout.year}/{layout.phase}/{chapter}/onderdeel/{onderdeel}"
    name = file_name or f"gen_{layout.year}_{layout.phase}_{chapter}_art{tree.article}_{onderdeel}.txt"
    manifest = ManifestRow(file=name, source_url=url, chapter=chapter, budget_year=layout.year, phase=layout.phase, article=tree.article)
    newline = "\r\n" if rng.random() < 0.05 else "\n"
    return GeneratedPage(name, manifest, w.lines, tables, newline)


def _cut_inside(render: TableRender, w: _Writer, rng: random.Random) -> bool:
    """End the text inside the rendered table: after the label and some (not all) values of a row
    after the first two. The table must then be refused. False: no row to cut in (not cut)."""
    if render.shape != "cell_per_line" or render.expected.status != "loaded":
        return False
    rows = [r for r in render.rows[2:] if r.value_at]
    if not rows:
        return False
    row = rng.choice(rows)
    value_lines = sorted(line for line, _ in row.value_at.values())
    keep = rng.randrange(len(value_lines))
    last = value_lines[keep - 1] if keep else row.label_line
    del w.lines[last + 1 :]
    render.expected.status, render.expected.reason = "rejected", "ends inside the table"
    render.expected.rows, render.expected.columns = [], []
    render.last_line = len(w.lines)
    return True


def random_page(rng: random.Random, spec: PageSpec | None = None) -> GeneratedPage:
    """A random page following `spec` (random choices where it leaves them open)."""
    spec = spec or PageSpec()
    layout = random_layout(rng, spec.layout, spec.year)
    shape = spec.shape or rng.choices(SHAPES, (14, 5, 1, 1))[0]
    tree = random_tree(rng, layout, kind=spec.kind, size=spec.size, structure=spec.structure)
    caption = spec.caption if spec.caption is not None else rng.random() < (0.5 if shape == "pipe" else 0.85)
    flexibility = spec.flexibility if spec.flexibility is not None else rng.random() < 0.3
    more = []
    for _ in range(spec.extra_tables):
        more.append((random_tree(rng, layout, kind="apparaat" if rng.random() < 0.5 else "budget", size=spec.size), layout))
    cut = spec.cut if spec.cut is not None else rng.random() < 0.03
    return render_page(tree, layout, shape, rng, caption=caption, flexibility=flexibility, prose_chars=spec.prose_chars, more=more, cut=cut)


def realistic_page(rng: random.Random, target_bytes: int = 45_000) -> GeneratedPage:
    """A page of about the seed page's make-up: a large budget table in one cell per line, its
    flexibility table, sometimes an apparaat table, and prose up to about `target_bytes`."""
    layout = random_layout(rng, rng.choices(LAYOUTS, _LAYOUT_WEIGHTS)[0])
    tree = random_tree(rng, layout, kind="budget", size="large")
    for _ in range(50):  # a table of about the seed's 56 rows
        if 35 <= len(tree.rows()) <= 90:
            break
        tree = random_tree(rng, layout, kind="budget", size="large")
    more = [(random_tree(rng, layout, kind="apparaat", size="large"), layout)] if rng.random() < 0.25 else []
    page = render_page(tree, layout, "cell_per_line", rng, caption=True, flexibility=True, prose_chars=2000, more=more)
    size = len(page.text.encode())
    if size < target_bytes:
        # Top up with prose before the footer (the seed has ~20 KB of prose around its tables).
        w = _Writer(rng)
        write_prose(rng, w, target_bytes - size)
        footer = page.lines[-2:] if page.lines[-2:] == ["Licence", ""] else []
        body = page.lines[: len(page.lines) - len(footer)]
        page.lines = body + w.lines + footer
    return page


def realistic_pages(n: int, seed: int = 0, target_bytes: int = 45_000) -> Iterator[tuple[str, str, ManifestRow]]:
    """`n` realistic pages (~45 KB each) as (file_name, text, manifest row), for benchmarks."""
    for i in range(n):
        page = realistic_page(random.Random(f"realistic-{seed}-{i}"), target_bytes)
        yield page.file_name, page.text, page.manifest


# ----------------------------------------------------------------------------------------------
# Comparing a parse with the expectation

EXACT, REJECTED, AMBIGUOUS_REJECTED, UNEXPECTED_REJECTION, WRONG = "exact", "rejected", "ambiguous_rejected", "unexpected_rejection", "wrong"


@dataclass
class Outcome:
    status: str  # exact | rejected (as expected) | ambiguous_rejected | unexpected_rejection | wrong
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in (EXACT, REJECTED, AMBIGUOUS_REJECTED)


def loaded_tables(result) -> list[tuple[dict, list[ExpectedRow], list[tuple[str, int | None]]]]:
    """The budget tables of a parse result as (table record, rows, columns) in the expectation's terms."""
    lines_by_table: dict[str, list[dict]] = {}
    for line in result.lines:
        lines_by_table.setdefault(line["table_id"], []).append(line)
    amounts: dict[tuple[str, int], dict[int, dict]] = {}
    for a in result.amounts:
        amounts.setdefault((a["table_id"], a["row_number"]), {})[a["column_position"]] = a
    out = []
    for table in result.tables:
        if table["table_kind"] not in ("budget", "apparaat") or table["status"] != "loaded":
            continue
        lines = sorted(lines_by_table.get(table["table_id"], []), key=lambda r: r["row_number"])
        index = {line["line_id"]: i for i, line in enumerate(lines)}
        rows = []
        columns: list[tuple[str, int | None]] = []
        for line in lines:
            cells = amounts.get((table["table_id"], line["row_number"]), {})
            if not columns:
                columns = [(cells[k]["column_kind"], cells[k]["fiscal_year"]) for k in sorted(cells)]
            rows.append(
                ExpectedRow(
                    line["printed_code"],
                    line["printed_label"],
                    line["level"],
                    index.get(line["parent_line_id"]) if line["parent_line_id"] else None,
                    bool(line["is_additive"]),
                    [Cell(cells[k]["value_status"], cells[k]["amount_thousand_eur"]) for k in sorted(cells)],
                )
            )
        out.append((table, rows, columns))
    return out


def compare_table(table: dict, rows: list[ExpectedRow], columns, expected: ExpectedTable) -> list[str]:
    """Differences between one loaded table and its expectation (empty: the same)."""
    problems = []
    if table["table_kind"] != expected.kind:
        problems.append(f"table kind {table['table_kind']!r}, expected {expected.kind!r}")
    if columns != expected.columns:
        problems.append(f"columns {columns} != expected {expected.columns}")
    if len(rows) != len(expected.rows):
        problems.append(f"{len(rows)} rows, expected {len(expected.rows)}: {[r.label for r in rows]} vs {[r.label for r in expected.rows]}")
    for i, (got, want) in enumerate(zip(rows, expected.rows)):
        # Labels are compared as text, whatever spacing or trailing colon the printed form keeps.
        g = (got.code, display(got.label), got.level, got.parent, got.is_additive)
        e = (want.code, display(want.label), want.level, want.parent, want.is_additive)
        if g != e:
            problems.append(f"row {i}: {g} != expected {e}")
        gc = [(c.status, c.amount) for c in got.cells]
        ec = [(c.status, c.amount) for c in want.cells]
        if gc != ec:
            problems.append(f"row {i} ({want.label!r}): cells {gc} != expected {ec}")
    return problems


def compare(result, page: GeneratedPage | list[ExpectedTable]) -> Outcome:
    """Judge a parse result against a generated page's expectation."""
    expected_tables = page.expected if isinstance(page, GeneratedPage) else page
    parsed = [t for t in result.tables if t["table_kind"] in ("budget", "apparaat", "flexibility")]
    details: list[str] = []
    loaded = {t["table_id"]: (rows, cols) for t, rows, cols in loaded_tables(result)}
    if len(parsed) != len(expected_tables):
        # Tables split or merged: nothing may load unless it is exactly one of the expected tables.
        found = [(t["table_kind"], t["status"], t["reason"]) for t in parsed]
        details = [f"{len(parsed)} tables found, expected {len(expected_tables)}: {found}"]
        for table in parsed:
            if table["status"] != "loaded" or table["table_kind"] == "flexibility":
                continue
            rows, cols = loaded[table["table_id"]]
            if not any(w.status == "loaded" and not compare_table(table, rows, cols, w) for w in expected_tables):
                return Outcome(WRONG, details + [f"table {table['table_ordinal']} loaded rows that no expected table has"])
        # A table that must be rejected may come apart into several rejected ones.
        reasons = [w.reason for w in expected_tables if w.status == "rejected"]
        split_rejection = reasons and all(
            t["status"] == "loaded" or t["status"] == "rejected" and any(r in (t["reason"] or "") for r in reasons) for t in parsed
        )
        n_loaded = sum(1 for t in parsed if t["status"] == "loaded")
        if split_rejection and n_loaded == sum(1 for w in expected_tables if w.status == "loaded"):
            return Outcome(REJECTED, details)
        return Outcome(UNEXPECTED_REJECTION, details)
    statuses = []
    for table, want in zip(parsed, expected_tables):
        if want.status == "rejected":
            if table["status"] != "rejected":
                statuses.append(WRONG)
                details.append(f"table {table['table_ordinal']} {table['status']}, expected a rejection ({want.reason})")
            elif want.reason and want.reason not in (table["reason"] or ""):
                statuses.append(UNEXPECTED_REJECTION)
                details.append(f"table {table['table_ordinal']} rejected for {table['reason']!r}, expected {want.reason!r}")
            else:
                statuses.append(REJECTED)
            continue
        if table["status"] == "rejected":
            statuses.append(AMBIGUOUS_REJECTED if want.ambiguous else UNEXPECTED_REJECTION)
            details.append(f"table {table['table_ordinal']} rejected: {table['reason']}")
            continue
        if want.kind == "flexibility":
            got = sorted((f["fiscal_year"], f["category"], float(f["share_pct"])) for f in result.flexibility if f["table_id"] == table["table_id"])
            if got != sorted(want.flexibility):
                statuses.append(WRONG)
                details.append(f"flexibility {got} != expected {sorted(want.flexibility)}")
            else:
                statuses.append(EXACT)
            continue
        rows, cols = loaded[table["table_id"]]
        problems = compare_table(table, rows, cols, want)
        if problems:
            statuses.append(WRONG)
            details.extend(f"table {table['table_ordinal']}: {p}" for p in problems)
        else:
            statuses.append(EXACT)
    stray = [r for r in result.rejections if r["table_id"] is None]
    if stray:
        statuses.append(UNEXPECTED_REJECTION)
        details.extend(r["reason"] for r in stray)
    for status in (WRONG, UNEXPECTED_REJECTION, AMBIGUOUS_REJECTED, REJECTED):
        if status in statuses:
            return Outcome(status, details)
    return Outcome(EXACT, details)


__all__ = [
    "LAYOUTS", "SHAPES", "Cell", "ColumnSpec", "Layout", "Node", "Tree", "ExpectedRow", "ExpectedTable", "GeneratedPage",
    "PageSpec", "Outcome", "random_layout", "random_tree", "render_page", "render_table", "random_page", "realistic_page",
    "realistic_pages", "compare", "placements", "tolerance",
]
