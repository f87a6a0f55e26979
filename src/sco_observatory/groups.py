"""Group expressions: one parser for every command, metric and endpoint that takes countries.

Grammar (whitespace ignored):

    expr  := term (('+' | '-') term)*          union / difference, left to right
    term  := item (',' item)*                   a list is a union
    item  := ALIAS                              CA5 = Central Asia (KAZ KGZ TJK TKM UZB)
           | ORG [':' STATUS (',' STATUS)*] ['@' DATE]
                                                members (or the given statuses) of an organisation as of
                                                DATE; 'YYYY' means 31 December; no date means today.
                                                STATUS is a formal status (member, observer,
                                                dialogue_partner, partner, associate, applicant,
                                                suspended) or a de facto state (frozen, inactive,
                                                exited), which selects the countries in that state
           | COUNTRY                            any name or code the country resolver knows

Examples: `CA5`, `KAZ,KGZ,Tajikistan`, `SCO@2012`, `SCO@2017-06-09`, `SCO:observer@2012-12-31`,
`SCO:member,observer@2016`, `SCO@2016+IND+PAK`, `SCO@2024-BLR`, `SCO:partner@2025-09-01`,
`CSTO@2025-CSTO:frozen@2025` (formal members less the one that froze its participation).

A status the organisation merged into another before the date (SCO observer and dialogue partner into
partner on 2025-09-01) gives no countries and a note on the group (``Group.notes``), as does a
year-only ledger date in the year asked about; a group left empty only for such a reason is not an error.

Names that contain ',' or '-' ("Korea, Rep.", "Guinea-Bissau") are rejoined when the pieces alone
do not resolve. Organisation tokens resolve through the knowledge base (`sco_observatory.kb`), so the
members of an organisation on a date come with their status, dates and source.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sco_observatory import countries
from sco_observatory.aliases import ALIAS_SOURCES, ALIASES  # noqa: F401 (re-exported: groups.ALIASES)
from sco_observatory.dates import parse_as_of
from sco_observatory.limits import MAX_ARG_CHARS, MAX_LIST_ITEMS
from sco_observatory.errors import GroupExpressionError, ObservatoryError
from sco_observatory.kb.model import DE_FACTO_STATES, STATUSES as FORMAL_STATUSES

STATUSES = (*FORMAL_STATUSES, *DE_FACTO_STATES)  # defined once, in kb.model

_DATE_IN_EXPR = re.compile(r"@(\d{4}-\d{2}-\d{2}|\d{4})")
_SPLIT = re.compile(r"([+,\-])")
_PROTECT = "\x00"


@dataclass(frozen=True)
class GroupMember:
    """One country of a resolved group, with how it got there."""

    iso3: str
    name: str
    status: str | None = None
    since: str | None = None
    de_facto: str | None = None
    next: str | None = None
    source: str | None = None
    via: str = ""  # the expression item that brought it in


@dataclass
class Group:
    """A resolved group expression: its members in order, and the as-of dates it used."""

    expression: str
    members: list[GroupMember] = field(default_factory=list)
    as_of: list[dt.date] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each: merged statuses, year-only dates

    @property
    def iso3(self) -> list[str]:
        return [m.iso3 for m in self.members]

    def __len__(self) -> int:
        return len(self.members)

    def __contains__(self, iso3: str) -> bool:
        return iso3 in self.iso3


def _kb():
    """The knowledge base's query module (imported lazily: it loads and validates the ledger)."""
    from sco_observatory.kb import queries

    return queries


def _org_token(token: str) -> tuple[str, list[str], str | None] | None:
    """Split 'ORG:status,status@date' into parts if ORG is an organisation; None otherwise."""
    head, _, date = token.partition("@")
    org, _, statuses = head.partition(":")
    org = org.strip()
    kb = _kb()
    if not kb.is_organisation(org):
        if date or statuses:
            kb.organisation(org)  # raises UnknownOrganisationError with suggestions
        return None
    wanted = [s.strip().lower() for s in statuses.split(",")] if statuses else ["member"]
    for status in wanted:
        if status not in STATUSES:
            raise GroupExpressionError(
                f"unknown status '{status}' in '{token}'", f"use one or more of: {', '.join(STATUSES)}"
            )
    return org, wanted, (date or None)


def _item_members(token: str, notes: list[str] | None = None) -> tuple[list[GroupMember], dt.date | None]:
    """The countries one item brings in, and its as-of date; notes on the answer go to `notes`."""
    alias = ALIASES.get(token.upper())
    if alias:
        label, codes = alias
        return [GroupMember(c, countries.name_of(c), via=f"{token.upper()} ({label})") for c in codes], None
    org = _org_token(token)
    if org:
        name, statuses, date = org
        as_of = parse_as_of(date)
        rows = _kb().member_rows(name, as_of, statuses)  # iso3, name, status, since, de_facto, next, source
        if notes is not None:
            notes.extend(n for n in _kb().members_notes(name, as_of, statuses) if n not in notes)
        members = [GroupMember(*row, via=token) for row in rows]
        return members, as_of
    country = countries.resolve(token)
    return [GroupMember(country.iso3, country.name, via=token)], None


def _resolves(token: str) -> bool:
    try:
        _item_members(token)
    except ObservatoryError:
        return False
    return True


def _pieces(expression: str) -> list[str]:
    """Split into items and operators, keeping dates and 'ORG:a,b' status lists whole."""
    protected = _DATE_IN_EXPR.sub(lambda m: "@" + m.group(1).replace("-", _PROTECT), expression)
    raw = [p.strip() for p in _SPLIT.split(protected)]
    raw = [p.replace(_PROTECT, "-") for p in raw]
    out: list[str] = []
    for piece in raw:
        # 'SCO:member' ',' 'observer@2016' -> one item
        if (len(out) >= 2 and out[-1] == "," and ":" in out[-2] and "@" not in out[-2]
                and piece.split("@")[0].strip().lower() in STATUSES):
            out[-2:] = [out[-2] + "," + piece]
            continue
        out.append(piece)
    return out


def _rejoin_names(pieces: list[str]) -> list[str]:
    """Rejoin 'Korea' ',' 'Rep.' or 'Guinea' '-' 'Bissau' when the right piece alone does not resolve."""
    out: list[str] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        while (i + 2 < len(pieces) and pieces[i + 1] in {",", "-"} and not _resolves(pieces[i + 2])
               and countries.lookup(piece + pieces[i + 1] + (" " if pieces[i + 1] == "," else "") + pieces[i + 2])):
            piece = piece + pieces[i + 1] + (" " if pieces[i + 1] == "," else "") + pieces[i + 2]
            i += 2
        out.append(piece)
        i += 1
    return out


def resolve_group(expression: str) -> Group:
    """Resolve a group expression to its member countries (raises a one-line error if it cannot)."""
    text = (expression or "").strip()
    if not text:
        raise GroupExpressionError("empty group expression", "write e.g. CA5, SCO@2012 or KAZ,KGZ,TJK")
    if len(text) > MAX_ARG_CHARS:
        raise GroupExpressionError(f"group expression of {len(text):,} characters is longer than {MAX_ARG_CHARS:,}",
                                   "name a group (CA5, SCO@2012) instead of listing countries one by one")
    pieces = _rejoin_names(_pieces(text))
    items = sum(1 for p in pieces if p not in {"+", "-", ","})
    if items > MAX_LIST_ITEMS:  # bounded work: each item may cost a country_converter lookup
        raise GroupExpressionError(f"group expression with {items:,} items; no group has more than {MAX_LIST_ITEMS}",
                                   "name a group (CA5, SCO@2012) instead of listing countries one by one")
    group = Group(text)
    current: dict[str, GroupMember] = {}
    op = "+"
    expect_item = True
    for piece in pieces:
        if expect_item:
            if piece in {"+", "-", ","} or not piece:
                raise GroupExpressionError(
                    f"malformed group expression '{text}': an operator where a country or group was expected",
                    "write e.g. SCO@2016+IND+PAK or KAZ,KGZ",
                )
            members, as_of = _item_members(piece, group.notes)
            if as_of and as_of not in group.as_of:
                group.as_of.append(as_of)
            if op in {"+", ","}:
                for m in members:
                    current.setdefault(m.iso3, m)
            else:
                missing = [m.iso3 for m in members if m.iso3 not in current]
                if missing and len(members) == 1:
                    raise GroupExpressionError(
                        f"cannot remove {missing[0]} in '{text}': it is not in the group",
                        f"the group before the removal is {', '.join(current) or 'empty'}",
                    )
                for m in members:
                    current.pop(m.iso3, None)
            expect_item = False
        else:
            if piece not in {"+", "-", ","}:
                raise GroupExpressionError(f"malformed group expression '{text}' near '{piece}'",
                                           "join items with ',', '+' or '-'")
            op = piece
            expect_item = True
    if expect_item:
        raise GroupExpressionError(f"group expression '{text}' ends with an operator", "remove the trailing operator")
    group.members = list(current.values())
    if not group.members and not group.notes:
        raise GroupExpressionError(f"group expression '{text}' has no members", "check the date and statuses")
    return group


GROUP_COLUMNS = ("iso3", "name", "status", "since", "de_facto", "next", "source")
"""The columns `sco members` prints (all strings): status as of the date; `next` = what came after."""


def group_rows(group: Group) -> list[tuple[str | None, ...]]:
    """The members as tuples of GROUP_COLUMNS (what `sco members` prints without building a frame)."""
    return [tuple(getattr(m, c) for c in GROUP_COLUMNS) for m in group.members]


def group_frame(group: Group):
    """The members as a frame of GROUP_COLUMNS (:func:`group_rows`)."""
    import polars as pl

    return pl.DataFrame(group_rows(group), schema={c: pl.String for c in GROUP_COLUMNS}, orient="row")


def partner_sets(expressions) -> dict[str, list[str]]:
    """Partners of a bloc-level trade answer: label -> ISO3 codes, one entry per partner.

    Each expression is either a plain comma list of countries (`CHN,RUS`: two partners, each on its own
    row) or any other group expression (`EU27`, `SCO@2024-CA5`, `CHN+RUS`: one partner group, labelled
    by the expression). Why: "trade with China and with Russia" and "trade with the EU" are both asked
    with --partners; `+` joins countries into one partner.
    """
    out: dict[str, list[str]] = {}
    for expr in expressions or []:
        text = str(expr).strip()
        pieces = [p.strip() for p in text.split(",")]
        simple = not any(ch in text for ch in "+@:") and all(p and p.upper() not in ALIASES for p in pieces)
        if simple:
            singles = []
            for piece in pieces:
                members = resolve_group(piece).iso3
                if len(members) != 1:
                    simple = False
                    break
                singles.append(members[0])
            if simple:
                for code in singles:
                    out.setdefault(code, [code])
                continue
        members = resolve_group(text).iso3
        if not members:
            raise GroupExpressionError(f"partner group '{text}' has no members", "check the expression with `sco members`")
        out[text] = members
    return out
