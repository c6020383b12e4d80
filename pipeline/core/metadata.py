"""Who a page is: chapter, year, phase and article, from the manifest, the address or the text.

Precedence: the manifest row, then the page's address, then its text (article number and name
from the heading; year from the flexibility table or the column headings). What none of them
gives stays empty, with a warning. Nothing is guessed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from pipeline.core.values import clean

PHASES = ("OWB", "1SUPP", "PSUPP", "2SUPP", "JV")

# Each phase in budget-cycle order: its name, its code in the official open data, and when its
# document appears, in months from January of its budget year t (1 = January of t; the OWB
# appears on Prinsjesdag, in September of t-1, so -3; the jaarverslag in May of t+1, so 17).
PHASE_INFO: dict[str, tuple[str, str, int]] = {
    "OWB": ("Ontwerpbegroting", "OWB", -3),
    "1SUPP": ("Eerste suppletoire begroting (voorjaarsnota)", "1SUPP", 6),
    "PSUPP": ("Suppletoire begroting Prinsjesdag", "SBS", 9),
    "2SUPP": ("Tweede suppletoire begroting (najaarsnota)", "2SUPP", 11),
    "JV": ("Jaarverslag", "JV", 17),
}

# Chapter codes of the Rijksbegroting (I..XVIII with IIA/IIB/IXA/IXB) and the budget funds.
CHAPTERS: dict[str, str] = {
    # Only codes whose name is certain; a page of another chapter still loads, with its code.
    "I": "De Koning",
    "IIA": "Staten-Generaal",
    "IIB": "Overige Hoge Colleges van Staat, Kabinetten van de Gouverneurs en de Kiesraad",
    "III": "Algemene Zaken",
    "IV": "Koninkrijksrelaties",
    "V": "Buitenlandse Zaken",
    "VI": "Justitie en Veiligheid",
    "VII": "Binnenlandse Zaken en Koninkrijksrelaties",
    "VIII": "Onderwijs, Cultuur en Wetenschap",
    "IXA": "Nationale Schuld",
    "IXB": "Financiën",
    "X": "Defensie",
    "XI": "Volkshuisvesting, Ruimtelijke Ordening en Milieubeheer (until 2010)",
    "XII": "Infrastructuur en Waterstaat",
    "XIII": "Economische Zaken en Klimaat",
    "XIV": "Landbouw, Natuur en Voedselkwaliteit",
    "XV": "Sociale Zaken en Werkgelegenheid",
    "XVI": "Volksgezondheid, Welzijn en Sport",
    "XVII": "Buitenlandse Handel en Ontwikkelingssamenwerking",
    "XVIII": "Wonen en Rijksdienst (2013-2017)",
    "A": "Infrastructuurfonds / Mobiliteitsfonds",
    "B": "Gemeentefonds",
    "C": "Provinciefonds",
    "F": "Diergezondheidsfonds",
    "H": "BES-fonds",
    "J": "Deltafonds",
    "K": "Defensiematerieelbegrotingsfonds",
}

_CHAPTER_ALIASES = {"IX": "IXB", "9": "IXB", "IXB": "IXB", "IXA": "IXA"}
_PHASE_ALIASES = {
    "OWB": "OWB",
    "1SUPP": "1SUPP",
    "PSUPP": "PSUPP",
    "2SUPP": "2SUPP",
    "JV": "JV",
    "SBS": "PSUPP",
}
_HEADING_RE = re.compile(
    r"^(?:[A-Z]?\d+(?:\.\d+)*\.?\s+)?(?:beleids|niet-beleids)?artikel\s+(?P<code>\d{1,3}[a-z]?)\s*[.:]?\s+(?P<name>\S.{1,150})$",
    re.IGNORECASE,
)


def normalise_chapter(code: str | None) -> str | None:
    if not code:
        return None
    text = clean(code).upper()
    return _CHAPTER_ALIASES.get(text, text)


def normalise_phase(phase: str | None) -> str | None:
    if not phase:
        return None
    return _PHASE_ALIASES.get(clean(phase).upper())


@dataclass(slots=True)
class Address:
    chapter: str | None = None
    budget_year: int | None = None
    phase: str | None = None


def normalise_url(url: str | None) -> str | None:
    """One spelling per address: scheme, host prefix, case of escapes and 'index.php' folded."""
    if not url:
        return None
    parts = urlsplit(clean(url))
    host = parts.netloc.lower().removeprefix("www.")
    path = unquote(parts.path)
    path = re.sub(r"^/index\.php(?=/)", "", path, flags=re.IGNORECASE).rstrip("/")
    return f"{host}{path}"


def parse_address(url: str | None) -> Address:
    """Year, phase and chapter from a rijksfinancien.nl or rijksbegroting.nl address."""
    address = Address()
    if not url:
        return address
    path = unquote(urlsplit(clean(url)).path)
    path = re.sub(r"^/index\.php(?=/)", "", path, flags=re.IGNORECASE)
    segments = [s for s in path.split("/") if s]
    if not segments:
        return address
    kind = segments[0].lower()
    if kind in ("memorie-van-toelichting", "voorstel-van-wet", "jaarverslag", "suppletoire-begroting", "slotwet"):
        rest = segments[1:]
        if rest and re.fullmatch(r"(?:19|20)\d{2}", rest[0]):
            address.budget_year = int(rest[0])
            rest = rest[1:]
        if kind == "jaarverslag":
            address.phase = "JV"
        elif rest and normalise_phase(rest[0]):
            address.phase = normalise_phase(rest[0])
            rest = rest[1:]
        if rest and rest[0].lower() not in ("onderdeel", "bijlage"):
            address.chapter = normalise_chapter(rest[0])
    elif kind == "miljoenennota":
        if len(segments) > 1 and re.fullmatch(r"(?:19|20)\d{2}", segments[1]):
            address.budget_year = int(segments[1])
    elif re.fullmatch(r"(?:19|20)\d{2}", segments[0]):
        # rijksbegroting.nl: /2007/voorbereiding/begroting,kst99343_2_15.html
        address.budget_year = int(segments[0])
        if len(segments) > 2 and segments[1].lower() == "voorbereiding" and segments[2].lower().startswith("begroting"):
            address.phase = "OWB"
        elif len(segments) > 2 and segments[1].lower() == "verantwoording" and segments[2].lower().startswith("jaarverslag"):
            address.phase = "JV"
    return address


def heading_article(lines: list[str], before_line: int | None) -> tuple[str | None, str | None]:
    """Article number and name from the page heading ('3.7 Artikel 7. Werkgevers- en ...')."""
    candidates = lines if before_line is None else lines[: max(0, before_line - 1)]
    for text in candidates:
        candidate = clean(text)
        if not candidate or len(candidate) > 160:
            continue
        match = _HEADING_RE.match(candidate)
        if match:
            name = match["name"].strip().rstrip(".")
            return match["code"].upper() if match["code"][-1].isalpha() else match["code"], name
    return None, None


def document_identity(
    *, source_url: str | None, chapter: str | None, budget_year: int | None, phase: str | None, article: str | None, file: str
) -> str:
    """What makes two files the same page: its address, else its budget coordinates, else its name."""
    url = normalise_url(source_url)
    if url:
        return f"url:{url}"
    if chapter and budget_year and phase and article:
        return f"page:{chapter}/{budget_year}/{phase}/{article}"
    return f"file:{file}"


def stable_id(*parts: object, length: int = 16) -> str:
    key = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:length]


@dataclass(slots=True)
class ManifestRow:
    """What the manifest says of one file. `problems` are (column, message) pairs for what it
    says wrongly: the values concerned are left out, and each message becomes a warning of the page."""

    file: str
    source_url: str | None = None
    chapter: str | None = None
    budget_year: int | None = None
    phase: str | None = None
    article: str | None = None
    problems: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class PageIdentity:
    """The resolved metadata of one page, with where each field came from."""

    file: str
    source_url: str | None
    chapter: str | None
    budget_year: int | None
    phase: str | None
    article_code: str | None
    article_name: str | None
    document_id: str = ""
    identity: str = ""
    provenance: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
