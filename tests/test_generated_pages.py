"""Generated pages round-trip through the parser; damaged tables are rejected, never misread.

The generator (`pipeline.testing.generator`) builds random budget trees bottom-up (every parent the
sum of its children, every row obeying its layout's column identities) and renders them in every
layout (OWB 6/7 years, 1SUPP 7/9 columns, 2SUPP with its two-level heading and the fund variant,
PSUPP, JV) and text shape (one cell per line, pipe tables; run-together cells and amounts in
millions, which must be rejected). A parse must give back the same tables, columns (kind, fiscal
year), rows (code, label, level, parent) and cells (value status, amount). The only rejection
allowed for a valid table is for one the generator marks as ambiguous by construction: a row
whose blank cells could sit in two places with every check still holding.

Mutations the checks can see (`pipeline.testing.mutations.random_mutant`, which keeps a mutant only
when every reading of the damaged row breaks a sum, an identity, the column count or the dialect):
a dropped or duplicated value cell, a garbled number token, a table cut off, a value changed by
more than the tolerance of a check that sees it. Each must be rejected or read as the original.

Mutations no check can see (docs/mutations.md), shown here to load, as documented limitations:
  * two siblings trading their values in a column that takes part in no identity (a swap, or any
    change of one sibling that another compensates);
  * a change within the rounding tolerance max(1, n/2) of the one sum that sees the cell;
  * a change to a row that no sum and no identity sees: a childless Verplichtingen or Ontvangsten
    total, a waarvan row, in a column without identity (every OWB column);
  * the same change made to a leaf and to every ancestor up to its total;
  * a change within the tolerance of another reading: all-zero rows and rows under a group row
    without values can hang elsewhere without changing a sum, and so raise its tolerance (built
    by hand below; the same lets a table cut off above a parent's zero children load);
  * a table cut off between complete subtrees (tables may end without Ontvangsten);
  * a dropped code cell (the reading and the numbers stay, the code is lost) and other damage to
    code or label cells (a duplicated label reads as a group row over the row);
  * a garbled number that splits a row into two ragged rows whose values fill complementary
    columns (the mutant generator leaves these out; one is built by hand below).

Hypothesis profiles: "ci" (default; about 100 examples in all, derandomised) and "thorough"
(HYPOTHESIS_PROFILE=thorough). For the large counts run `python scripts/roundtrip.py`.
"""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from pipeline.core import labels
from pipeline.core.build import parse_source
from pipeline.testing.generator import (
    INSTRUMENTS,
    LAYOUTS,
    SHAPES,
    STRUCTURES,
    PageSpec,
    compare,
    placements,
    random_layout,
    random_page,
    random_tree,
    realistic_page,
    realistic_pages,
    render_page,
)
from pipeline.core.metadata import ManifestRow
from pipeline.testing.mutations import MUTATION_KINDS, UNDETECTABLE, judge, random_mutant
from pipeline.core.rows import Row, place_values
from pipeline.core.tables import GAP, VALUE, Token
from pipeline.core.values import parse_value

settings.register_profile(
    "ci", max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
LOADABLE = ("cell_per_line", "pipe")


def parse(page, text: str | None = None):
    return parse_source(page.file_name, (text if text is not None else page.text).encode("utf-8"), page.manifest).result


# ----------------------------------------------------------------------------------------------
# Round trips


@given(layout=st.sampled_from(LAYOUTS), shape=st.sampled_from(SHAPES), kind=st.sampled_from(["budget", "apparaat"]), seed=SEEDS)
def test_a_generated_page_parses_back_to_its_tree_and_numbers(layout, shape, kind, seed):
    rng = random.Random(seed)
    page = random_page(rng, PageSpec(layout=layout, shape=shape, kind=kind))
    outcome = compare(parse(page), page)
    event(outcome.status)
    assert outcome.ok, (seed, layout, shape, kind, outcome.details)


@pytest.mark.parametrize("shape", LOADABLE)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_round_trips_in_every_loadable_shape(layout, shape):
    """Deterministic coverage of each layout x shape, whatever hypothesis draws."""
    statuses = []
    for seed in range(4):
        rng = random.Random(f"{layout}-{shape}-{seed}")
        page = random_page(rng, PageSpec(layout=layout, shape=shape, kind="apparaat" if seed == 3 else "budget", flexibility=seed == 1))
        outcome = compare(parse(page), page)
        assert outcome.ok, (layout, shape, seed, outcome.details)
        statuses.append(outcome.status)
    assert "exact" in statuses


@pytest.mark.parametrize("shape,reason", [("run_together", "run together"), ("millions", "decimal comma")])
@pytest.mark.parametrize("layout", ["OWB7", "1SUPP9", "2SUPP5", "PSUPP3", "JV7"])
def test_negative_shapes_are_rejected_with_a_reason_and_load_nothing(layout, shape, reason):
    for seed in range(3):
        rng = random.Random(f"{layout}-{shape}-{seed}")
        page = random_page(rng, PageSpec(layout=layout, shape=shape, caption=seed != 0))
        result = parse(page)
        budget = [t for t in result.tables if t["table_kind"] in ("budget", "apparaat")]
        assert budget and all(t["status"] == "rejected" and reason in t["reason"] for t in budget), budget
        assert not result.lines
        assert not result.amounts


def test_realistic_pages_are_about_the_seed_size_and_round_trip():
    pages = list(realistic_pages(3, seed=11))
    for name, text, manifest in pages:
        assert 40_000 <= len(text.encode()) <= 60_000
        assert isinstance(manifest, ManifestRow) and manifest.file == name
    # The same pages with their expectations.
    for i in range(3):
        page = realistic_page(random.Random(f"realistic-11-{i}"))
        assert page.text == pages[i][1]
        outcome = compare(parse(page), page)
        assert outcome.ok, outcome.details
        assert len(page.tables[0].expected.rows) >= 35


def test_the_generator_can_be_driven_piece_by_piece():
    rng = random.Random(3)
    layout = random_layout(rng, "2SUPP5", year=2019)
    assert [c.kind for c in layout.columns] == ["vastgestelde_begroting", "stand", "mutatie", "mutatie", "stand"]
    tree = random_tree(rng, layout, kind="budget")
    page = render_page(tree, layout, "cell_per_line", rng, flexibility=True)
    assert compare(parse(page), page).ok
    for node in tree.rows():
        if node.children and node.printed and not node.is_waarvan:
            total = [sum(c.effective()[i] for c in node.children) for i in range(layout.n)]
            assert all(abs(a - b) <= max(1, len(node.children) / 2) for a, b in zip(node.values, total))
        if node.printed:
            for target, terms in layout.identities():
                assert node.values[target] == sum(sign * node.values[j] for j, sign in terms)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_every_structure_of_real_pages_round_trips_in_every_loadable_shape(structure):
    """Complete waarvan splits, name prefixes, a total's heading, numbered artikelonderdelen,
    group headings at two levels, split Verplichtingen: read back exactly, whatever the layout."""
    statuses = []
    for seed in range(12):
        rng = random.Random(f"{structure}-{seed}")
        page = random_page(rng, PageSpec(shape=LOADABLE[seed % len(LOADABLE)], kind="budget", structure=structure))
        outcome = compare(parse(page), page)
        assert outcome.ok, (structure, seed, outcome.details)
        statuses.append(outcome.status)
    assert statuses.count("exact") >= 10


def test_a_page_whose_text_ends_inside_its_table_has_the_table_refused():
    """A page copied in part, cut after a row's label or some of its values: the rows after the cut
    are missing, so the table can never be proven, whatever its remaining sums say."""
    for seed in range(12):
        rng = random.Random(f"cut-{seed}")
        page = random_page(rng, PageSpec(shape="cell_per_line", kind="budget", cut=True))
        outcome = compare(parse(page), page)
        assert outcome.status == "rejected", (seed, outcome.details)


# ----------------------------------------------------------------------------------------------
# Mutants the checks can see


@given(kind=st.sampled_from(MUTATION_KINDS), shape=st.sampled_from(LOADABLE), seed=SEEDS)
def test_a_detectable_mutant_is_rejected_or_read_as_the_original(kind, shape, seed):
    rng = random.Random(seed)
    page = random_page(rng, PageSpec(shape=shape))
    mutant = random_mutant(page, rng, kind)
    assume(mutant is not None)
    outcome = judge(parse(page, mutant.text), page, mutant)
    event(f"{kind}: {outcome.status}")
    assert outcome.ok, (seed, mutant.description, outcome.details)


@pytest.mark.parametrize("kind", MUTATION_KINDS)
def test_each_mutation_kind_is_produced_and_caught(kind):
    produced = 0
    for seed in range(40):
        rng = random.Random(f"{kind}-{seed}")
        page = random_page(rng, PageSpec(shape="cell_per_line" if seed % 2 else "pipe"))
        mutant = random_mutant(page, rng, kind)
        if mutant is None:
            continue
        produced += 1
        outcome = judge(parse(page, mutant.text), page, mutant)
        assert outcome.ok, (seed, mutant.description, outcome.details)
    assert produced >= 10


# ----------------------------------------------------------------------------------------------
# Mutants no check can see: documented limitations


@pytest.mark.parametrize("name", sorted(UNDETECTABLE))
def test_an_undetectable_mutation_loads_the_changed_numbers(name):
    make = UNDETECTABLE[name]
    for seed in range(200):
        rng = random.Random(f"{name}-{seed}")
        page = random_page(rng, PageSpec(shape="cell_per_line" if seed % 3 else "pipe", layout="OWB7" if seed % 2 else None))
        if compare(parse(page), page).status != "exact":
            continue
        mutant = make(page, rng)
        if mutant is None:
            continue
        outcome = judge(parse(page, mutant.text), page, mutant)
        assert outcome.status == "original", (name, seed, mutant.description, outcome.details)
        return
    pytest.fail(f"no page offered a {name} mutant")


GARBLED_SPLIT = """Budgettaire gevolgen van beleid (bedragen x € 1.000)

Vastgestelde begroting (1)

Mutaties suppletoire begroting Prinsjesdag (2)

Stand suppletoire begroting Prinsjesdag (3)=(1+2)

Verplichtingen

3.000

0

3.000

Uitgaven

3.000

0

3.000

Kosten informatiehuishouding

1.401

{cell}

1.401

\u00a0

Rijksvastgoed

1.599

0

1.599
"""


def test_a_garbled_number_that_splits_a_row_into_complementary_ragged_rows_loads():
    """'nihil' garbled to 'nihil#' starts a row of its own; 'Kosten' keeps 1.401 without any gap,
    and the parser may place it in any column: [_, _, 1401] and 'nihil#' [1401, _, _] add up."""
    manifest = ManifestRow(file="split.txt", chapter="IXB", budget_year=2023, phase="PSUPP", article="8")
    original = parse_source("split.txt", GARBLED_SPLIT.format(cell="nihil").encode(), manifest).result
    assert [t["status"] for t in original.tables] == ["loaded"]
    damaged = parse_source("split.txt", GARBLED_SPLIT.format(cell="nihil#").encode(), manifest).result
    assert [t["status"] for t in damaged.tables] == ["loaded"]
    labels_loaded = [line["printed_label"] for line in damaged.lines]
    assert labels_loaded == ["Verplichtingen", "Uitgaven", "Kosten informatiehuishouding", "nihil#", "Rijksvastgoed"]
    kosten = [a["amount_thousand_eur"] for a in damaged.amounts if a["printed_label"] == "Kosten informatiehuishouding"]
    assert kosten == [None, None, 1401]


# ----------------------------------------------------------------------------------------------
# The generator's own claims


def test_every_instrument_spelling_is_on_the_instrument_list():
    for spellings in INSTRUMENTS:
        canonical = {labels.canonical_instrument(s) for s in spellings}
        assert None not in canonical and len(canonical) == 1, spellings


@given(seed=SEEDS)
@settings(max_examples=20)
def test_generated_labels_say_only_what_they_claim(seed):
    rng = random.Random(seed)
    layout = random_layout(rng)
    tree = random_tree(rng, layout)
    for node in tree.rows():
        # "Programma-uitgaven" groups artikelonderdelen (or is the Uitgaven total), never an instrument;
        # an instrument name printed without values can head rows that are no instruments.
        is_instrument = labels.canonical_instrument(node.label) is not None and not labels.is_uitgaven_total(node.label)
        heads_others = not node.printed and node.children and all(c.level != "instrument" for c in node.children)
        assert is_instrument == (node.level == "instrument") or (is_instrument and heads_others), node.label
        # A total's name below the total: a heading without values of the rows under it.
        total_heading = node.parent is not None and node.parent.parent is None and not node.printed and labels.measure_of(node.label) == labels.measure_of(node.parent.label)
        assert (labels.measure_of(node.label) is not None) == (node.parent is None and not node.is_waarvan or total_heading), node.label
        assert labels.is_waarvan(node.label) == node.is_waarvan, node.label
        assert parse_value(node.label) is None and not labels.is_code(node.label), node.label


@given(seed=SEEDS)
@settings(max_examples=30)
def test_the_generators_placements_agree_with_the_parsers(seed):
    """Both read FORMAT's rule: a gap is one or more empty cells, except after the last value."""
    rng = random.Random(seed)
    n = rng.randint(3, 9)
    k = rng.randint(1, n)
    pattern: list[int | None] = []
    for v in range(k):
        if rng.random() < 0.3 and (not pattern or pattern[-1] is not None):
            pattern.append(None)
        pattern.append(v)
    if rng.random() < 0.4:
        pattern.append(None)
    items = [Token(GAP, " ", 1) if t is None else Token(VALUE, str(t + 1), 1, parse_value(str(t + 1))) for t in pattern]
    generated = placements(pattern, n)
    assume(len(generated) <= 64)  # the parser refuses rows with more readings than that
    row = Row(1, None, "x", 1, items)
    place_values(row, n, [])
    parsed = [[c.value.amount - 1 if c.value.amount is not None else None for c in cells] for cells in row.placements]

    def key(option: list[int | None]) -> list[int]:
        return [-1 if v is None else v for v in option]

    assert sorted(parsed, key=key) == sorted(generated, key=key)


ANOTHER_READING = """Budgettaire gevolgen van beleid (bedragen x € 1.000)

2023

2024

2025

2026

2027

2028

Verplichtingen

100

100

100

100

100

100

Uitgaven

100

100

100

100

100

100

Institutionele inrichting

\u00a0

Subsidies (regelingen)

\u00a0

Regeling a

50

50

50

50

50

50

Regeling b

30

30

30

30

30

30

Regeling c

{c}

20

20

20

20

20

Regeling d

0

0

0

0

0

0
"""


def test_a_change_within_the_tolerance_of_another_reading_loads():
    """'Regeling c' 20 -> 22: under the valueless groups Uitgaven has one child (tolerance 1), so the
    true reading fails. With b, c and the zero row d stepping out of the groups Uitgaven has four
    children (tolerance 2), and that reading loads the changed number."""
    manifest = ManifestRow(file="reading.txt", chapter="VII", budget_year=2024, phase="OWB", article="7")
    original = parse_source("reading.txt", ANOTHER_READING.format(c="20").encode(), manifest).result
    parents = {line["line_id"]: line["printed_label"] for line in original.lines}
    assert [parents.get(line["parent_line_id"]) for line in original.lines] == [
        None, None, "Uitgaven", "Institutionele inrichting", "Subsidies (regelingen)", "Subsidies (regelingen)",
        "Subsidies (regelingen)", "Subsidies (regelingen)",
    ]
    damaged = parse_source("reading.txt", ANOTHER_READING.format(c="22").encode(), manifest).result
    assert [t["status"] for t in damaged.tables] == ["loaded"]
    parents = {line["line_id"]: line["printed_label"] for line in damaged.lines}
    assert [parents.get(line["parent_line_id"]) for line in damaged.lines] == [
        None, None, "Uitgaven", "Institutionele inrichting", "Subsidies (regelingen)", "Uitgaven", "Uitgaven", "Uitgaven",
    ]
    assert [a["amount_thousand_eur"] for a in damaged.amounts if a["printed_label"] == "Regeling c"][0] == 22
