"""The SCO's 2010 admission criteria, evaluated for one country on one date.

``evaluate(country, org="SCO", as_of=...)`` returns one row per criterion of ``kb/data/criteria.yaml``
(Koldunova & Das Kundu 2014, citing Weitz 2011) with columns ``criterion, result, evidence, source``;
``result`` is ``pass``, ``fail`` or ``unknown``, never a guess. How each criterion is read
(docs/kb.md, "Admission criteria"):

- ``eurasia`` — the country's continent in the geography table (``geography.csv``: UN M49 via
  country_converter) is Asia or Europe. A code not in the table (SUN, YUG...) is ``unknown``.
- ``partner_status`` — the ledger gives the country observer, dialogue-partner (or, from 2025-09-01,
  the merged partner) status in the
  organisation on the date. A member fails it literally (it is no longer a candidate; the evidence says so).
- ``economic_ties`` — the country's goods trade with the organisation's members on the date, as a share
  of its trade with the world, is at least ``threshold`` (default 10 %):
  ``share = Σ_j (X_cj + X_jc) / (X_c + M_c)`` over members ``j ≠ c``, computed by
  :func:`sco_observatory.metrics.trade.group_shares` (METHODS §4.1) from the store's ``trade`` table on
  one flow basis (default ``reported``: exporter-reported FOB flows; IMF DOTS when imported). The year
  is the last complete calendar year on the date (the date's year if it is 31 December, else the year
  before); if the store lacks it, the latest of the ``trade_lag`` years before is used and named.
  No data: ``unknown``.
- ``no_un_sanctions`` — no country-level UN Security Council sanctions regime (``unsc_sanctions.yaml``)
  is in force on the date (``start <= D < end``). Targeted regimes (listed individuals, entities or a
  faction, e.g. the Taliban) are named in the evidence but do not fail the criterion. The table is
  checked for every country that has held a status in the organisation; for others: ``unknown``.
- ``no_interstate_conflict`` — no episode in ``interstate_conflicts.yaml`` with the country as a party
  has hostilities on the date (``first_day <= D <= last_day``), or within ``conflict_window`` years
  before it when that is > 0. A pass means "none in the table"; the table's gaps are in kb-todo.md. The
  table is compiled for countries with a status in the organisation; no episode for another country
  is ``unknown``.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Callable, Sequence

from sco_observatory.lazy import polars as pl

from sco_observatory.errors import (
    BadDateError,
    DataMissingError,
    KnowledgeBaseError,
    ObservatoryError,
    StoreError,
)
from sco_observatory.kb.model import Ledger, code_name, load_ledger, parse_user_date
from sco_observatory.kb.queries import STATUS_LABEL, members_as_of, organisation, resolve_country

__all__ = ["evaluate", "BadThresholdError", "DEFAULT_THRESHOLD", "EURASIA", "COLUMNS", "TradeShares"]

DEFAULT_THRESHOLD = 0.10
"""Default minimum share of the candidate's goods trade that is with the members (see docs/kb.md)."""
DEFAULT_TRADE_LAG = 3
EURASIA = ("Asia", "Europe")
COLUMNS = ("criterion", "result", "evidence", "source")
_BASIS_TEXT = {
    "reported": "exporter-reported flows (X_cj as reported by the candidate, X_jc as reported by each member)",
    "mirror": "importer-reported (mirror) flows",
    "best": "exporter-reported flows, mirror flows where the exporter does not report",
}


TradeShares = Callable[[Sequence[str], tuple[int, int], str], "pl.DataFrame"]
"""`(countries, (first, last), basis) -> frame` of :func:`sco_observatory.metrics.trade.group_shares`
(columns iso3, year, trade_share, export_share, import_share, partners_with_flows, valuation, source):
the candidate's goods-trade share with the other countries. The caller supplies it, so the ledger
package never opens a store or runs a metric itself."""


class BadThresholdError(ObservatoryError):
    """A trade-share threshold outside (0, 1]."""


def _check_threshold(threshold: float) -> float:
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise BadThresholdError(f"threshold '{threshold}' is not a number", "write a share such as 0.10 (or 10% on the command line)") from None
    if not 0 < value <= 1:
        raise BadThresholdError(f"threshold {threshold} is not a share between 0 and 1",
                                "write a share such as 0.10 (or 10% on the command line)")
    return value


def _day(as_of: Any) -> dt.date:
    day = dt.date.today() if as_of is None or as_of == "" else parse_user_date(as_of)
    today = dt.date.today()
    if day > today:
        raise BadDateError(f"date {day.isoformat()} is in the future", f"criteria are evaluated up to today ({today.isoformat()})")
    return day


def _row(criterion: str, result: str, evidence: str, source: str | None) -> dict[str, str | None]:
    return {"criterion": criterion, "result": result, "evidence": evidence, "source": source}


# ------------------------------------------------------------------------------------ criteria


def _eurasia(lg: Ledger, iso3: str, name: str) -> dict:
    place = lg.geography.get(iso3)
    if place is None:
        return _row("eurasia", "unknown", f"{name} ({iso3}) is not in the geography table (geography.csv)", None)
    ok = place.continent in EURASIA
    return _row("eurasia", "pass" if ok else "fail",
                f"{name}: {place.continent}, {place.un_subregion} (UN M49); Eurasia = {' or '.join(EURASIA)}",
                place.source)


def _partner_status(lg: Ledger, org_id: str, iso3: str, name: str, day: dt.date) -> dict:
    held = [m for m in lg.memberships if m.org == org_id and m.iso3 == iso3 and m.active_on(day)]
    if not held:
        past = sorted((m for m in lg.memberships if m.org == org_id and m.iso3 == iso3), key=lambda m: m.start.value)
        later = [m for m in past if m.start.value > day]
        extra = ""
        if later:
            m = later[0]
            extra = f"; becomes {STATUS_LABEL[m.status]} on {m.start.iso()}"
        return _row("partner_status", "fail", f"{name} holds no status in the {org_id} on {day.isoformat()}{extra}",
                    later[0].source if later else None)
    held.sort(key=lambda m: m.status == "applicant")  # an application runs beside the status held
    m = held[0]
    since = f"since {m.start.iso()}" + (" (year only)" if m.start.precision == "year" else "")
    if m.status in ("observer", "dialogue_partner", "partner"):  # partner: both merged, Tianjin 2025
        return _row("partner_status", "pass", f"{name}: {org_id} {STATUS_LABEL[m.status]} {since}", m.source)
    if m.status == "member":
        return _row("partner_status", "fail",
                    f"{name} is already an {org_id} member ({since}), no longer a candidate", m.source)
    return _row("partner_status", "fail", f"{name}: {org_id} {STATUS_LABEL[m.status]} {since}, not observer or dialogue partner",
                m.source)


def _reference_year(day: dt.date) -> int:
    """The last complete calendar year on `day`."""
    return day.year if (day.month, day.day) == (12, 31) else day.year - 1


def _economic_ties(org_id: str, iso3: str, name: str, day: dt.date, trade_shares: TradeShares | None,
                   threshold: float, basis: str, trade_lag: int, members: list[str]) -> dict:
    partners = [m for m in members if m != iso3]
    year = _reference_year(day)
    years = (year - trade_lag, year)
    span = f"{year}" if trade_lag == 0 else f"{years[0]}-{years[1]}"
    if len(partners) < 1:
        return _row("economic_ties", "unknown", f"{org_id} has no members other than {iso3} on {day.isoformat()}", None)
    if trade_shares is None:
        return _row("economic_ties", "unknown",
                    "no trade data given (the ledger holds none): evaluate with a store, "
                    "e.g. sco_observatory.open().criteria(country) or `sco criteria COUNTRY`", None)
    try:
        frame = trade_shares([iso3, *partners], years, basis)
    except DataMissingError as exc:
        return _row("economic_ties", "unknown",
                    f"no trade data in the store for {span}: {exc.message} ({exc.hint})", None)
    except StoreError as exc:
        return _row("economic_ties", "unknown", f"the store cannot be read: {exc.message}", None)
    mine = (frame.filter((pl.col("iso3") == iso3) & pl.col("trade_share").is_not_null())
            .sort("year", descending=True))
    if mine.height == 0:
        return _row("economic_ties", "unknown",
                    f"the store has no goods trade of {name} with the world and the {org_id} members for {span} "
                    f"(needs {iso3}'s totals with WLD and bilateral flows; basis {basis})", None)
    r = mine.row(0, named=True)
    share = r["trade_share"]
    result = "pass" if share >= threshold else "fail"
    lag = "" if r["year"] == year else f" (the latest year with data within the {trade_lag}-year window {span}; {year} is missing)"
    evidence = (
        f"{name}'s goods trade with the {len(partners)} other {org_id} members ({', '.join(partners)}) in "
        f"{r['year']}{lag}: {share:.1%} of its trade with the world "
        f"(exports {r['export_share']:.1%}, imports {r['import_share']:.1%}); "
        f"threshold {threshold:.0%}; {r['partners_with_flows']} of {len(partners)} members with flows; "
        f"flows: {_BASIS_TEXT.get(basis, basis)}, valuation {r['valuation']}; "
        "share = Σ(X_cj + X_jc)/(X_c + M_c)"
    )
    return _row("economic_ties", result, evidence, r["source"])


def _sanctions(lg: Ledger, org_id: str, iso3: str, name: str, day: dt.date) -> dict:
    entries = [s for s in lg.sanctions if s.iso3 == iso3]
    active = [s for s in entries if s.active_on(day)]
    country = [s for s in active if s.scope == "country"]
    targeted = [s for s in active if s.scope == "targeted"]
    if country:
        s = country[0]
        until = f"until {s.end.iso()}" if s.end else "in force"
        evidence = (f"{name} is under UN Security Council sanctions on {day.isoformat()}: {s.regime} "
                    f"(from {s.start.iso()}, {until})")
        return _row("no_un_sanctions", "fail", evidence, s.source)
    covered = bool(entries) or any(m.org == org_id and m.iso3 == iso3 for m in lg.memberships)
    if not covered:
        return _row("no_un_sanctions", "unknown",
                    f"the sanctions table (unsc_sanctions.yaml) has not been checked for {name} ({iso3}); "
                    f"it covers every country with an {org_id} status", None)
    evidence = f"no country-level UN Security Council sanctions regime concerns {name} on {day.isoformat()}"
    if targeted:
        names = "; ".join(f"{s.regime} (resolution {s.resolution})" for s in targeted)
        evidence += f"; targeted regime in force, not counted: {names}"
    past = [s for s in entries if s.scope == "country" and not s.active_on(day)]
    if past:
        evidence += "; other periods: " + "; ".join(
            f"{s.resolution} from {s.start.iso()}" + (f" to {s.end.iso()}" if s.end else "") for s in past)
    source = targeted[0].source if targeted else "un_sc_sanctions_regimes"
    return _row("no_un_sanctions", "pass", evidence, source)


def _window_start(day: dt.date, years: int) -> dt.date:
    if years <= 0:
        return day
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _conflicts(lg: Ledger, org_id: str, iso3: str, name: str, day: dt.date, window: int) -> dict:
    first = _window_start(day, window)
    hits = [c for c in lg.conflicts if iso3 in c.parties() and c.overlaps(first, day)]
    scope = f"on {day.isoformat()}" if window <= 0 else f"from {first.isoformat()} to {day.isoformat()} ({window}-year window)"
    if hits:
        parts = []
        for c in sorted(hits, key=lambda c: c.first_day.value):
            last = c.last_day.iso() if c.last_day else "ongoing"
            opp = ", ".join(f"{code_name(o)} ({o})" for o in c.opponents(iso3))
            parts.append(f"{c.name} with {opp}, {c.first_day.iso()} to {last} ({c.kind.replace('_', ' ')})")
        verb = "is" if window <= 0 else "was"
        return _row("no_interstate_conflict", "fail",
                    f"{name} {verb} in armed conflict with another state {scope}: " + "; ".join(parts), hits[0].source)
    covered = any(m.org == org_id and m.iso3 == iso3 for m in lg.memberships)
    if not covered:
        return _row("no_interstate_conflict", "unknown",
                    f"no episode of {name} {scope} in the conflict table, but the table has only been compiled "
                    f"for countries with an {org_id} status", None)
    n = len(lg.conflicts)
    return _row("no_interstate_conflict", "pass",
                f"no interstate armed conflict of {name} {scope} in the conflict table "
                f"({n} episodes; known gaps in docs/kb-todo.md)", None)


# ------------------------------------------------------------------------------------- evaluate


def evaluate(
    country: str,
    org: str = "SCO",
    as_of: dt.date | str | None = None,
    *,
    store=None,
    trade_shares: TradeShares | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    basis: str = "reported",
    conflict_window: int = 0,
    trade_lag: int = DEFAULT_TRADE_LAG,
    ledger: Ledger | None = None,
) -> pl.DataFrame:
    """Evaluate `org`'s admission criteria for `country` on `as_of` (default today).

    One row per criterion in ``criteria.yaml`` order, columns ``criterion, result, evidence, source``
    (``result`` in pass / fail / unknown; ``source`` a ledger source id or the store's trade source).
    The economic-ties criterion reads trade through `trade_shares` (see :data:`TradeShares`); `store`,
    an open :class:`~sco_observatory.store.Store`, is shorthand for
    ``trade_shares=partial(metrics.trade.group_shares, store, partial=True)`` (present flows: a lower
    bound of the share). With neither, that criterion is ``unknown`` (this function opens no store:
    :meth:`sco_observatory.Observatory.criteria` passes the observatory's);
    `threshold` the minimum trade share with the members (0-1); `basis` the flow basis of
    :mod:`sco_observatory.metrics.trade`; `conflict_window` years before the date that also count;
    `trade_lag` how many years before the reference year may stand in for a missing one.

    Raises UnknownCountryError, UnknownOrganisationError, BadDateError (unparseable, in the future, or
    before the organisation existed), KnowledgeBaseError (no criteria for `org`), BadThresholdError.
    """
    lg = ledger if ledger is not None else load_ledger()
    iso3, name = resolve_country(country)
    o = organisation(org, ledger=lg)
    day = _day(as_of)
    members = members_as_of(o.id, day, ledger=lg)["iso3"].to_list()  # BadDateError before founding
    wanted = [c for c in lg.criteria if c.org == o.id]
    if not wanted:
        have = sorted({c.org for c in lg.criteria})
        raise KnowledgeBaseError(f"the knowledge base holds no admission criteria for {o.id}",
                                 "criteria exist for: " + ", ".join(have))
    threshold = _check_threshold(threshold)
    from sco_observatory.metrics.trade import BASES  # the one definition of the flow bases

    if basis not in BASES:
        raise BadThresholdError(f"unknown flow basis '{basis}'", "use " + ", ".join(BASES))
    if int(conflict_window) < 0 or int(trade_lag) < 0:
        raise BadDateError("windows cannot be negative", "give a number of years >= 0")

    shares = trade_shares
    if shares is None and store is not None:
        from sco_observatory.metrics.trade import group_shares

        shares = functools.partial(group_shares, store, partial=True)
    rows = []
    for c in wanted:
        if c.id == "eurasia":
            rows.append(_eurasia(lg, iso3, name))
        elif c.id == "partner_status":
            rows.append(_partner_status(lg, o.id, iso3, name, day))
        elif c.id == "economic_ties":
            rows.append(_economic_ties(o.id, iso3, name, day, shares, threshold, basis, int(trade_lag), members))
        elif c.id == "no_un_sanctions":
            rows.append(_sanctions(lg, o.id, iso3, name, day))
        elif c.id == "no_interstate_conflict":
            rows.append(_conflicts(lg, o.id, iso3, name, day, int(conflict_window)))
        else:
            rows.append(_row(c.id, "unknown", f"no evaluation rule for criterion '{c.id}' ({c.text})", c.source))
    return pl.DataFrame(rows, schema={k: pl.Utf8 for k in COLUMNS})
