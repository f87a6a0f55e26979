"""One resolver for country names and codes, used by every command, importer and connector.

Inside the project every country is an ISO 3166 alpha-3 code. Names and codes as the World Bank,
IMF, UN and SIPRI write them ("Kyrgyz Republic", "Iran, Islamic Rep.", "Afghanistan, Islamic Rep.
of"), ISO2, ISO3 and M49 numeric codes are converted here, once, at the edge. The matching itself is
country_converter's (its curated regular expressions); this module adds what it lacks: historical
entities (SUN, YUG, CSK, ...) that must not be mapped onto their successors, statistical aggregates
("World", "Euro Area", income groups) that must never pass for countries, suggestions for typos, and
country names in the region's languages (issue #13).

Names in the region's languages come from two maintained sources: the Unicode CLDR territory names
shipped with `babel` (one table per locale in `CLDR_LOCALES`), keyed by CLDR region code, and the
Debian iso-codes translations of the ISO 3166-1 names shipped with `pycountry` (`ISO_CODES_LOCALES`;
short, official and common names, e.g. "Республика Молдова", "Южная Африка"). Two-letter codes are
mapped to ISO3 through pycountry's ISO 3166-1 table; CLDR's "001" is World and its other numeric
regions (continents, "Central Asia", ...) and EU/EZ/UN are aggregates. A name the sources give to
different countries is dropped rather than guessed; a country name wins over a region spelt the
same. A non-Latin name written in ISO 3166's inverted style ("Молдова, Республика") is also tried
the right way round. Publisher spellings neither source has (BNS Kazakhstan's "Тайвань (Китай)",
Rosstat's "США") are rows of data/country_aliases.csv, each naming the publisher it comes from.
The table is built once, on the first lookup (a command that resolves no name never imports babel).

The same CLDR tables give the names *shown* with ``--lang`` (`display_name`): English (country_converter's
short name) by default, the CLDR territory name in one of `DISPLAY_LANGUAGES` otherwise. Codes CLDR has no
territory for (the former states SUN, YUG, CSK ...) keep their English name, never a guessed translation.
"""

from __future__ import annotations

import csv
import difflib
import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Literal

from sco_observatory.errors import AggregateNotCountryError, ObservatoryError, UnknownCountryError
from sco_observatory.limits import MAX_NAME_CHARS

Kind = Literal["country", "historical", "aggregate"]


@dataclass(frozen=True)
class Country:
    """A resolved entity. `iso3` is the ISO alpha-3 (or ISO 3166-3 / World Bank aggregate) code."""

    iso3: str
    name: str
    kind: Kind = "country"


# Locales whose CLDR territory names the resolver accepts: the SCO and Central Asian languages.
CLDR_LOCALES = ("ru", "zh", "zh_Hant", "kk", "uz", "uz_Cyrl", "ky", "tg", "fa", "hi", "ur")
ISO_CODES_LOCALES = ("ru", "zh_CN", "zh_TW", "kk", "uz", "ky", "tg", "fa", "hi", "ur")
# Languages names can be shown in (`--lang`, `Observatory(lang=)`): English and every CLDR locale above.
DISPLAY_LANGUAGES = ("en", *CLDR_LOCALES)
# Codes the project uses whose CLDR territory code pycountry's ISO 3166-1 table lacks.
_CLDR_EXTRA = {"XKX": "XK"}
CLDR_WORLD = "001"
CLDR_AGGREGATES = {"EU": "European Union", "EZ": "Euro Area", "UN": "United Nations"}

# Letters written interchangeably in these scripts: Uzbek Latin's okina/apostrophe variants, Russian ё/е
# (publishers drop the diaeresis) and the Arabic letters an Arabic keyboard types for Persian and Urdu
# ones (yeh ي/ى for ی, kaf ك for ک); folded alike in names and in lookups. The combining acute (stress
# mark, "Респу́блика") and the zero-width non-joiner of Persian spelling are dropped.
_FOLD = str.maketrans({"\u02bb": "'", "\u02bc": "'", "\u2018": "'", "\u2019": "'", "`": "'", "ё": "е", "\u0301": None,
                       "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u200c": None})


# Latin letters that look like Cyrillic ones, typed into Cyrillic names by publishers (Rosstat's
# "Китaй" has a Latin a): inside a name that has Cyrillic letters they are read as Cyrillic.
_LATIN_LOOKALIKES = str.maketrans("aeopcxyk", "аеорсхук")


def fold(text: str) -> str:
    """A name as it is compared: case, spacing and the script variants above folded (countries and
    organisation names alike)."""
    return _norm(text)


def _norm(text: str) -> str:
    folded = " ".join(str(text).strip().casefold().translate(_FOLD).split())
    if any("\u0400" <= ch <= "\u04ff" for ch in folded):
        folded = folded.translate(_LATIN_LOOKALIKES)
    return folded


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files("sco_observatory.data").joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def _historical() -> dict[str, Country]:
    """Exact (case-insensitive) names and codes of former states, from ISO 3166-3."""
    table: dict[str, Country] = {}
    for row in _read_csv("historical_entities.csv"):
        entity = Country(row["code"], row["name"], "historical")
        for key in [row["code"], row["name"], *row["aliases"].split(";")]:
            if key:
                table[_norm(key)] = entity
    return table


@lru_cache(maxsize=1)
def _aliases() -> dict[str, Country]:
    """Exact publisher spellings country_converter misses (e.g. the IMF's "..., Kingdom of the Netherlands")."""
    table: dict[str, Country] = {}
    for row in _read_csv("country_aliases.csv"):
        entity = Country(row["code"], row["name"].split(",")[0], row["kind"])
        table[_norm(row["name"])] = entity
        table.setdefault(_norm(row["code"]), entity)
    return table


@lru_cache(maxsize=1)
def _aggregates() -> dict[str, Country]:
    """World Bank aggregate codes and names, and the IMF's aggregate partner names."""
    table: dict[str, Country] = {}
    for row in _read_csv("aggregates.csv"):
        entity = Country(row["code"] or "", row["name"], "aggregate")
        table[_norm(row["name"])] = entity
        if row["code"]:
            table.setdefault(_norm(row["code"]), Country(row["code"], row["name"], "aggregate"))
    return table


def _iso_codes_names() -> list[tuple[str, str]]:
    """(normalised name, ISO3) from the iso-codes translations of ISO 3166-1 that pycountry ships."""
    import gettext

    import pycountry

    pairs = []
    for locale in ISO_CODES_LOCALES:
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
        except OSError:  # a pycountry build without this locale: CLDR still covers it
            continue
        for country in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                english = getattr(country, attr, None)
                if english:
                    translated = tr.gettext(english)
                    if translated != english:
                        pairs.append((_norm(translated), country.alpha_3))
    return pairs


@lru_cache(maxsize=1)
def _cldr() -> dict[str, Country]:
    """Names in the region's languages (CLDR, then iso-codes) -> Country; CLDR's regions as aggregates."""
    import pycountry
    from babel import Locale

    countries: dict[str, set[str]] = {}
    regions: dict[str, str] = {}
    for key, iso3 in _iso_codes_names():
        countries.setdefault(key, set()).add(iso3)
    for locale in CLDR_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            key = _norm(name)
            if code.isdigit() or code in CLDR_AGGREGATES:
                regions.setdefault(key, code)
                continue
            found = pycountry.countries.get(alpha_2=code)
            if found is not None:
                countries.setdefault(key, set()).add(found.alpha_3)
    table: dict[str, Country] = {}
    for key, code in regions.items():
        if code == CLDR_WORLD:
            table[key] = Country("WLD", "World", "aggregate")
        else:
            table[key] = Country("", CLDR_AGGREGATES.get(code, f"CLDR region {code}"), "aggregate")
    for key, isos in countries.items():  # a country name wins over a region spelt the same
        if len(isos) == 1:
            iso3 = isos.pop()
            table[key] = Country(iso3, _iso3_names().get(iso3, iso3), "country")
    return table


@lru_cache(maxsize=1)
def _converter():
    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    import country_converter as coco  # imported lazily: it costs ~0.4 s

    return coco.CountryConverter()


@lru_cache(maxsize=1)
def _iso3_names() -> dict[str, str]:
    data = _converter().data
    return dict(zip(data["ISO3"], data["name_short"]))


@lru_cache(maxsize=1)
def _known_labels() -> dict[str, str]:
    """Every name and code we know, for suggestions: label -> ISO3."""
    data = _converter().data
    labels: dict[str, str] = {}
    for col in ("name_short", "name_official", "ISO3", "ISO2"):
        for label, iso3 in zip(data[col], data["ISO3"]):
            if isinstance(label, str):
                labels[label] = iso3
    for entity in _historical().values():
        labels[entity.name] = entity.iso3
    return labels


def _is_numeric_code(text: str) -> bool:
    return text.isdigit() and len(text) <= 3


@lru_cache(maxsize=4096)
def lookup(text: str) -> Country | None:
    """Resolve a name or code to a Country (aggregates included), or None if nothing matches."""
    if text is None:
        return None
    known = _REMEMBERED_LOOKUPS.get(text)
    if known is not None:  # this exact text's answer, kept with the ledger cache (remember_lookups)
        return known
    if len(str(text)) > MAX_NAME_CHARS:  # country_converter's regexes are slow on long input
        return None
    key = _norm(text)
    if not key:
        return None
    if key in _historical():
        return _historical()[key]
    if key in _aggregates():
        return _aggregates()[key]
    if key in _aliases():
        return _aliases()[key]
    # Exact names in the region's languages before country_converter's English patterns, which
    # would read Uzbek "Nigeriya" as Niger and "Janubiy Sudan" as Sudan.
    if key in _cldr():
        return _cldr()[key]
    raw = str(text).strip()
    cc = _converter()
    if _is_numeric_code(raw):
        iso3 = cc.convert(str(int(raw)), src="ISOnumeric", to="ISO3", not_found=None)
    else:
        iso3 = cc.convert(raw, to="ISO3", not_found=None)
    if isinstance(iso3, str) and iso3 in _iso3_names():
        return Country(iso3, _iso3_names()[iso3], "country")
    head, sep, tail = raw.partition(", ")
    if sep and tail and "," not in tail and not raw.isascii():  # ISO 3166's inverted style: "Молдова, Республика"
        return lookup(f"{tail} {head}")
    return None


def suggestions(text: str, n: int = 3) -> list[str]:
    """The closest known names or codes to a string that did not resolve."""
    if len(str(text)) > MAX_NAME_CHARS:  # difflib is O(n·m) per label: no suggestion for oversize text
        return []
    labels = _known_labels()
    by_fold = {label.casefold(): label for label in labels}
    close = difflib.get_close_matches(_norm(text), list(by_fold), n=n, cutoff=0.6)
    return [f"{by_fold[c]} ({labels[by_fold[c]]})" for c in close]


def resolve(text: str, *, allow_aggregate: bool = False) -> Country:
    """Resolve one user-supplied name or code; raise a one-line error with suggestions otherwise."""
    if len(str(text)) > MAX_NAME_CHARS:
        raise UnknownCountryError(f"'{str(text)[:40]}…' is {len(str(text)):,} characters, too long for a country name",
                                  f"names are at most {MAX_NAME_CHARS} characters; use an ISO3 code, e.g. KAZ")
    found = lookup(text)
    if found is None:
        close = suggestions(str(text))
        hint = ("did you mean " + ", ".join(close) + "?") if close else (
            "use an English name, an ISO2/ISO3 code or an M49 number, e.g. KAZ or Kazakhstan"
        )
        raise UnknownCountryError(f"unknown country '{text}'", hint)
    if found.kind == "aggregate" and not allow_aggregate:
        raise AggregateNotCountryError(
            f"'{text}' is an aggregate ({found.name}), not a country",
            "name the countries, or use a group expression such as CA5 or SCO@2012",
        )
    return found


def resolve_many(values: Iterable[str]) -> dict[str, Country | None]:
    """Map each distinct value to its Country (None when unknown); importers call this once per file."""
    return {value: lookup(value) for value in set(values) if value is not None}


_REMEMBERED: dict[str, str] = {}
_REMEMBERED_LOOKUPS: dict[str, Country] = {}


def remember_lookups(found: dict[str, Country]) -> None:
    """What `lookup` answered earlier for these exact texts (the ledger's codes, kept by the ledger
    cache, kb/cache.py): a group expression naming ISO3 codes (IND, PAK...) then resolves without
    building the CLDR name table (babel, ~1.4 s) or loading country_converter (pandas)."""
    _REMEMBERED_LOOKUPS.update(found)


def remember_names(names: dict[str, str]) -> None:
    """Names `name_of` gave earlier for these codes (the ledger cache, kb/cache.py): answered from
    this table, so naming a group's members loads neither country_converter (pandas) nor babel."""
    _REMEMBERED.update(names)


def name_of(iso3: str) -> str:
    """English short name of an ISO3 (or historical/aggregate) code; the code itself if unknown."""
    known = _REMEMBERED.get(iso3)
    if known is not None:
        return known
    plain = _plain_iso3_name(iso3)
    if plain is not None:
        return plain
    found = lookup(iso3)
    return found.name if found else iso3


def _plain_iso3_name(code: str) -> str | None:
    """country_converter's short name of a plain upper-case ISO3 code (not a historical, aggregate or
    alias key), without building the CLDR index `lookup` consults first.

    Why: `lookup(code)` gives exactly this answer for every such code (tests/test_snapshot_fresh_open.py
    compares all of them), and the CLDR index (11 locales) is most of the time a cold ledger cache
    takes to name the ledger's ~260 codes — the first command on a fresh machine.
    """
    if not (len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()):
        return None
    key = _norm(code)
    if key in _historical() or key in _aggregates() or key in _aliases():
        return None
    return _iso3_names().get(code)


def iso3_to_numeric(iso3: str) -> int | None:
    """ISO 3166 numeric (M49) code of a country, for APIs such as UN Comtrade."""
    value = _converter().convert(iso3, src="ISO3", to="ISOnumeric", not_found=None)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class UnknownLanguageError(ObservatoryError):
    """A --lang value that is not one of DISPLAY_LANGUAGES."""


def check_language(lang: str | None) -> str | None:
    """The canonical form of a display language ('RU' -> 'ru', 'uz-cyrl' -> 'uz_Cyrl'); None or 'en' -> None.

    Raises UnknownLanguageError (one line, exit 2) naming the languages there are.
    """
    if lang is None:
        return None
    key = str(lang).strip().replace("-", "_").casefold()
    for known in DISPLAY_LANGUAGES:
        if known.casefold() == key:
            return None if known == "en" else known
    raise UnknownLanguageError(f"unknown language '{str(lang)[:40]}'",
                               "use one of: " + ", ".join(DISPLAY_LANGUAGES) + " (CLDR locale codes)")


@lru_cache(maxsize=16)
def _territories(lang: str) -> dict[str, str]:
    from babel import Locale

    return dict(Locale.parse(lang).territories)


@lru_cache(maxsize=8192)
def display_name(iso3: str, lang: str | None = None) -> str:
    """The name of a code to show in `lang` (a DISPLAY_LANGUAGES code; None = English).

    English: `name_of`. Another language: the CLDR territory name of the code's ISO 3166-1 alpha-2
    (babel's locale data), e.g. KAZ -> 'Казахстан' (ru), '哈萨克斯坦' (zh), 'Қазақстан' (kk). A code CLDR
    has no territory for keeps its English name.
    """
    lang = check_language(lang)
    if lang is None or not iso3:
        return name_of(iso3)
    import pycountry

    code = str(iso3).upper()
    found = pycountry.countries.get(alpha_3=code)
    alpha2 = _CLDR_EXTRA.get(code) or (found.alpha_2 if found is not None else None)
    name = _territories(lang).get(alpha2) if alpha2 else None
    return name or name_of(iso3)
