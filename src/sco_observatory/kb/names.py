"""Names to show in another language (``--lang``): countries, organisations and status words.

Why a module of its own: the ledger's frames carry English names (``name``, ``org_name``) and status
codes; a reader of Russian or Chinese asks for the same rows with names in that language, and the CLI,
the library (``Observatory(lang=)``) and the report must give the same words. One function per kind:

- a country: the CLDR territory name in that language (``countries.display_name``, babel's data);
- an organisation: its name in ``organisations.yaml`` ``names:`` for that language (each entry cites
  its source), else the English name;
- a status word: the organisation's own word in ``status_names:`` (e.g. the SCO Charter's
  "наблюдатель", the SCO observer regulation's "观察员"), else the English word.

Nothing is translated by hand or guessed: what no source gives stays English. Codes (iso3, org ids,
status codes) are never translated, since expressions, joins and the API key on them.
"""

from __future__ import annotations

from typing import Sequence

from sco_observatory.lazy import polars as pl

from sco_observatory.countries import check_language, display_name
from sco_observatory.kb.model import Ledger, load_ledger

# English status words (the report's and the charts' words), keyed by status code.
STATUS_WORDS_EN: dict[str, str] = {
    "member": "member", "observer": "observer", "dialogue_partner": "dialogue partner", "partner": "partner",
    "associate": "associate", "applicant": "applicant", "suspended": "suspended",
}


def _l(ledger: Ledger | None) -> Ledger:
    return ledger if ledger is not None else load_ledger()


def org_name(org: str, lang: str | None = None, *, ledger: Ledger | None = None) -> str:
    """The organisation's name in `lang` (its sourced ``names:`` entry), else its English name.

    The match is exact on the language code (``zh`` is simplified Chinese, ``zh_Hant`` traditional,
    ``uz`` Uzbek Latin, ``uz_Cyrl`` Uzbek Cyrillic): a name in another script is never shown instead.
    """
    lg = _l(ledger)
    oid = lg.org_id(org) or org
    o = lg.orgs.get(oid)
    if o is None:
        return org
    lang = check_language(lang)
    if lang is None:
        return o.name
    return next((n.name for n in o.names if n.lang == lang), o.name)


def status_word(status: str | None, lang: str | None = None, org: str = "SCO", *,
                ledger: Ledger | None = None) -> str:
    """The word for a status in `lang`, as `org`'s own texts write it (``status_names:``), else English."""
    if not status:
        return ""
    english = STATUS_WORDS_EN.get(status, status.replace("_", " "))
    lang = check_language(lang)
    if lang is None:
        return english
    o = _l(ledger).orgs.get(org)
    if o is None:
        return english
    return next((s.name for s in o.status_names if s.status == status and s.lang == lang), english)


def localise(frame: pl.DataFrame, lang: str | None, *, ledger: Ledger | None = None) -> pl.DataFrame:
    """The same frame with its name columns in `lang`: ``name`` from ``iso3`` (CLDR) and ``org_name`` from
    ``org`` (the ledger's sourced names). Other columns, codes included, are untouched; `lang` None or
    'en' returns the frame as it is.
    """
    lang = check_language(lang)
    if lang is None or frame.height == 0:
        return frame
    out = frame
    if "name" in out.columns and "iso3" in out.columns:
        out = out.with_columns(pl.Series("name", [_country_name(c, n, lang) for c, n in
                                                   zip(out["iso3"].to_list(), out["name"].to_list())],
                                         dtype=pl.Utf8))
    if "org_name" in out.columns and "org" in out.columns:
        lg = _l(ledger)
        out = out.with_columns(pl.Series("org_name", [org_name(o, lang, ledger=lg) if o else n for o, n in
                                                       zip(out["org"].to_list(), out["org_name"].to_list())],
                                         dtype=pl.Utf8))
    return out


def _country_name(iso3: str | None, english: str | None, lang: str) -> str | None:
    """A ``name`` cell in `lang` (CLDR, from the row's ISO3); a row without a code keeps its name."""
    return display_name(iso3, lang) if iso3 else english


def localise_rows(columns: Sequence[str], rows: list[tuple], lang: str | None) -> list[tuple]:
    """:func:`localise` for plain rows of `columns` (``name`` from ``iso3``), without a frame: what
    `sco members` prints (no polars in a ledger command)."""
    lang = check_language(lang)
    if lang is None or "name" not in columns or "iso3" not in columns:
        return rows
    at, code = list(columns).index("name"), list(columns).index("iso3")
    return [row[:at] + (_country_name(row[code], row[at], lang),) + row[at + 1:] for row in rows]


def with_names(frame: pl.DataFrame, lang: str | None) -> pl.DataFrame:
    """A frame keyed by ``iso3`` but without names (``power``): a ``name`` column in `lang` after ``iso3``.

    Only when a language is asked for, so the English frames keep their columns.
    """
    lang = check_language(lang)
    if lang is None or "iso3" not in frame.columns or "name" in frame.columns:
        return localise(frame, lang)
    names = pl.Series("name", [display_name(c, lang) if c else None for c in frame["iso3"].to_list()], dtype=pl.Utf8)
    cols = frame.columns
    at = cols.index("iso3") + 1
    return frame.with_columns(names).select([*cols[:at], "name", *cols[at:]])


def graph_labels(graph: dict, lang: str | None, *, ledger: Ledger | None = None) -> dict:
    """A membership graph (``membership_graph``) with its node labels in `lang`."""
    lang = check_language(lang)
    if lang is None:
        return graph
    lg = _l(ledger)
    nodes = [{**n, "label": org_name(n["id"], lang, ledger=lg) if n["type"] == "organisation"
              else display_name(n["id"], lang)} for n in graph["nodes"]]
    return {**graph, "nodes": nodes}
