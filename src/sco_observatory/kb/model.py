"""The knowledge-base ledger: pydantic models, the loader and the checks run on every load.

The ledger is a set of human-edited YAML files in ``kb/data/`` (sources, organisations, memberships,
de facto states, bodies, documents, projects, criteria) plus the tables the admission criteria read: UN Security Council
sanctions regimes (``unsc_sanctions.yaml``), interstate armed conflicts (``interstate_conflicts.yaml``)
and a geography table (``geography.csv``, UN M49 regions). ``load_ledger()`` reads them, validates every entry and the
references between files, and returns a :class:`Ledger`. A broken ledger raises
:class:`~sco_observatory.errors.KnowledgeBaseError` whose message names the file and the entry.

Dates are written ``"YYYY-MM-DD"`` (day precision) or ``"YYYY"`` (year precision). A year-only date is
stored as 1 January of that year with ``precision="year"``; see docs/kb.md for the as-of rule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from sco_observatory.errors import BadDateError, KnowledgeBaseError

Precision = Literal["day", "year"]
Status = Literal["member", "observer", "dialogue_partner", "partner", "associate", "applicant", "suspended"]
STATUSES: tuple[str, ...] = (
    "member", "observer", "dialogue_partner", "partner", "associate", "applicant", "suspended",
)
# An application runs beside the status a country already holds; it may overlap these (and only these).
PARALLEL_TO_APPLICATION: frozenset[str] = frozenset({"observer", "dialogue_partner", "partner"})
# What a country does, where it differs from its formal status (de_facto.yaml): the formal status stays.
DeFactoState = Literal["frozen", "inactive", "exited"]
DE_FACTO_STATES: tuple[str, ...] = ("frozen", "inactive", "exited")
SourceKind = Literal[
    "treaty", "declaration", "official_statement", "report", "dataset", "news", "encyclopedia"
]

FILES = (
    "sources.yaml",
    "organisations.yaml",
    "memberships.yaml",
    "de_facto.yaml",
    "bodies.yaml",
    "documents.yaml",
    "projects.yaml",
    "criteria.yaml",
    "unsc_sanctions.yaml",
    "interstate_conflicts.yaml",
    "geography.csv",
)

# Codes that are not (or no longer) ISO 3166-1 but are used on purpose. ISO 3166-3 codes of former
# states (SUN, YUG, CSK, DDR) come from pycountry.historic_countries.
EXTRA_CODES = {"XKX": "Kosovo"}

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True, order=True)
class KBDate:
    """A ledger date: the first day it stands for, and its precision."""

    value: dt.date
    precision: Precision = "day"

    def iso(self) -> str:
        """'YYYY-MM-DD', or 'YYYY' for a year-only date."""
        return str(self.value.year) if self.precision == "year" else self.value.isoformat()


def parse_kb_date(raw: Any) -> KBDate | None:
    """Parse a ledger date ("YYYY-MM-DD", "YYYY", a YAML date or an int year); None stays None."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        return KBDate(raw.date(), "day")
    if isinstance(raw, dt.date):
        return KBDate(raw, "day")
    if isinstance(raw, int) and 1000 <= raw <= 9999:
        return KBDate(dt.date(raw, 1, 1), "year")
    text = str(raw).strip()
    try:
        if _DAY.match(text):
            return KBDate(dt.date.fromisoformat(text), "day")
        if _YEAR.match(text):
            return KBDate(dt.date(int(text), 1, 1), "year")
    except ValueError:
        pass
    raise BadDateError(
        f"'{raw}' is not a date", "write YYYY-MM-DD (a day) or YYYY (a year), e.g. 2017-06-09"
    )


def parse_user_date(raw: Any) -> dt.date:
    """A date given by a user or a caller: a date, 'YYYY-MM-DD', or 'YYYY' (read as 31 December)."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    if _YEAR.match(text):
        return dt.date(int(text), 12, 31)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadDateError(
            f"'{raw}' is not a date", "write YYYY-MM-DD or YYYY (a year means 31 December), e.g. 2012-12-31"
        ) from None


def _date_field(value: Any) -> KBDate | None:
    try:
        return parse_kb_date(value)
    except BadDateError as exc:
        raise ValueError(exc.message) from None


Day = Annotated[KBDate, BeforeValidator(_date_field)]
MaybeDay = Annotated[KBDate | None, BeforeValidator(_date_field)]


class _Entry(BaseModel):
    # defer_build: a validator is built on the first validation, not at import, so a process that
    # reads the ledger from its cache (kb/cache.py) never pays for building them.
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True)


class Source(_Entry):
    id: str
    title: str
    publisher: str
    date: Day
    url: str | None = None
    kind: SourceKind
    citation: str | None = None
    note: str | None = None



class _Sourced(_Entry):
    """A ledger fact: it cites one source (and maybe more) and may carry a note."""

    source: str
    extra_sources: list[str] = []
    note: str | None = None
    # False: the fact could not be re-checked against its cited source offline (docs/kb-changes.md,
    # "Not re-checked offline"); None: not flagged.
    verified: bool | None = None


class OfficialName(_Entry):
    """The organisation's name in one language, as its own charter or site writes it (``source``)."""

    lang: str  # ISO 639-1 code: ru, zh, kk, ky, uz, tg, tk, tr ...
    name: str
    short: str | None = None  # the official abbreviation in that language (ШОС, ОДКБ, ШЫҰ ...)
    source: str


class StatusName(_Entry):
    """What the organisation's own texts call one of its statuses in one language (``source``).

    Shown instead of the English status word with ``--lang`` (the report's membership tables); a status
    without a sourced word in that language stays in English.
    """

    status: Status
    lang: str
    name: str
    source: str
    note: str | None = None


class StatusMerge(_Entry):
    """A decision of the organisation that folded several statuses into one on a date.

    From ``date`` on, a question for one of ``statuses`` has an empty answer and a note naming ``into``.
    """

    date: Day
    statuses: list[Status]
    into: Status
    decision: str
    source: str


class Organisation(_Sourced):
    id: str
    name: str
    aliases: list[str] = []
    names: list[OfficialName] = []
    status_names: list[StatusName] = []
    kind: str
    founded: MaybeDay = None
    dissolved: MaybeDay = None
    predecessor: str | None = None
    successor: str | None = None
    dating_rule: str | None = None  # which decision dates a status in this organisation (docs/kb.md)
    status_merges: list[StatusMerge] = []
    year_only: str | None = None  # why a year-only founded/dissolved date stays (see _check_precision)



class StatusEvent(_Entry):
    """A second dated step of one status where it differs from the dating decision.

    E.g. the memorandum on dialogue-partner status signed after the Heads of State Council's decision,
    or a treaty's entry into force after the accession decision. Shown by ``timeline`` and ``history``.
    """

    date: Day
    event: str
    source: str


class Membership(_Sourced):
    org: str
    iso3: str
    status: Status
    start: Day
    start_attested: bool = False
    end: MaybeDay = None
    body: str | None = None  # a sub-body (e.g. the CSTO Parliamentary Assembly): not a status in the organisation
    events: list[StatusEvent] = []
    year_only: str | None = None  # why a year-only start/end stays although a source is dated to the day
    entry: int = 0  # position in memberships.yaml (1-based), for messages


    def active_on(self, day: dt.date) -> bool:
        """start <= day < end (end None = ongoing); a year-only date counts from 1 January."""
        return self.start.value <= day and (self.end is None or day < self.end.value)


class DeFacto(_Sourced):
    """What a country does in an organisation where it differs from the formal status it holds.

    ``frozen``: it says it has frozen its participation (Armenia in the CSTO, 2024); ``inactive``: the
    status is held but not exercised (Afghanistan in the SCO after August 2021); ``exited``: it has left
    in fact without a formal withdrawal. The formal status (memberships.yaml) is unchanged; queries show
    both. Same as-of rule: ``start <= D < end``.
    """

    org: str
    iso3: str
    state: DeFactoState
    start: Day
    end: MaybeDay = None
    year_only: str | None = None
    entry: int = 0

    def active_on(self, day: dt.date) -> bool:
        return self.start.value <= day and (self.end is None or day < self.end.value)


class Body(_Sourced):
    id: str
    org: str
    name: str
    kind: str
    seat: str | None = None
    seat_iso3: str | None = None
    start: MaybeDay = None
    end: MaybeDay = None



class Document(_Sourced):
    id: str
    org: str
    title: str
    kind: str
    date: Day
    in_force: MaybeDay = None
    place: str | None = None



class Project(_Sourced):
    id: str
    name: str
    kind: str
    participants: list[str]
    start: MaybeDay = None
    end: MaybeDay = None
    status: Literal["planned", "under_construction", "operating", "closed"]
    capacity: str | None = None
    investment_usd: float | None = None



class Criterion(_Entry):
    id: str
    org: str
    adopted: Day
    text: str
    check: str
    source: str



class Sanction(_Entry):
    """A UN Security Council sanctions regime concerning one country over one period.

    ``scope`` is ``country`` (measures on the state: the SCO criterion fails) or ``targeted`` (listed
    individuals, entities or a faction: shown, not failing). ``end`` is the first day the measures no
    longer applied (``start <= D < end``), None while in force.
    """

    iso3: str
    regime: str
    resolution: str
    scope: Literal["country", "targeted"]
    start: Day
    end: MaybeDay = None
    end_resolution: str | None = None
    source: str
    extra_sources: list[str] = []
    note: str | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.start.value <= day and (self.end is None or day < self.end.value)


class Conflict(_Entry):
    """An episode of armed hostilities between states. ``last_day`` is inclusive; None = ongoing."""

    id: str
    name: str
    kind: Literal["war", "border_clashes", "cross_border_strikes"]
    side_a: list[str]
    side_b: list[str]
    first_day: Day
    last_day: MaybeDay = None
    source: str
    extra_sources: list[str] = []
    note: str | None = None

    def parties(self) -> list[str]:
        return [*self.side_a, *self.side_b]

    def opponents(self, iso3: str) -> list[str]:
        """The states on the other side from `iso3` (empty if it is not a party)."""
        if iso3 in self.side_a:
            return list(self.side_b)
        if iso3 in self.side_b:
            return list(self.side_a)
        return []

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        """True if hostilities took place on some day in [first, last]."""
        return self.first_day.value <= last and (self.last_day is None or self.last_day.value >= first)


class Place(_Entry):
    """One row of the geography table: a country's continent and UN M49 sub-region."""

    iso3: str
    name: str
    continent: Literal["Africa", "America", "Antarctica", "Asia", "Europe", "Oceania"]
    un_subregion: str
    source: str


@dataclass
class Ledger:
    """The validated ledger. Lists keep file order; ``orgs`` maps canonical id -> Organisation."""

    sources: dict[str, Source]
    orgs: dict[str, Organisation]
    memberships: list[Membership]
    bodies: list[Body]
    documents: list[Document]
    projects: list[Project]
    criteria: list[Criterion]
    de_facto: list[DeFacto] = field(default_factory=list)
    body_statuses: list[Membership] = field(default_factory=list)  # statuses in a sub-body (``body:``)
    sanctions: list[Sanction] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    geography: dict[str, Place] = field(default_factory=dict)
    directory: str = ""
    _tokens: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for org in self.orgs.values():
            official = [t for n in org.names for t in (n.name, n.short) if t]
            for token in [org.id, org.name, *org.aliases, *official]:
                self._tokens.setdefault(_fold_token(token), org.id)

    def org_id(self, token: str) -> str | None:
        """Canonical id of an organisation id, name or alias, or None.

        Compared as country names are (`countries.fold`): case, spacing, ё/е, the Uzbek okina and the
        Arabic-keyboard variants of Persian and Urdu letters do not matter."""
        return self._tokens.get(_fold_token(token))

    def tokens(self) -> list[str]:
        official = {t for o in self.orgs.values() for n in o.names for t in (n.name, n.short) if t}
        return sorted({o.id for o in self.orgs.values()} | {a for o in self.orgs.values() for a in o.aliases}
                      | official)


def _fold_token(token: str) -> str:
    from sco_observatory.countries import fold

    return fold(str(token))


# ------------------------------------------------------------------------------------------ codes


_CACHED_CODES: dict[str, str] = {}  # filled from the ledger cache (kb/cache.py)


def _known_codes() -> dict[str, str]:
    if not _CACHED_CODES:
        _from_cache()
    return _CACHED_CODES or _pycountry_codes()


@lru_cache(maxsize=1)
def _pycountry_codes() -> dict[str, str]:
    import pycountry

    codes = {c.alpha_3: c.name for c in pycountry.countries}
    codes.update({c.alpha_3: c.name for c in pycountry.historic_countries if c.alpha_3 not in codes})
    codes.update(EXTRA_CODES)
    return codes


def is_known_code(iso3: str) -> bool:
    """True for an ISO 3166-1 alpha-3 code, an ISO 3166-3 former-state code (SUN...) or XKX."""
    return iso3 in _known_codes()


def code_name(iso3: str) -> str:
    """English name of a code: the project's resolver first, pycountry as fallback."""
    _from_cache()  # the ledger cache holds the names of the codes the ledger uses
    try:
        from sco_observatory.countries import name_of

        name = name_of(iso3)
        if name and name != iso3:
            return name
    except Exception:  # the resolver is optional here; the ledger must load without it
        pass
    return _known_codes().get(iso3, iso3)


# ----------------------------------------------------------------------------------------- loader


def default_directory() -> Path:
    return Path(str(resources.files("sco_observatory.kb").joinpath("data")))


class _Problems:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def fail(self, file: str, entry: int | None, label: str, problem: str) -> None:
        where = f"{file}" + (f", entry {entry}" if entry is not None else "") + (f" ({label})" if label else "")
        raise KnowledgeBaseError(
            f"knowledge base: {where}: {problem}",
            f"fix {self.directory / file} and reload (see docs/kb.md for the ledger format)",
        )


def _read(directory: Path, name: str, problems: _Problems) -> list[dict[str, Any]]:
    path = directory / name
    if not path.exists():
        problems.fail(name, None, "", "file is missing")
    if name.endswith(".csv"):
        import csv

        with path.open(encoding="utf-8", newline="") as fh:
            return [dict(row) for row in csv.DictReader(fh)]
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where it is built in
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        problems.fail(name, None, "", f"not valid YAML: {exc}".replace("\n", " "))
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        problems.fail(name, None, "", "must be a YAML list of mappings")
    return data


def _label(row: dict[str, Any]) -> str:
    if "id" in row:
        return str(row["id"])
    parts = [str(row.get(k)) for k in ("org", "iso3", "status", "start") if row.get(k) is not None]
    return " ".join(parts)


def _build(model: type[_Entry], rows: list[dict[str, Any]], file: str, problems: _Problems, **extra: Any) -> list:
    out = []
    for i, row in enumerate(rows, start=1):
        try:
            out.append(model(**row, **({"entry": i} if model is Membership else {}), **extra))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"]) or "entry"
            problems.fail(file, i, _label(row), f"{loc}: {first['msg']}")
    return out


def load_ledger(directory: str | Path | None = None) -> Ledger:
    """Read and validate the ledger in `directory` (default: the package's kb/data)."""
    if directory is None:
        return _default_ledger()
    return _load(Path(directory))


_loading = False  # the default ledger is being built (its checks call is_known_code)


@lru_cache(maxsize=1)
def _default_ledger() -> Ledger:
    """The package's ledger, through the compact cache (kb/cache.py): validated once, then unpickled.

    Cached beside it: the English names of its codes (given to countries.remember_names) and the
    table of known codes, so that naming members or checking a code loads neither country_converter
    (pandas), babel nor pycountry."""
    global _loading
    from sco_observatory import countries
    from sco_observatory.kb.cache import cached_ledger

    _loading = True
    try:
        ledger, tables = cached_ledger(default_directory(), FILES, _load, _cached_tables)
    finally:
        _loading = False
    countries.remember_names(tables.get("names", {}))
    countries.remember_lookups(tables.get("lookups", {}))
    _CACHED_CODES.update(tables.get("codes", {}))
    return ledger


def _from_cache() -> None:
    """Load the default ledger (and so the cached names and codes) unless it is loading right now."""
    if _loading or _default_ledger.cache_info().currsize:
        return
    try:
        _default_ledger()
    except KnowledgeBaseError:  # a broken package ledger is reported where it is used, not here
        pass


def _cached_tables(ledger: Ledger) -> dict[str, Any]:
    from sco_observatory.countries import lookup

    names = ledger_names(ledger)  # resolves each code once (lookup keeps the answers)
    found = {code: lookup(code) for code in names}
    return {"names": names, "codes": dict(_pycountry_codes()),
            "lookups": {code: c for code, c in found.items() if c is not None}}


def ledger_codes(ledger: Ledger) -> set[str]:
    """Every country code the ledger names (statuses, de facto states, seats, projects, sanctions,
    conflicts, geography)."""
    codes = {m.iso3 for m in [*ledger.memberships, *ledger.body_statuses]}
    codes |= {d.iso3 for d in ledger.de_facto} | {s.iso3 for s in ledger.sanctions} | set(ledger.geography)
    codes |= {b.seat_iso3 for b in ledger.bodies if b.seat_iso3}
    codes |= {c for p in ledger.projects for c in p.participants} | {c for k in ledger.conflicts for c in k.parties()}
    return codes


def ledger_names(ledger: Ledger) -> dict[str, str]:
    """{code: English name} of the ledger's codes and the group aliases' codes (cached with the ledger,
    so naming a group's members does not load the country resolver in every process)."""
    from sco_observatory.countries import name_of
    from sco_observatory.aliases import ALIASES

    codes = ledger_codes(ledger) | {c for _, members in ALIASES.values() for c in members}
    return {code: name_of(code) for code in sorted(codes)}


def _expand_memberships(rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for i, row in enumerate(rows, start=1):
        codes = row.get("iso3")
        for code in codes if isinstance(codes, list) else [codes]:
            out.append((i, {**row, "iso3": code}))
    return out


def _load(directory: Path) -> Ledger:
    p = _Problems(directory)
    raw = {name: _read(directory, name, p) for name in FILES}

    sources = _build(Source, raw["sources.yaml"], "sources.yaml", p)
    orgs = _build(Organisation, raw["organisations.yaml"], "organisations.yaml", p)
    memberships: list[Membership] = []
    for i, row in _expand_memberships(raw["memberships.yaml"]):
        try:
            memberships.append(Membership(**{**row, "entry": i}))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first["loc"]) or "entry"
            p.fail("memberships.yaml", i, _label(row), f"{loc}: {first['msg']}")
    de_facto: list[DeFacto] = []
    for i, row in enumerate(raw["de_facto.yaml"], start=1):
        try:
            de_facto.append(DeFacto(**{**row, "entry": i}))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first["loc"]) or "entry"
            p.fail("de_facto.yaml", i, _label(row), f"{loc}: {first['msg']}")
    bodies = _build(Body, raw["bodies.yaml"], "bodies.yaml", p)
    documents = _build(Document, raw["documents.yaml"], "documents.yaml", p)
    projects = _build(Project, raw["projects.yaml"], "projects.yaml", p)
    criteria = _build(Criterion, raw["criteria.yaml"], "criteria.yaml", p)
    sanctions = _build(Sanction, raw["unsc_sanctions.yaml"], "unsc_sanctions.yaml", p)
    conflicts = _build(Conflict, raw["interstate_conflicts.yaml"], "interstate_conflicts.yaml", p)
    places = _build(Place, raw["geography.csv"], "geography.csv", p)

    # unique ids
    for file, items in [
        ("sources.yaml", sources), ("organisations.yaml", orgs), ("bodies.yaml", bodies),
        ("documents.yaml", documents), ("projects.yaml", projects), ("criteria.yaml", criteria),
        ("interstate_conflicts.yaml", conflicts),
    ]:
        seen: set[str] = set()
        for i, item in enumerate(items, start=1):
            key = item.id.casefold()
            if key in seen:
                p.fail(file, i, item.id, "duplicate id")
            seen.add(key)

    source_ids = {s.id for s in sources}
    org_by_id = {o.id: o for o in orgs}
    used: set[str] = set()
    # sources used by code rather than by a ledger fact
    used.add("cow_igo_v3")

    def need_source(file: str, i: int, label: str, sid: str) -> None:
        if sid not in source_ids:
            p.fail(file, i, label, f"unknown source id '{sid}' (not in sources.yaml)")
        used.add(sid)

    def need_org(file: str, i: int, label: str, oid: str | None, what: str = "org") -> None:
        if oid is not None and oid not in org_by_id:
            p.fail(file, i, label, f"unknown organisation id '{oid}' in {what} (ids are case-sensitive in the ledger)")

    def need_code(file: str, i: int, label: str, code: str | None) -> None:
        if code is not None and not is_known_code(code):
            p.fail(file, i, label, f"'{code}' is not an ISO 3166 alpha-3 code (nor a listed historical code)")

    def need_order(file: str, i: int, label: str, a: KBDate | None, b: KBDate | None, strict: bool) -> None:
        if a is not None and b is not None and (a.value >= b.value if strict else a.value > b.value):
            p.fail(file, i, label, f"start {a.iso()} is not before end {b.iso()}")

    source_by_id = {s.id: s for s in sources}

    def need_language(file: str, i: int, label: str, lang: str) -> None:
        """A name's language is one `--lang` can show (else the name would never be displayed)."""
        from sco_observatory.countries import DISPLAY_LANGUAGES

        if lang not in DISPLAY_LANGUAGES:
            p.fail(file, i, label, f"unknown language '{lang}' (use a CLDR code: {', '.join(DISPLAY_LANGUAGES)})")

    def need_precision(file: str, i: int, label: str, what: str, d: KBDate | None, sids: list[str],
                       reason: str | None) -> None:
        """A year-only date is rejected when a cited source is dated to a day of that same year.

        Such a source reports the event as it happened, so it gives the day; keeping only the year would
        make as-of queries count from 1 January. ``year_only:`` on the entry records why the year stays
        (the source, though dated, does not state the day of this fact).
        """
        if d is None or d.precision != "year" or reason:
            return
        for sid in sids:
            src = source_by_id.get(sid)
            if src is not None and src.date.precision == "day" and src.date.value.year == d.value.year:
                p.fail(file, i, label,
                       f"{what} is the year {d.iso()} only, but source '{sid}' is dated {src.date.iso()}: "
                       "write the day the source gives, or say in `year_only:` why only the year is known")

    for i, o in enumerate(orgs, start=1):
        need_source("organisations.yaml", i, o.id, o.source)
        for sid in o.extra_sources:
            need_source("organisations.yaml", i, o.id, sid)
        for n in [*o.names, *o.status_names]:
            need_source("organisations.yaml", i, o.id, n.source)
            need_language("organisations.yaml", i, o.id, n.lang)
        for mg in o.status_merges:
            need_source("organisations.yaml", i, o.id, mg.source)
        o_sids = [o.source, *o.extra_sources]
        need_precision("organisations.yaml", i, o.id, "founded", o.founded, o_sids, o.year_only)
        need_precision("organisations.yaml", i, o.id, "dissolved", o.dissolved, o_sids, o.year_only)
        need_org("organisations.yaml", i, o.id, o.predecessor, "predecessor")
        need_org("organisations.yaml", i, o.id, o.successor, "successor")
        need_order("organisations.yaml", i, o.id, o.founded, o.dissolved, strict=False)

    for m in memberships:
        label = f"{m.org} {m.iso3} {m.status} {m.start.iso()}"
        need_org("memberships.yaml", m.entry, label, m.org)
        need_code("memberships.yaml", m.entry, label, m.iso3)
        need_source("memberships.yaml", m.entry, label, m.source)
        for sid in m.extra_sources:
            need_source("memberships.yaml", m.entry, label, sid)
        need_order("memberships.yaml", m.entry, label, m.start, m.end, strict=True)
        for ev in m.events:
            need_source("memberships.yaml", m.entry, label, ev.source)
        m_sids = [m.source, *m.extra_sources]
        need_precision("memberships.yaml", m.entry, label, "start", m.start, m_sids, m.year_only)
        need_precision("memberships.yaml", m.entry, label, "end", m.end, m_sids, m.year_only)
        org = org_by_id[m.org]
        if org.founded is not None and m.start.value < org.founded.value and not m.start_attested:
            p.fail("memberships.yaml", m.entry, label,
                   f"starts before {m.org} was founded ({org.founded.iso()})")
        if org.dissolved is not None and (m.end is None or m.end.value > org.dissolved.value):
            p.fail("memberships.yaml", m.entry, label,
                   f"{m.org} was dissolved on {org.dissolved.iso()}: the entry needs an end on or before it")

    # no overlapping statuses for one country in one organisation (or one sub-body), except an
    # application beside an observer, dialogue-partner or partner status
    by_pair: dict[tuple[str, str | None, str], list[Membership]] = {}
    for m in memberships:
        by_pair.setdefault((m.org, m.body, m.iso3), []).append(m)
    for (org_id, _body, code), rows in by_pair.items():
        rows.sort(key=lambda m: m.start.value)
        for k, b in enumerate(rows):
            for a in rows[:k]:
                if not (a.end is None or a.end.value > b.start.value):
                    continue
                if (a.status == "applicant") != (b.status == "applicant") and (
                        {a.status, b.status} - {"applicant"} <= PARALLEL_TO_APPLICATION):
                    continue
                p.fail("memberships.yaml", b.entry, f"{org_id} {code} {b.status} {b.start.iso()}",
                       f"overlaps entry {a.entry} ({a.status} from {a.start.iso()} to "
                       f"{a.end.iso() if a.end else 'ongoing'}); one status at a time per country and "
                       "organisation (only an application may run beside an observer or partner status)")

    # a de facto state qualifies a formal status the country holds on its first day
    for d in de_facto:
        label = f"{d.org} {d.iso3} {d.state} {d.start.iso()}"
        need_org("de_facto.yaml", d.entry, label, d.org)
        need_code("de_facto.yaml", d.entry, label, d.iso3)
        need_source("de_facto.yaml", d.entry, label, d.source)
        for sid in d.extra_sources:
            need_source("de_facto.yaml", d.entry, label, sid)
        need_order("de_facto.yaml", d.entry, label, d.start, d.end, strict=True)
        need_precision("de_facto.yaml", d.entry, label, "start", d.start, [d.source, *d.extra_sources], d.year_only)
        need_precision("de_facto.yaml", d.entry, label, "end", d.end, [d.source, *d.extra_sources], d.year_only)
        formal = [m for m in memberships if m.org == d.org and m.iso3 == d.iso3 and m.body is None
                  and m.status != "applicant" and m.active_on(d.start.value)]
        if not formal:
            p.fail("de_facto.yaml", d.entry, label,
                   f"{d.iso3} holds no formal status in {d.org} on {d.start.iso()}: a de facto state "
                   "qualifies a formal one (add it to memberships.yaml first)")

    for file, items in [("bodies.yaml", bodies), ("documents.yaml", documents)]:
        for i, item in enumerate(items, start=1):
            need_org(file, i, item.id, item.org)
            need_source(file, i, item.id, item.source)
            for sid in item.extra_sources:
                need_source(file, i, item.id, sid)
    for i, b in enumerate(bodies, start=1):
        need_code("bodies.yaml", i, b.id, b.seat_iso3)
        need_order("bodies.yaml", i, b.id, b.start, b.end, strict=True)
    for i, d in enumerate(documents, start=1):
        need_order("documents.yaml", i, d.id, d.date, d.in_force, strict=False)
    for i, pr in enumerate(projects, start=1):
        need_source("projects.yaml", i, pr.id, pr.source)
        for sid in pr.extra_sources:
            need_source("projects.yaml", i, pr.id, sid)
        for code in pr.participants:
            need_code("projects.yaml", i, pr.id, code)
        need_order("projects.yaml", i, pr.id, pr.start, pr.end, strict=True)
    for i, c in enumerate(criteria, start=1):
        need_org("criteria.yaml", i, c.id, c.org)
        need_source("criteria.yaml", i, c.id, c.source)

    for i, sa in enumerate(sanctions, start=1):
        label = f"{sa.iso3} {sa.resolution} {sa.start.iso()}"
        need_code("unsc_sanctions.yaml", i, label, sa.iso3)
        need_source("unsc_sanctions.yaml", i, label, sa.source)
        for sid in sa.extra_sources:
            need_source("unsc_sanctions.yaml", i, label, sid)
        need_order("unsc_sanctions.yaml", i, label, sa.start, sa.end, strict=True)
    for i, c in enumerate(conflicts, start=1):
        need_source("interstate_conflicts.yaml", i, c.id, c.source)
        for sid in c.extra_sources:
            need_source("interstate_conflicts.yaml", i, c.id, sid)
        if not c.side_a or not c.side_b:
            p.fail("interstate_conflicts.yaml", i, c.id, "both side_a and side_b need at least one state")
        if set(c.side_a) & set(c.side_b):
            p.fail("interstate_conflicts.yaml", i, c.id, "a state cannot be on both sides")
        for code in c.parties():
            need_code("interstate_conflicts.yaml", i, c.id, code)
        if c.last_day is not None and c.first_day.value > c.last_day.value:
            p.fail("interstate_conflicts.yaml", i, c.id,
                   f"first_day {c.first_day.iso()} is after last_day {c.last_day.iso()}")
    seen_places: set[str] = set()
    for i, pl_ in enumerate(places, start=1):
        need_code("geography.csv", i, pl_.iso3, pl_.iso3)
        need_source("geography.csv", i, pl_.iso3, pl_.source)
        if pl_.iso3 in seen_places:
            p.fail("geography.csv", i, pl_.iso3, "duplicate iso3")
        seen_places.add(pl_.iso3)

    for i, s in enumerate(sources, start=1):
        if s.id not in used:
            p.fail("sources.yaml", i, s.id, "source is not cited by any entry (every source must be used)")

    return Ledger(
        sources={s.id: s for s in sources},
        orgs=org_by_id,
        memberships=[m for m in memberships if m.body is None],
        bodies=bodies,
        documents=documents,
        projects=projects,
        criteria=criteria,
        de_facto=de_facto,
        body_statuses=[m for m in memberships if m.body is not None],
        sanctions=sanctions,
        conflicts=conflicts,
        geography={pl_.iso3: pl_ for pl_ in places},
        directory=str(directory),
    )
