"""Library API over the knowledge-base ledger: as-of membership, histories, timelines, overlaps.

Every function reads the validated ledger (``model.load_ledger()``, cached) unless a ``ledger`` is
passed, and returns a polars DataFrame (or plain data for the graph). Dates in the output are ISO
strings; a year-only ledger date is shown as 'YYYY'.

As-of rule (docs/kb.md): a status is active on day D when ``start <= D < end`` (end null = ongoing).
A year-only date stands for 1 January of that year, so 'SCO observers on 2012-12-31' includes
Afghanistan (observer from "2012"). A year given *by a caller* ('2012') means 31 December of it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any, Sequence

from sco_observatory.lazy import polars as pl

from sco_observatory.errors import BadDateError, KnowledgeBaseError, UnknownCountryError, UnknownOrganisationError
from sco_observatory.kb.model import (
    DE_FACTO_STATES,
    STATUSES,
    DeFacto,
    Ledger,
    Membership,
    Organisation,
    code_name,
    is_known_code,
    load_ledger,
    parse_user_date,
)

__all__ = [
    "is_organisation",
    "organisation",
    "members_as_of",
    "members_notes",
    "history",
    "history_notes",
    "organisations",
    "timeline",
    "overlap",
    "bodies",
    "documents",
    "projects",
    "criteria",
    "sources",
    "membership_graph",
    "resolve_country",
]

STATUS_LABEL = {
    "member": "member",
    "observer": "observer",
    "dialogue_partner": "dialogue partner",
    "partner": "SCO partner",
    "associate": "associate member",
    "applicant": "applicant",
    "suspended": "suspended",
}


DE_FACTO_LABEL = {
    "frozen": "participation frozen",
    "inactive": "inactive",
    "exited": "exited in fact",
}


def _l(ledger: Ledger | None) -> Ledger:
    return ledger if ledger is not None else load_ledger()


def _iso(d) -> str | None:
    return d.iso() if d is not None else None


# ---------------------------------------------------------------------------------- organisations


def is_organisation(token: str, *, ledger: Ledger | None = None) -> bool:
    """True if `token` is an organisation id, name or alias (case-insensitive)."""
    return _l(ledger).org_id(token) is not None


def organisation(token: str, *, ledger: Ledger | None = None) -> Organisation:
    """The organisation for an id, name or alias; UnknownOrganisationError with suggestions otherwise."""
    lg = _l(ledger)
    oid = lg.org_id(token)
    if oid is None:
        pool = lg.tokens()
        by_fold = {t.casefold(): t for t in pool}
        close = difflib.get_close_matches(str(token).casefold(), list(by_fold), n=3, cutoff=0.5)
        names = [by_fold[c] for c in close]
        hint = ("did you mean " + ", ".join(names) + "?") if names else (
            "known organisations: " + ", ".join(sorted(lg.orgs))
        )
        raise UnknownOrganisationError(f"unknown organisation '{token}'", hint)
    return lg.orgs[oid]


def resolve_country(token: str) -> tuple[str, str]:
    """(iso3, name) for a country name or code, via the project resolver; historical codes allowed."""
    text = str(token).strip()
    if is_known_code(text.upper()) and len(text) == 3:
        return text.upper(), code_name(text.upper())
    try:
        from sco_observatory.countries import resolve
    except ImportError:  # pragma: no cover - the resolver ships with the package
        raise UnknownCountryError(f"unknown country '{token}'", "use an ISO3 code such as KAZ") from None
    found = resolve(text)
    return found.iso3, found.name


def _check_statuses(statuses: Sequence[str]) -> tuple[str, ...]:
    """Normalised status names; a de facto state (frozen, inactive, exited) is accepted too."""
    if isinstance(statuses, str):
        statuses = [statuses]
    known = (*STATUSES, *DE_FACTO_STATES)
    out = []
    for s in statuses:
        key = str(s).strip().lower().replace(" ", "_").replace("-", "_")
        if key not in known:
            close = difflib.get_close_matches(key, known, n=2)
            raise KnowledgeBaseError(
                f"unknown status '{s}'",
                ("did you mean " + ", ".join(close) + "?") if close else "statuses: " + ", ".join(known),
            )
        out.append(key)
    return tuple(out)


def _de_facto_on(lg: Ledger, org_id: str, iso3: str, day: dt.date) -> DeFacto | None:
    return next((d for d in lg.de_facto if d.org == org_id and d.iso3 == iso3 and d.active_on(day)), None)


def _de_facto_cell(d: DeFacto | None) -> str | None:
    return f"{d.state} since {d.start.iso()}" if d is not None else None


def _next_change(lg: Ledger, m: Membership, day: dt.date) -> str | None:
    """What happened after `day` to the status `m` (held on `day`), in date order: the next formal step,
    and a de facto state that began later. None while nothing has changed since.

    The ``until`` of a status is a date after the question; as-of answers show it here as what came
    next ("member from 2017-06-09"), never as part of the answer on `day`.
    """
    parts: list[tuple[dt.date, str]] = []
    o = lg.orgs[m.org]
    if m.end is not None:
        follow = [n for n in lg.memberships if n.org == m.org and n.iso3 == m.iso3 and n is not m
                  and n.start.value == m.end.value and (n.status == "applicant") == (m.status == "applicant")]
        if m.status == "applicant":
            member = [n for n in lg.memberships if n.org == m.org and n.iso3 == m.iso3
                      and n.status == "member" and n.start.value == m.end.value]
            text = f"member from {m.end.iso()}" if member else f"application ended {m.end.iso()}"
        elif follow:
            text = f"{follow[0].status} from {follow[0].start.iso()}"
        elif o.dissolved is not None and m.end.value == o.dissolved.value:
            text = f"{o.id} ended {m.end.iso()}" + (f" (succeeded by {o.successor})" if o.successor else "")
        else:
            text = f"left {m.end.iso()}"
        parts.append((m.end.value, text))
    if m.status != "applicant":
        later = sorted((d for d in lg.de_facto if d.org == m.org and d.iso3 == m.iso3 and d.start.value > day
                        and (m.end is None or d.start.value < m.end.value)), key=lambda d: d.start.value)
        if later:
            parts.append((later[0].start.value, f"de facto {later[0].state} from {later[0].start.iso()}"))
    return "; ".join(text for _, text in sorted(parts)) or None


def members_notes(
    org: str,
    as_of: dt.date | str,
    statuses: Sequence[str] = ("member",),
    *,
    ledger: Ledger | None = None,
) -> list[str]:
    """One-line notes that go with :func:`members_as_of` for the same question.

    - a merged status: asked for a status the organisation folded into another before `as_of`
      (SCO observer and dialogue partner into partner, Tianjin, 2025-09-01), the answer is empty and the
      note says so and names the new status;
    - an imprecise date: a status of the asked kinds starts or ends on a year-only date in the year of
      `as_of`, so whether it held on that day is not known (the ledger counts the year from 1 January).
    """
    lg = _l(ledger)
    o = organisation(org, ledger=lg)
    day = parse_user_date(as_of)
    wanted = _check_statuses(statuses)
    notes = []
    for mg in o.status_merges:
        hit = [s for s in wanted if s in mg.statuses]
        if hit and day >= mg.date.value:
            labels = " and ".join(STATUS_LABEL[s] for s in mg.statuses)
            notes.append(f"{o.id}: {labels} were merged into one status, {mg.into}, on {mg.date.iso()} "
                         f"({mg.decision}); no {'/'.join(hit)} from that day on - ask for {o.id}:{mg.into}")
    formal = set(wanted) & set(STATUSES)
    for m in lg.memberships:
        if m.org != o.id or (m.status not in formal and not set(wanted) & set(DE_FACTO_STATES)):
            continue
        for what, d in (("since", m.start), ("until", m.end)):
            if d is not None and d.precision == "year" and d.value.year == day.year:
                notes.append(f"{m.iso3} {o.id} {STATUS_LABEL[m.status]} {what} {d.iso()} (year only): "
                             f"whether it held on {day.isoformat()} is not known")
    return notes


def _check_exists(org: Organisation, day: dt.date) -> None:
    if org.founded is not None and day < org.founded.value:
        raise BadDateError(
            f"{org.id} did not exist on {day.isoformat()}: founded {org.founded.iso()}",
            f"ask for a date from {org.founded.iso()} on"
            + (f", or query its predecessor {org.predecessor}" if org.predecessor else ""),
        )
    if org.dissolved is not None and day >= org.dissolved.value:
        raise BadDateError(
            f"{org.id} no longer existed on {day.isoformat()}: dissolved {org.dissolved.iso()}",
            f"ask for a date before {org.dissolved.iso()}"
            + (f", or query its successor {org.successor}" if org.successor else ""),
        )


MEMBER_COLUMNS = ("iso3", "name", "status", "since", "de_facto", "next", "source")
"""The columns of `members_as_of` (all strings)."""


def members_as_of(
    org: str,
    as_of: dt.date | str,
    statuses: Sequence[str] = ("member",),
    *,
    ledger: Ledger | None = None,
) -> pl.DataFrame:
    """Countries holding one of `statuses` in `org` on `as_of`.

    Columns ``iso3, name, status, since, de_facto, next, source``: the formal status held on the date
    and since when; ``de_facto`` the de facto state on the date (e.g. ``frozen since 2024-02-22``), null if
    none; ``next`` what happened after the date (``member from 2017-06-09``, ``left 2009-08-18``), null
    while nothing has. A de facto state among `statuses` (frozen, inactive, exited) selects the countries
    in that state, with their formal status. Statuses in a sub-body (``body:``) are not included. Notes
    on the answer (a merged status, a year-only date): :func:`members_notes`. Raises BadDateError when
    the organisation did not exist on that date and UnknownOrganisationError for an unknown id.
    """
    rows = member_rows(org, as_of, statuses, ledger=ledger)
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in MEMBER_COLUMNS}, orient="row")


def member_rows(
    org: str,
    as_of: dt.date | str,
    statuses: Sequence[str] = ("member",),
    *,
    ledger: Ledger | None = None,
) -> list[tuple[str | None, ...]]:
    """:func:`members_as_of` as plain tuples (MEMBER_COLUMNS), in its order: by the rank of the status
    in `statuses`, then ISO3. Why apart: `sco members` prints these without building a frame (no polars
    in a ledger command, benchmarks/README.md "Start-up")."""
    lg = _l(ledger)
    o = organisation(org, ledger=lg)
    day = parse_user_date(as_of)
    wanted = _check_statuses(statuses)
    _check_exists(o, day)
    order = {s: i for i, s in enumerate(wanted)}
    keyed = []
    for m in lg.memberships:
        if m.org != o.id or not m.active_on(day):
            continue
        d = _de_facto_on(lg, o.id, m.iso3, day) if m.status != "applicant" else None
        if m.status in wanted:
            key = m.status
        elif d is not None and d.state in wanted:
            key = d.state
        else:
            continue
        row = (m.iso3, code_name(m.iso3), m.status, m.start.iso(), _de_facto_cell(d), _next_change(lg, m, day),
               m.source if d is None else f"{m.source};{d.source}")
        keyed.append((order.get(key, 99), m.iso3, len(keyed), row))
    keyed.sort(key=lambda k: k[:3])  # stable, as the frame's sort was: equal (rank, iso3) keep ledger order
    return [k[3] for k in keyed]


def _events_cell(m: Membership) -> str | None:
    return "; ".join(f"{e.event} {e.date.iso()} ({e.source})" for e in m.events) or None


def _membership_frame(rows: list[Membership], de_facto: list[DeFacto] = ()) -> pl.DataFrame:
    """Formal statuses (``kind`` formal, or ``sub-body: NAME``) and de facto states (``kind`` de facto)."""
    out = [
        {
            "org": m.org,
            "iso3": m.iso3,
            "name": code_name(m.iso3),
            "kind": "formal" if m.body is None else f"sub-body: {m.body}",
            "status": m.status,
            "since": m.start.iso(),
            "until": _iso(m.end),
            "since_is_attested_only": m.start_attested,
            "events": _events_cell(m),
            "source": m.source,
            "note": m.note,
            "_start": m.start.value,
        }
        for m in rows
    ]
    out += [
        {
            "org": d.org, "iso3": d.iso3, "name": code_name(d.iso3), "kind": "de facto", "status": d.state,
            "since": d.start.iso(), "until": _iso(d.end), "since_is_attested_only": False, "events": None,
            "source": d.source, "note": d.note, "_start": d.start.value,
        }
        for d in de_facto
    ]
    return pl.DataFrame(
        out,
        schema={
            "org": pl.Utf8, "iso3": pl.Utf8, "name": pl.Utf8, "kind": pl.Utf8, "status": pl.Utf8,
            "since": pl.Utf8, "until": pl.Utf8, "since_is_attested_only": pl.Boolean, "events": pl.Utf8,
            "source": pl.Utf8, "note": pl.Utf8, "_start": pl.Date,
        },
    )


def history(iso3: str, *, ledger: Ledger | None = None) -> pl.DataFrame:
    """Every status of a country in date order.

    Columns ``org, org_name, status, since, until, kind, since_is_attested_only, events, source, note``.
    ``kind`` is ``formal`` (the status in law), ``de facto`` (frozen, inactive, exited: shown beside the
    formal status, which stays) or ``sub-body: NAME`` (e.g. observer in the CSTO Parliamentary Assembly).
    ``events`` lists a status's second dated steps (memorandum signed, treaty in force).
    """
    lg = _l(ledger)
    code, _ = resolve_country(iso3)
    rows = [m for m in [*lg.memberships, *lg.body_statuses] if m.iso3 == code]
    facts = [d for d in lg.de_facto if d.iso3 == code]
    df = _membership_frame(rows, facts).sort(["_start", "org"]).drop("_start")
    names = {o.id: o.name for o in lg.orgs.values()}
    return df.with_columns(pl.col("org").replace_strict(names, default=None).alias("org_name")).select(
        "org", "org_name", "status", "since", "until", "kind", "since_is_attested_only", "events", "source", "note"
    )


def history_notes(iso3: str, *, ledger: Ledger | None = None) -> list[str]:
    """One-line notes for :func:`history`: a status of the country that its organisation merged into
    another (the SCO's observer and dialogue partner into partner on 2025-09-01)."""
    lg = _l(ledger)
    code, _ = resolve_country(iso3)
    notes = []
    for o in lg.orgs.values():
        for mg in o.status_merges:
            held = [m for m in lg.memberships if m.org == o.id and m.iso3 == code and m.status in mg.statuses
                    and m.end is not None and m.end.value == mg.date.value]
            if held:
                labels = " and ".join(STATUS_LABEL[s] for s in mg.statuses)
                notes.append(f"{o.id}: {labels} were merged into one status, {mg.into}, on {mg.date.iso()} "
                             f"({mg.decision}); {code}'s {STATUS_LABEL[held[0].status]} status became "
                             f"{mg.into} that day")
    return notes


ORG_COLUMNS = ("id", "name", "kind", "founded", "dissolved", "predecessor", "successor", "aliases", "names",
               "dating_rule", "source")
"""The columns of :func:`organisations` (all strings)."""


def organisations(*, ledger: Ledger | None = None) -> pl.DataFrame:
    """One row per organisation: ``id, name, kind, founded, dissolved, predecessor, successor, aliases, names,
    dating_rule, source`` (``names``: official names in other languages; ``dating_rule``: which decision
    dates a status in it, docs/kb.md)."""
    return pl.DataFrame(organisation_rows(ledger=ledger), schema={k: pl.Utf8 for k in ORG_COLUMNS}, orient="row")


def organisation_rows(*, ledger: Ledger | None = None) -> list[tuple[str | None, ...]]:
    """:func:`organisations` as tuples of ORG_COLUMNS (`sco orgs` prints them without a frame)."""
    lg = _l(ledger)
    return [
        (o.id, o.name, o.kind, _iso(o.founded), _iso(o.dissolved), o.predecessor, o.successor, "; ".join(o.aliases),
         "; ".join(f"{n.lang}: {n.name}" + (f" ({n.short})" if n.short else "") for n in o.names), o.dating_rule,
         o.source)
        for o in lg.orgs.values()
    ]


def timeline(org: str, *, ledger: Ledger | None = None) -> pl.DataFrame:
    """All status changes of an organisation in date order: ``date, iso3, name, event, status, source``."""
    lg = _l(ledger)
    o = organisation(org, ledger=lg)
    rows = [m for m in lg.memberships if m.org == o.id]
    by_country: dict[str, list[Membership]] = {}
    for m in rows:
        by_country.setdefault(m.iso3, []).append(m)
    events: list[dict[str, Any]] = []
    if o.founded is not None:
        events.append({"_d": o.founded.value, "_k": 0, "date": o.founded.iso(), "iso3": None, "name": None,
                       "event": f"{o.id} founded", "status": None, "source": o.source})
    for mg in o.status_merges:
        labels = " and ".join(STATUS_LABEL[s] for s in mg.statuses)
        events.append({"_d": mg.date.value, "_k": 0, "date": mg.date.iso(), "iso3": None, "name": None,
                       "event": f"{labels} merged into {STATUS_LABEL[mg.into]} ({mg.decision})",
                       "status": None, "source": mg.source})
    for code, all_ms in by_country.items():
        all_ms.sort(key=lambda m: m.start.value)
        for m in all_ms:
            for ev in m.events:
                events.append({"_d": ev.date.value, "_k": 1, "date": ev.date.iso(), "iso3": code,
                               "name": code_name(code), "event": f"{ev.event} ({STATUS_LABEL[m.status]})",
                               "status": m.status, "source": ev.source})
            if m.status == "applicant":
                events.append({"_d": m.start.value, "_k": 1, "date": m.start.iso(), "iso3": code,
                               "name": code_name(code), "event": "applied for membership", "status": m.status,
                               "source": m.source})
                member_next = any(n.status == "member" and m.end is not None and n.start.value == m.end.value
                                  for n in all_ms)
                if m.end is not None and not member_next:
                    events.append({"_d": m.end.value, "_k": 2, "date": m.end.iso(), "iso3": code,
                                   "name": code_name(code), "event": "application ended", "status": None,
                                   "source": m.source})
        for d in lg.de_facto:
            if d.org == o.id and d.iso3 == code:
                events.append({"_d": d.start.value, "_k": 1, "date": d.start.iso(), "iso3": code,
                               "name": code_name(code), "event": f"de facto: {DE_FACTO_LABEL[d.state]} "
                               "(formal status unchanged)", "status": d.state, "source": d.source})
                if d.end is not None:
                    events.append({"_d": d.end.value, "_k": 1, "date": d.end.iso(), "iso3": code,
                                   "name": code_name(code), "event": f"de facto: no longer {DE_FACTO_LABEL[d.state]}",
                                   "status": None, "source": d.source})
        ms = [m for m in all_ms if m.status != "applicant"]
        for i, m in enumerate(ms):
            prev = ms[i - 1] if i > 0 and ms[i - 1].end is not None and ms[i - 1].end.value == m.start.value else None
            label = STATUS_LABEL[m.status]
            if prev is None:
                event = ("joined as " + label) if m.status != "suspended" else "suspended"
                if m.start_attested:
                    event += " (attested on this date; joined earlier)"
            elif m.status == "suspended":
                event = f"suspended (was {STATUS_LABEL[prev.status]})"
            elif prev.status == "suspended":
                event = f"restored as {label}"
            elif any(mg.date.value == m.start.value and prev.status in mg.statuses and m.status == mg.into
                     for mg in o.status_merges):
                # the organisation folded the old status into the new one: not an upgrade of this country
                event = f"status merged into {label} (was {STATUS_LABEL[prev.status]})"
            else:
                event = f"became {label} (was {STATUS_LABEL[prev.status]})"
            events.append({"_d": m.start.value, "_k": 1, "date": m.start.iso(), "iso3": code,
                           "name": code_name(code), "event": event, "status": m.status, "source": m.source})
            nxt = ms[i + 1] if i + 1 < len(ms) else None
            if m.end is not None and not (nxt is not None and nxt.start.value == m.end.value):
                if o.dissolved is not None and m.end.value == o.dissolved.value:
                    event = f"{label} until {o.id} ended"
                else:
                    event = f"left ({label})"
                events.append({"_d": m.end.value, "_k": 2, "date": m.end.iso(), "iso3": code,
                               "name": code_name(code), "event": event, "status": None, "source": m.source})
    if o.dissolved is not None:
        successor = f" (succeeded by {o.successor})" if o.successor else ""
        events.append({"_d": o.dissolved.value, "_k": 3, "date": o.dissolved.iso(), "iso3": None, "name": None,
                       "event": f"{o.id} dissolved{successor}", "status": None, "source": o.source})
    schema = {"_d": pl.Date, "_k": pl.Int64, "date": pl.Utf8, "iso3": pl.Utf8, "name": pl.Utf8,
              "event": pl.Utf8, "status": pl.Utf8, "source": pl.Utf8}
    return pl.DataFrame(events, schema=schema).sort(["_d", "_k", "iso3"], nulls_last=False).drop("_d", "_k")


def overlap(
    as_of: dt.date | str | None = None,
    countries: list[str] | None = None,
    *,
    orgs: list[str] | None = None,
    ledger: Ledger | None = None,
) -> pl.DataFrame:
    """Country x organisation matrix of statuses on `as_of` (default today), wide: one column per org.

    Rows: the given countries (names or codes), or every country holding some status that day.
    Columns: ``iso3, name`` then one column per organisation that existed that day (or `orgs`), holding
    the status or null; a de facto state follows in brackets (``member (de facto frozen)``) and an
    application beside another status is added (``observer + applicant``).
    """
    lg = _l(ledger)
    day = parse_user_date(as_of) if as_of is not None else dt.date.today()
    if orgs:
        org_ids = [organisation(t, ledger=lg).id for t in orgs]
    else:
        org_ids = [
            o.id for o in lg.orgs.values()
            if (o.founded is None or o.founded.value <= day) and (o.dissolved is None or day < o.dissolved.value)
        ]
    active = [m for m in lg.memberships if m.org in org_ids and m.active_on(day)]
    # an application beside an observer/partner status: the cell shows the held status first
    active.sort(key=lambda m: m.status == "applicant")
    if countries:
        codes = []
        for c in countries:
            code, _ = resolve_country(c)
            if code not in codes:
                codes.append(code)
    else:
        codes = sorted({m.iso3 for m in active})
    cell: dict[tuple[str, str], str] = {}
    for m in active:
        key = (m.iso3, m.org)
        if key in cell:
            cell[key] += f" + {m.status}"
            continue
        d = _de_facto_on(lg, m.org, m.iso3, day) if m.status != "applicant" else None
        cell[key] = m.status + (f" (de facto {d.state})" if d is not None else "")
    used_orgs = [oid for oid in org_ids if orgs or any(m.org == oid for m in active)]
    data = {"iso3": codes, "name": [code_name(c) for c in codes]}
    for oid in used_orgs:
        data[oid] = [cell.get((c, oid)) for c in codes]
    schema = {"iso3": pl.Utf8, "name": pl.Utf8, **{oid: pl.Utf8 for oid in used_orgs}}
    return pl.DataFrame(data, schema=schema)


# ----------------------------------------------------------------------------------- other tables


def bodies(*, ledger: Ledger | None = None) -> pl.DataFrame:
    """SCO bodies with seats and dates: ``id, org, name, kind, seat, seat_iso3, start, end, source, note``."""
    return pl.DataFrame(
        [
            {"id": b.id, "org": b.org, "name": b.name, "kind": b.kind, "seat": b.seat, "seat_iso3": b.seat_iso3,
             "start": _iso(b.start), "end": _iso(b.end), "source": b.source, "note": b.note}
            for b in _l(ledger).bodies
        ],
        schema={k: pl.Utf8 for k in ["id", "org", "name", "kind", "seat", "seat_iso3", "start", "end", "source", "note"]},
    )


def documents(*, ledger: Ledger | None = None) -> pl.DataFrame:
    """Basic documents in date order: ``id, org, title, kind, date, in_force, place, source``."""
    docs = sorted(_l(ledger).documents, key=lambda d: d.date.value)
    return pl.DataFrame(
        [
            {"id": d.id, "org": d.org, "title": d.title, "kind": d.kind, "date": d.date.iso(),
             "in_force": _iso(d.in_force), "place": d.place, "source": d.source}
            for d in docs
        ],
        schema={k: pl.Utf8 for k in ["id", "org", "title", "kind", "date", "in_force", "place", "source"]},
    )


def projects(*, ledger: Ledger | None = None) -> pl.DataFrame:
    """Projects: ``id, name, kind, participants (';'-joined iso3), start, end, status, capacity, investment_usd, source, note``."""
    return pl.DataFrame(
        [
            {"id": p.id, "name": p.name, "kind": p.kind, "participants": ";".join(p.participants),
             "start": _iso(p.start), "end": _iso(p.end), "status": p.status, "capacity": p.capacity,
             "investment_usd": p.investment_usd, "source": p.source, "note": p.note}
            for p in _l(ledger).projects
        ],
        schema={"id": pl.Utf8, "name": pl.Utf8, "kind": pl.Utf8, "participants": pl.Utf8, "start": pl.Utf8,
                "end": pl.Utf8, "status": pl.Utf8, "capacity": pl.Utf8, "investment_usd": pl.Float64,
                "source": pl.Utf8, "note": pl.Utf8},
    )


def criteria(org: str = "SCO", *, ledger: Ledger | None = None) -> pl.DataFrame:
    """Admission criteria of an organisation: ``id, org, adopted, criterion, check, source``."""
    lg = _l(ledger)
    oid = organisation(org, ledger=lg).id
    return pl.DataFrame(
        [
            {"id": c.id, "org": c.org, "adopted": c.adopted.iso(), "criterion": c.text, "check": c.check,
             "source": c.source}
            for c in lg.criteria if c.org == oid
        ],
        schema={k: pl.Utf8 for k in ["id", "org", "adopted", "criterion", "check", "source"]},
    )


def sources(*, ledger: Ledger | None = None) -> pl.DataFrame:
    """The ledger's sources: ``id, title, publisher, date, kind, url, citation``."""
    return pl.DataFrame(
        [
            {"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date.iso(), "kind": s.kind,
             "url": s.url, "citation": s.citation}
            for s in _l(ledger).sources.values()
        ],
        schema={k: pl.Utf8 for k in ["id", "title", "publisher", "date", "kind", "url", "citation"]},
    )


def membership_graph(as_of: dt.date | str | None = None, *, ledger: Ledger | None = None) -> dict[str, Any]:
    """Countries and organisations as nodes, active statuses as edges, as JSON-able plain data.

    ``{"as_of": "YYYY-MM-DD", "nodes": [{"id", "type": "country"|"organisation", "label"}],
    "edges": [{"source": iso3, "target": org, "status", "since", "source_id"}]}``.
    """
    lg = _l(ledger)
    day = parse_user_date(as_of) if as_of is not None else dt.date.today()
    active = [m for m in lg.memberships if m.active_on(day)]
    org_ids = sorted({m.org for m in active})
    codes = sorted({m.iso3 for m in active})
    nodes = [{"id": oid, "type": "organisation", "label": lg.orgs[oid].name} for oid in org_ids]
    nodes += [{"id": c, "type": "country", "label": code_name(c)} for c in codes]
    edges = [
        {"source": m.iso3, "target": m.org, "status": m.status, "since": m.start.iso(), "source_id": m.source}
        for m in sorted(active, key=lambda m: (m.org, m.iso3))
    ]
    return {"as_of": day.isoformat(), "nodes": nodes, "edges": edges}
