"""The words of a budget page: explanation sections linked to the lines they explain, the
per-instrument commitment shares of the flexibility prose, and citations of parliamentary papers
(the search index is made from the sections in SQL: pipeline/sql/explanation_term.sql, with the
stored macro of pipeline/sql/dutch_stem.sql). Pure: page text, its tables and its parsed lines
in, records out.

A page's prose is everything outside its tables. Each non-empty text line is a block: a heading
(short, no closing punctuation) or a paragraph. A heading opens a section; its paragraphs are the
section's text. The heading's place (artikelonderdeel "7.1 ...", instrument, regeling, or a topic
inside a regeling) is decided against the page's own budget lines, so a section is only ever
linked to a line of the same document, under the same artikelonderdeel and instrument.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.core import labels
from pipeline.core.metadata import PageIdentity, stable_id
from pipeline.core.tables import FLEXIBILITY, GAP, LABEL, RawTable, is_boilerplate

# How a section found its line (budget_explanation.link_method).
EXACT = "exact"  # the heading is the printed label
NORMALISED = "normalised"  # equal once case, accents, dashes and punctuation are folded
FUZZY = "fuzzy"  # similar enough (link_score), e.g. a parenthesised abbreviation added or left out
TOPIC = "topic"  # a subheading inside a regeling's (or artikelonderdeel's) text: the line above it

FUZZY_THRESHOLD = 0.8  # below this a heading matches no line (and the section stays unlinked)
FUZZY_MARGIN = 0.05  # the best line must beat the runner-up by this much, else the link is ambiguous

_ARTICLE_HEADING_RE = re.compile(r"^(?:\d{1,2}\.\d{1,3}\.?\s+)?(?:beleids|niet-beleids)?artikel\s+\d{1,3}[a-z]?\b(?!\.\d)", re.IGNORECASE)
_LETTER_RE = re.compile(r"[^\W\d_]")
# "7.1 Naam", "7.1. Naam", or a code local to the article's table ("1. Naam", printed so there).
_SUB_ARTICLE_HEADING_RE = re.compile(r"^(\d{1,3}\.\d{1,3}|\d{1,3}\.(?=\s))\.?\s+(\S.*)$")
_BULLET_RE = re.compile(r"^(?:[•·▪◦*]|-\s|–\s|\d+[.)]\s+\S.*[.;:]$)")
_END_OF_SENTENCE = (".", ":", ";", "?", "!", ",")
# "Het budget is voor 56% juridisch verplicht", "voor 12,5 procent bestuurlijk gebonden".
_SHARE_RE = re.compile(
    r"\bvoor\s+(\d{1,3}(?:[.,]\d+)?)\s*(?:%|procent)\s+"
    r"(juridisch verplicht|bestuurlijk gebonden|beleidsmatig gereserveerd|beleidsmatig verplicht|vrij te besteden|nog niet ingevuld)",
    re.IGNORECASE,
)
_FLEX_CATEGORY_HEADINGS = {
    "juridisch verplicht": "juridisch verplicht",
    "bestuurlijk gebonden": "bestuurlijk gebonden",
    "beleidsmatig gereserveerd": "beleidsmatig gereserveerd",
    "beleidsmatig verplicht": "beleidsmatig gereserveerd",
    "vrij te besteden": "nog niet ingevuld/vrij te besteden",
    "nog niet ingevuld": "nog niet ingevuld/vrij te besteden",
    "nog niet ingevuld/vrij te besteden": "nog niet ingevuld/vrij te besteden",
}
# "Kamerstukken II 2021/22, 26643, nr. 842", "Kamerstuk 26 643, nr. 842", "Kamerstukken I
# 2020–2021, 35 570 VII, nr. 3", "Kamerstukken II 2019/20, 31839, nrs. 1 en 2".
_PAPER_RE = re.compile(
    r"Kamerstuk(?:ken)?\s+(?:(?P<chamber>II|I)\s+)?(?:(?P<session>(?:19|20)\d{2}\s*[/–-]\s*(?:\d{2}|\d{4}))\s*,?\s*)?"
    r"(?P<dossier>\d{2}\s?\d{3})(?:[\s-]*(?P<suffix>[IVXL]+|[A-Z]{1,2}))?\s*,?\s*"
    r"nrs?\.?\s*(?P<numbers>\d+(?:\s*(?:,|en|&)\s*\d+)*)"
)
_PAPER_NUMBERS_RE = re.compile(r"\d+")
_COMBINING_RE = re.compile(r"[\u0300-\u036f]+")  # the accents NFKD splits off
_NON_WORD_RE = re.compile(r"[^a-z0-9]+")
_PARENTHESES_RE = re.compile(r"\s*\([^()]*\)")
# "Stichting Administratie Indonesische Pensioenen (SAIP)": a name and its abbreviation.
_NAME_AND_ABBREVIATION_RE = re.compile(r"[^()]*?\s*\(([A-Z][A-Za-z&]{1,}(?:\s[A-Z][A-Za-z&]*)*)\)")
_STOPWORDS = frozenset("de het een en van voor aan in op met te of door bij naar over om".split())


@dataclass(slots=True)
class Explanations:
    sections: list[dict] = field(default_factory=list)
    commitments: list[dict] = field(default_factory=list)
    citations: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)


# Comparing headings and labels ---------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: 'Efficiëntie' -> 'efficientie'."""
    text = text.lower()
    return text if text.isascii() else _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))


@functools.lru_cache(maxsize=1 << 14)
def _key(text: str) -> str:
    """Heading/label comparison key: folded, dashes and punctuation gone, "'s" dropped
    ('Bijdrage aan ZBO/RWT's' and 'Bijdrage aan ZBO's/RWT's' agree)."""
    text = fold(labels.display_label(text).translate(labels._PLAIN_DASHES_AND_QUOTES)).replace("'s", "")
    return _NON_WORD_RE.sub(" ", text).strip()


@functools.lru_cache(maxsize=1 << 14)
def _variants(text: str) -> frozenset[str]:
    """Keys of the spellings a heading or label may also take: without a parenthesised part, or
    with a 'Name (ABBR)' shortened to its abbreviation."""
    variants = {_key(text), _key(_PARENTHESES_RE.sub("", text))}
    shortened = _NAME_AND_ABBREVIATION_RE.sub(lambda m: m.group(1), text, count=1)
    variants.add(_key(shortened))
    variants.discard("")
    return frozenset(variants)


@functools.lru_cache(maxsize=1 << 14)
def _content_words(key: str) -> frozenset[str]:
    return frozenset(w for w in key.split() if w not in _STOPWORDS)


def similarity(heading: str, label: str) -> float:
    """How alike a heading and a label are, 0..1: the best pair of their variants, by the share of
    content words they share (Jaccard), with the character ratio breaking near-ties."""
    best = 0.0
    for a in _variants(heading):
        for b in _variants(label):
            if a == b:
                return 1.0
            wa, wb = _content_words(a), _content_words(b)
            shared = len(wa & wb)
            if not shared:
                continue  # no word in common: far below the threshold, whatever the characters
            jaccard = shared / len(wa | wb)
            if 0.7 * jaccard + 0.3 <= max(best, FUZZY_THRESHOLD - 0.1):
                continue  # cannot come near the threshold even with identical characters
            ratio = difflib.SequenceMatcher(None, a, b).ratio()
            best = max(best, 0.7 * jaccard + 0.3 * ratio)
    return round(best, 3)


# Prose regions and blocks -------------------------------------------------------------------------


@dataclass(slots=True)
class _Block:
    line: int
    text: str
    is_heading: bool


def _table_end(table: RawTable) -> int:
    """The last line that is part of the table: its last cell with a value or its last footnote
    (a table reads a prose heading after it as a row label without values)."""
    # The body's tokens are in line order (find_tables reads them so): its last cell with a value
    # is the first from the end, which spares a pass over the whole body.
    ends = [next((tok.line for tok in reversed(table.body) if tok.kind not in (LABEL, GAP)), None)]
    ends += [tok.line for footnote in table.footnotes for tok in footnote.cells]
    return max(filter(None, ends), default=table.last_line)


def _regions(text: str, tables: list[RawTable]) -> list[tuple[str | None, list[_Block]]]:
    """Runs of prose between the tables, each with the kind of the table before it (lines as the
    table finder counts them: split at "\n"; only the lines outside the tables are read)."""
    lines = text.split("\n")
    spans = sorted((t.first_line, _table_end(t), t.kind) for t in tables)
    edges = [(1, None), *((last + 1, kind) for _first, last, kind in spans)]
    ends = [first for first, _last, _kind in spans] + [len(lines) + 1]
    regions: list[tuple[str | None, list[_Block]]] = []
    for (first, kind), end in zip(edges, ends):
        blocks = []
        lines_between = lines[first - 1 : end - 1]
        # The non-empty lines and their numbers (in C loops: half the lines of a region are empty).
        for number, raw in zip(itertools.compress(itertools.count(first), lines_between), filter(None, lines_between)):
            text = raw.strip()  # (empty for a whitespace-only line)
            if text and (block := _block(number, text)) is not None:
                blocks.append(block)
        if blocks:
            regions.append((kind, blocks))
    return regions


def _block(number: int, text: str) -> _Block | None:
    # (A text that starts with a letter is spared the search: most prose.)
    if not (text[0].isalpha() or _LETTER_RE.search(text)) or len(text) < 60 and is_boilerplate(text):
        return None  # a number of a table that was not recognised, or the site's boilerplate
    heading = (
        len(text) <= 120
        and not text.endswith(_END_OF_SENTENCE)
        and not _BULLET_RE.match(text)
        and len(text.split()) <= 14
    )
    return _Block(number, text, heading)


# Linking ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Match:
    line: dict
    method: str
    score: float


class _Candidates:
    """Lines a heading may name, looked up by printed label and by folded key."""

    def __init__(self, lines: list[dict]) -> None:
        self.lines = lines
        self.printed: dict[str, dict] = {}
        self.keyed: dict[str, dict] = {}
        for line in lines:
            self.printed.setdefault(line["printed_label"].strip(), line)
            self.keyed.setdefault(_key(line["printed_label"]), line)


_NO_CANDIDATES = _Candidates([])


def _match(heading: str, candidates: _Candidates) -> tuple[_Match | None, str | None]:
    """The candidate line a heading names, or (None, why not)."""
    if not candidates.lines:
        return None, "no candidate lines"
    line = candidates.printed.get(heading.strip())
    if line is not None:
        return _Match(line, EXACT, 1.0), None
    line = candidates.keyed.get(_key(heading))
    if line is not None:
        return _Match(line, NORMALISED, 1.0), None
    candidates = candidates.lines
    words = _all_content_words(heading)  # only a label with a word in common can come close
    scored = sorted(
        ((similarity(heading, line["printed_label"]), i) for i, line in enumerate(candidates) if words & _all_content_words(line["printed_label"])),
        reverse=True,
    )
    if not scored or scored[0][0] < FUZZY_THRESHOLD:
        best = f" (best {candidates[scored[0][1]]['printed_label']!r}, score {scored[0][0]})" if scored else ""
        return None, f"no line is similar enough{best}"
    best, index = scored[0]
    if len(scored) > 1 and scored[1][0] > best - FUZZY_MARGIN and candidates[scored[1][1]]["line_id"] != candidates[index]["line_id"]:
        return None, f"ambiguous: {candidates[index]['printed_label']!r} and {candidates[scored[1][1]]['printed_label']!r} both score about {best}"
    return _Match(candidates[index], FUZZY, best), None


@functools.lru_cache(maxsize=1 << 14)
def _all_content_words(text: str) -> frozenset[str]:
    return frozenset().union(*(_content_words(variant) for variant in _variants(text)))


class _Lines:
    """The page's budget lines, by artikelonderdeel and instrument (one row per line_id; the
    Uitgaven tree first, where a page prints the same line under two measures)."""

    def __init__(self, lines: list[dict]) -> None:
        ordered = sorted(lines, key=lambda r: (r["measure"] != "uitgaven", r["table_id"], r["row_number"]))
        self.sub_articles: list[dict] = []
        self.instruments: dict[str | None, list[dict]] = {}  # sub_article line_id (None: directly under the article) -> its instruments
        self.all_instruments: list[dict] = []
        by_id: dict[str, dict] = {}
        for line in ordered:
            if line["line_id"] in by_id:
                continue
            by_id[line["line_id"]] = line
            if line["level"] == "sub_article":
                self.sub_articles.append(line)
            elif line["level"] == "instrument":
                self.all_instruments.append(line)
        below: dict[str, list[dict]] = {}
        for line in by_id.values():
            if line["level"] == "instrument":
                sub_article = _ancestor(line, by_id, "sub_article")
                self.instruments.setdefault(sub_article["line_id"] if sub_article else None, []).append(line)
            elif line["level"] in ("regeling", "detail"):
                instrument = _ancestor(line, by_id, "instrument")
                if instrument is not None:
                    below.setdefault(instrument["line_id"], []).append(line)
        self._below = below  # instrument line_id -> its regelingen (and deeper)
        self._candidates_below: dict[str, _Candidates] = {}
        self.sub_articles_by_key: dict[str, list[dict]] = {}
        for line in self.sub_articles:
            self.sub_articles_by_key.setdefault(_key(line["printed_label"]), []).append(line)


    def below(self, instrument_line_id: str) -> _Candidates:
        """The regelingen (and deeper) under an instrument, as candidates of a heading: made when
        a heading asks (one instrument of several does, on a generated page)."""
        candidates = self._candidates_below.get(instrument_line_id)
        if candidates is None:
            lines = self._below.get(instrument_line_id)
            candidates = _Candidates(lines) if lines else _NO_CANDIDATES
            self._candidates_below[instrument_line_id] = candidates
        return candidates


def _ancestor(line: dict, by_id: dict[str, dict], level: str) -> dict | None:
    parent = by_id.get(line["parent_line_id"])
    while parent is not None and parent["level"] != level:
        parent = by_id.get(parent["parent_line_id"])
    return parent


@dataclass(slots=True)
class _Place:
    """Where the reading is: the headings above and the lines they name."""

    article_heading: str | None = None
    flexibility: bool = False
    flex_category: str | None = None
    sub_heading: str | None = None
    sub_line: dict | None = None
    sub_code: str | None = None
    instrument_heading: str | None = None
    instrument_line: dict | None = None
    instrument_reason: str | None = None
    regeling_heading: str | None = None
    regeling_line: dict | None = None
    regeling_reason: str | None = None
    topic: str | None = None
    # The heading of a flexibility section about an instrument, until its first paragraph shows
    # a share ("Het budget is voor 56% juridisch verplicht"); without one it was no flexibility text.
    unconfirmed_flexibility: _Block | None = None

    def leave_flexibility(self) -> None:
        self.flexibility, self.flex_category, self.instrument_heading, self.unconfirmed_flexibility = False, None, None, None

    def path(self) -> list[str]:
        parts = [self.sub_heading] if self.sub_heading else [self.article_heading] if self.article_heading else []
        if self.flexibility:
            parts = [*parts, "Geschatte budgetflexibiliteit"] + ([self.flex_category] if self.flex_category else [])
        return [p for p in (*parts, self.instrument_heading, self.regeling_heading, self.topic) if p]


def explain_page(text: str, tables: list[RawTable], lines: list[dict], page: PageIdentity) -> Explanations:
    """Sections, commitment shares and citations of one page."""
    out = Explanations()
    index = _Lines(lines)
    ordinal = 0
    article_heading = None
    paragraphs: dict[int, list[str]] = {}  # section number -> its paragraphs
    for after, blocks in _regions(text, tables):
        place = _Place(article_heading=article_heading, flexibility=after == FLEXIBILITY)
        section: dict | None = None
        for block in blocks:
            if block.is_heading and place.unconfirmed_flexibility is not None:
                _reopen(section, place, index, page)
            if block.is_heading:
                ordinal += 1
                section = _open_section(block, place, index, page, ordinal)
                out.sections.append(section)
                article_heading = place.article_heading
                continue
            if section is None:  # prose before any heading of the region
                ordinal += 1
                section = _section(page, ordinal, place.path() or ["(no heading)"], block.line, None, None, 0.0,
                                   "text before any heading of the page's prose")
                out.sections.append(section)
            if place.unconfirmed_flexibility is not None:
                if _SHARE_RE.search(block.text):
                    place.unconfirmed_flexibility = None
                else:
                    _reopen(section, place, index, page)
            paragraphs.setdefault(section["section_number"], []).append(block.text)
            section["last_source_line"] = block.line
            _read_paragraph(block, section, place, index, page, out)
    for section in out.sections:
        section["text"] = "\n\n".join(paragraphs.get(section["section_number"], ()))
    return out


def _reopen(section: dict, place: _Place, index: _Lines, page: PageIdentity) -> None:
    """Read an instrument heading taken for flexibility text again, as an explanation heading."""
    block = place.unconfirmed_flexibility
    place.leave_flexibility()
    again = _open_section(block, place, index, page, section["section_number"])
    for key in ("heading_path", "line_id", "link_method", "link_score", "unmatched_reason"):
        section[key] = again[key]


def _section(page: PageIdentity, ordinal: int, path: list[str], line: int, line_id: str | None,
             method: str | None, score: float | None, reason: str | None) -> dict:
    return {
        "explanation_id": f"{page.document_id}-e{ordinal}",
        "document_id": page.document_id,
        "section_number": ordinal,
        "heading_path": " > ".join(path),
        "heading": path[-1],
        "text": "",
        "first_source_line": line,
        "last_source_line": line,
        "line_id": line_id,
        "link_method": method,
        "link_score": score if line_id is not None else None,
        "unmatched_reason": reason if line_id is None else None,
    }


def _open_section(block: _Block, place: _Place, index: _Lines, page: PageIdentity, ordinal: int) -> dict:
    """Move `place` to the heading and make its section, linked (or not, with the reason)."""
    heading = block.text
    sub = _SUB_ARTICLE_HEADING_RE.match(heading)
    if _ARTICLE_HEADING_RE.match(heading):
        place.__init__(article_heading=heading, flexibility=False)
        return _section(page, ordinal, place.path(), block.line, None, None, None, "the article as a whole, not one line")
    if sub and (not sub.group(1).endswith(".") and sub.group(1).split(".")[0] == page.article_code or
                any(line["printed_code"] == sub.group(1) for line in index.sub_articles)):
        code = sub.group(1)
        place.__init__(article_heading=place.article_heading, sub_heading=heading, sub_code=code)
        matches = [line for line in index.sub_articles if line["sub_article_code"] == code]
        if not matches:
            return _section(page, ordinal, place.path(), block.line, None, None, None, f"no artikelonderdeel {code} in the page's tables")
        place.sub_line = matches[0]
        method = EXACT if _key(sub.group(2)) == _key(matches[0]["printed_label"]) else FUZZY
        score = 1.0 if method == EXACT else similarity(sub.group(2), matches[0]["printed_label"])
        return _section(page, ordinal, place.path(), block.line, matches[0]["line_id"], method, score, None)
    if place.flexibility and place.sub_heading is None:
        if _FLEX_CATEGORY_HEADINGS.get(_key(heading)) or place.flex_category and labels.canonical_instrument(heading):
            return _open_flexibility_section(block, place, page, ordinal)
        place.leave_flexibility()  # flexibility text is categories and instruments only
    named = _sub_article_named(heading, place, index)
    if named is not None:  # an artikelonderdeel heading without its code
        place.__init__(article_heading=place.article_heading, sub_heading=heading, sub_code=named["sub_article_code"], sub_line=named)
        method = EXACT if heading == named["printed_label"] else NORMALISED
        return _section(page, ordinal, place.path(), block.line, named["line_id"], method, 1.0, None)
    instrument = labels.canonical_instrument(heading)
    if instrument is not None:
        if place.sub_line is not None:
            candidates = index.instruments.get(place.sub_line["line_id"], [])
        else:  # no artikelonderdeel heading above (or one the tables lack)
            candidates = [] if place.sub_code else index.all_instruments
        place.instrument_heading, place.regeling_heading, place.topic = heading, None, None
        place.regeling_line = place.regeling_reason = None
        found = [line for line in candidates if line["instrument"] == instrument]
        if len(found) != 1:
            place.instrument_line = None
            where = f"artikelonderdeel {place.sub_code}" if place.sub_code else "the page's tables"
            place.instrument_reason = (
                f"instrument {instrument!r} is not a line of {where}" if not found
                else f"instrument {instrument!r} is a line of {len(found)} artikelonderdelen and no artikelonderdeel heading is above it"
            )
            return _section(page, ordinal, place.path(), block.line, None, None, None, place.instrument_reason)
        place.instrument_line, place.instrument_reason = found[0], None
        match, _ = _match(heading, _Candidates(found))
        method, score = (match.method, match.score) if match else (NORMALISED, 1.0)  # the canonical names agree
        return _section(page, ordinal, place.path(), block.line, found[0]["line_id"], method, score, None)
    if place.instrument_heading is not None:
        return _open_regeling_section(block, place, index, page, ordinal)
    if place.sub_line is not None:  # a topic under the artikelonderdeel, before any instrument
        place.topic = heading
        return _section(page, ordinal, place.path(), block.line, place.sub_line["line_id"], TOPIC, None, None)
    place.topic = heading
    where = "artikelonderdeel " + place.sub_code if place.sub_code else "the article"
    reason = f"a topic of {where}, under no instrument" if place.sub_heading or place.article_heading else "a heading outside the article's structure"
    return _section(page, ordinal, place.path(), block.line, None, None, None, reason)


def _sub_article_named(heading: str, place: _Place, index: _Lines) -> dict | None:
    """The artikelonderdeel line whose label the heading spells (folded), unless the heading also
    names a regeling of the instrument being read (then it is that regeling)."""
    key = _key(heading)
    named = index.sub_articles_by_key.get(key, [])
    if len(named) != 1:
        return None
    if place.instrument_line is not None and key in index.below(place.instrument_line["line_id"]).keyed:
        return None
    return named[0]


def _open_regeling_section(block: _Block, place: _Place, index: _Lines, page: PageIdentity, ordinal: int) -> dict:
    heading = block.text
    if place.instrument_line is None:
        place.regeling_heading, place.topic = heading, None
        return _section(page, ordinal, place.path(), block.line, None, None, None, f"under an unmatched instrument: {place.instrument_reason}")
    match, why = _match(heading, index.below(place.instrument_line["line_id"]))
    current = place.regeling_line
    if match is not None and (current is None or match.line["line_id"] != current["line_id"] or match.method == EXACT):
        place.regeling_heading, place.regeling_line, place.regeling_reason, place.topic = heading, match.line, None, None
        return _section(page, ordinal, place.path(), block.line, match.line["line_id"], match.method, match.score, None)
    if place.regeling_heading is not None and not (why or "").startswith("ambiguous"):  # a subheading inside the regeling's text
        place.topic = heading
        if current is None:
            return _section(page, ordinal, place.path(), block.line, None, None, None, f"a topic of an unmatched regeling: {place.regeling_reason}")
        return _section(page, ordinal, place.path(), block.line, current["line_id"], TOPIC, None, None)
    place.regeling_heading, place.regeling_line, place.topic = heading, None, None
    place.regeling_reason = f"no line under {place.instrument_line['instrument']!r} of artikelonderdeel {place.sub_code or '?'} matches: {why}"
    return _section(page, ordinal, place.path(), block.line, None, None, None, place.regeling_reason)


def _open_flexibility_section(block: _Block, place: _Place, page: PageIdentity, ordinal: int) -> dict:
    heading = block.text
    category = _FLEX_CATEGORY_HEADINGS.get(_key(heading))
    if category is not None:
        place.flex_category, place.instrument_heading = heading, None
        return _section(page, ordinal, place.path(), block.line, None, None, None, "budget flexibility of the article as a whole")
    place.instrument_heading, place.unconfirmed_flexibility = heading, block
    return _section(page, ordinal, place.path(), block.line, None, None, None,
                    "budget flexibility of an instrument across the article (its share: fact_instrument_commitment)")


def _read_paragraph(block: _Block, section: dict, place: _Place, index: _Lines, page: PageIdentity, out: Explanations) -> None:
    if "amerstuk" in block.text:
        for match in _PAPER_RE.finditer(block.text):
            _cite(match, section, block.line, out)
    if place.flexibility and place.sub_heading is None and place.instrument_heading and ("%" in block.text or "procent" in block.text):
        match = _SHARE_RE.search(block.text)
        if match:
            _commit(match, place, index, page, block.line, out)


def _cite(match: re.Match, section: dict, line: int, out: Explanations) -> None:
    chamber = {"I": "Eerste Kamer", "II": "Tweede Kamer"}.get(match["chamber"] or "")  # unprinted: not guessed
    session = re.sub(r"\s", "", match["session"] or "") or None
    if session:
        start, end = re.split(r"[/–-]", session)
        session = f"{start}-{start[:2] + end if len(end) == 2 else end}"
    dossier = match["dossier"].replace(" ", "") + (f"-{match['suffix']}" if match["suffix"] else "")
    for number in _PAPER_NUMBERS_RE.findall(match["numbers"]):
        out.citations.append(
            {
                "document_id": section["document_id"],
                "explanation_id": section["explanation_id"],
                "paper_id": stable_id("paper", dossier, number),
                "chamber": chamber,
                "session_year": session,
                "dossier_number": dossier,
                "paper_number": int(number),
                "cited_text": " ".join(match.group(0).split()),
                "source_line": line,
            }
        )


def _commit(match: re.Match, place: _Place, index: _Lines, page: PageIdentity, line: int, out: Explanations) -> None:
    printed = place.instrument_heading
    canonical = labels.canonical_instrument(printed)
    named = {line["instrument"] for line in index.all_instruments}
    instrument = canonical if canonical in named else None
    category = _FLEX_CATEGORY_HEADINGS[_key(match.group(2))]
    share = float(match.group(1).replace(",", "."))
    if share > 100:
        out.warnings.append(
            {"document_id": page.document_id, "source_file": page.file, "field": "instrument_commitment",
             "message": f"line {line}: a share of {share}% for {printed!r} is not a percentage of a budget; not loaded"}
        )
        return
    if instrument is None:
        out.warnings.append(
            {"document_id": page.document_id, "source_file": page.file, "field": "instrument_commitment",
             "message": f"line {line}: the flexibility text names {printed!r}, which is no instrument of the page's tables; its share loads without a line"}
        )
    out.commitments.append(
        {
            "document_id": page.document_id,
            "article_code": page.article_code,
            "instrument": instrument,
            "printed_instrument": printed,
            "fiscal_year": page.budget_year,
            "category": category,
            "share_pct": share,
            "source_line": line,
        }
    )



__all__ = ["Explanations", "explain_page", "fold", "similarity", "EXACT", "NORMALISED", "FUZZY", "TOPIC"]
