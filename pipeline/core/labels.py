"""Row labels and codes: what a printed label says about its place in the budget tree.

Everything here is a pure function of the printed text. The canonical spellings are the ones
used in `dim_budget_line`; the printed text is always kept on the fact (`printed_label`).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pipeline.core.values import clean

MEASURES = ("verplichtingen", "uitgaven", "ontvangsten")

_MEASURE_RE = re.compile(
    r"^(?:totaal\s+|totale\s+)?(verplichtingen|uitgaven|ontvangsten)\s*:?$", re.IGNORECASE
)
_WAARVAN_RE = re.compile(r"^(?:[\-\u2012\u2013\u2212]\s*)?waarvan\b", re.IGNORECASE)
# "Art.", "Art.nr.", "Omschrijving": heading cells of the code / label columns.
_STRAY_HEADING_RE = re.compile(r"^(?:art\.?\s*(?:nr\.?)?|artikel(?:nummer)?|omschrijving|nr\.?)$", re.IGNORECASE)

# Codes. "7.1" / "28.11": an artikelonderdeel. "1." / "1.5.": a regeling number (restarts per
# instrument). "10": an article number in a table that covers a whole chapter.
SUB_ARTICLE_CODE_RE = re.compile(r"^\d{1,3}\.\d{1,3}$")
REGELING_CODE_RE = re.compile(r"^\d{1,3}\.(?:\d{1,3}\.)?$")
ARTICLE_CODE_RE = re.compile(r"^\d{1,3}[a-zA-Z]?$")
_CODE_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3})*\.?$")
_CODE_AND_LABEL_RE = re.compile(r"^(?P<code>\d{1,3}(?:\.\d{1,3})*\.?)\s+(?P<label>[^\W\d_].*)$")

# The financial instruments of the Rijksbegrotingsvoorschriften, with the spelling variants
# seen on the site. Keys are normalised labels (see `normalise_label`); values are canonical.
_INSTRUMENT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"subsidies?(?: \(regelingen\))?", "Subsidies (regelingen)"),
    (r"leningen", "Leningen"),
    (r"garanties", "Garanties"),
    (r"bekostiging", "Bekostiging"),
    (r"inkomensoverdrachten", "Inkomensoverdrachten"),
    (r"opdrachte?n?", "Opdrachten"),
    (r"bijdragen?(?: aan)? agentschappen", "Bijdrage aan agentschappen"),
    (r"bijdragen?(?: aan)? (?:zbo'?s?|zbo)(?:-| en |/| / |/ )(?:rwt'?s?|rwt)", "Bijdrage aan ZBO's/RWT's"),
    (r"bijdragen?(?: aan)? medeoverheden", "Bijdrage aan medeoverheden"),
    (r"bijdragen?(?: aan)? \(?inter-?\)? ?nationale organisaties", "Bijdrage aan (inter-)nationale organisaties"),
    (r"bijdragen?(?: aan)? internationale organisaties", "Bijdrage aan (inter-)nationale organisaties"),
    (r"bijdragen?(?: aan)? (?:\(?andere\)? )?begrotingshoofdstukken", "Bijdrage aan (andere) begrotingshoofdstukken"),
    (r"bijdragen?(?: aan)? sociale fondsen", "Bijdrage aan sociale fondsen"),
    (r"personele uitgaven", "Personele uitgaven"),
    (r"materi[eë]le uitgaven", "Materiële uitgaven"),
    (r"apparaatsuitgaven", "Apparaatsuitgaven"),
    (r"programma-?uitgaven", "Programma-uitgaven"),
)
_INSTRUMENTS = tuple((re.compile(rf"^{p}$"), canonical) for p, canonical in _INSTRUMENT_PATTERNS)
# All of them in one pattern, one group each: the alternatives are tried in list order, so the
# group that matches is the first pattern of the list that matches (as trying them one by one).
_ANY_INSTRUMENT_RE = re.compile("^(?:" + "|".join(f"({p})" for p, _ in _INSTRUMENT_PATTERNS) + ")$")

# Sub-items of the apparaat instruments: one level below Personele / Materiële uitgaven.
_APPARAAT_ITEMS = {
    "eigen personeel": "Eigen personeel",
    "inhuur externen": "Inhuur externen",
    "externe inhuur": "Inhuur externen",
}

_SPACES_RE = re.compile(r"\s+")
_SPACED_DASH_RE = re.compile(r"\s*-\s*")
_SPACE_BY_DASH_RE = re.compile(r"\s-|-\s")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "`": "'"}
# Dashes to '-' and quotes to their plain forms, in one pass (no replacement is itself replaced).
_PLAIN_DASHES_AND_QUOTES = str.maketrans({**dict.fromkeys(_DASHES, "-"), **_QUOTES})


@functools.lru_cache(maxsize=1 << 16)
def normalise_label(label: str) -> str:
    """A spelling-insensitive key: case, spacing, dashes, quotes and trailing colons folded."""
    text = unicodedata.normalize("NFC", clean(label))
    text = text.translate(_PLAIN_DASHES_AND_QUOTES)
    text = _SPACED_DASH_RE.sub("-", text) if _SPACE_BY_DASH_RE.search(text) else text
    text = _SPACES_RE.sub(" ", text).strip().rstrip(":").strip().lower()
    return text


@functools.lru_cache(maxsize=1 << 16)
def display_label(label: str) -> str:
    """The printed label tidied for display: spacing folded, trailing colon dropped."""
    return _SPACES_RE.sub(" ", clean(label)).rstrip(":").strip()


@functools.lru_cache(maxsize=1 << 12)
def measure_of(label: str) -> str | None:
    """'Uitgaven:' -> 'uitgaven'; None for any other label."""
    match = _MEASURE_RE.match(clean(label))
    return match.group(1).lower() if match else None


@functools.lru_cache(maxsize=1 << 16)
def is_waarvan(label: str) -> bool:
    return bool(_WAARVAN_RE.match(clean(label)))


@functools.lru_cache(maxsize=1 << 16)
def is_stray_heading(text: str) -> bool:
    return bool(_STRAY_HEADING_RE.match(clean(text)))


@functools.lru_cache(maxsize=1 << 16)
def is_code(text: str) -> bool:
    return bool(_CODE_RE.match(clean(text)))


@functools.lru_cache(maxsize=1 << 16)
def split_code_and_label(text: str) -> tuple[str | None, str]:
    """'92.1 Nog onverdeeld' -> ('92.1', 'Nog onverdeeld'); labels without a code pass through."""
    match = _CODE_AND_LABEL_RE.match(clean(text))
    if match:
        return match["code"], match["label"]
    return None, clean(text)


@functools.lru_cache(maxsize=1 << 16)
def canonical_instrument(label: str) -> str | None:
    """The canonical instrument name, or None when the label is not a financial instrument."""
    match = _ANY_INSTRUMENT_RE.match(normalise_label(label))
    return _INSTRUMENT_PATTERNS[match.lastindex - 1][1] if match else None


@functools.lru_cache(maxsize=1 << 16)
def apparaat_item(label: str) -> str | None:
    return _APPARAAT_ITEMS.get(normalise_label(label))


@functools.lru_cache(maxsize=1 << 16)
def canonical_label(label: str) -> str:
    """The label stored in `dim_budget_line.label`: instruments by their canonical name."""
    return canonical_instrument(label) or apparaat_item(label) or display_label(label)


_UITGAVEN_TOTAL_RE = re.compile(r"^(?:programma|apparaats?)[- ]?uitgaven$")
_NUMBER_OR_PERCENT_RE = re.compile(r"^[-+]?\s*\d[\d.,\s]*%?$")


@functools.lru_cache(maxsize=1 << 16)
def is_uitgaven_total(label: str) -> bool:
    """'Programma-uitgaven', 'Apparaatsuitgaven': the name of the Uitgaven total of a table
    that has no 'Uitgaven' row (elsewhere they group the rows under Uitgaven)."""
    return bool(_UITGAVEN_TOTAL_RE.match(normalise_label(label)))


@functools.lru_cache(maxsize=1 << 16)
def is_number_or_percentage(label: str) -> bool:
    """'100%', '100,00%', '0', '1.347': a printed figure, which is never the label of a line."""
    return bool(_NUMBER_OR_PERCENT_RE.match(normalise_label(label)))
