"""Nothing lost on import: compare a staged file with the source it would replace, refuse a loss.

A new version of a file normally replaces its source (same source id). That is how a truncated
download used to replace good data without a word: `head -c -9` of the WDI GDP file still has 11,828
rows, but Zimbabwe's 2025 value lost two digits; a BACI year cut at 200 MB kept 5.9M of 10M rows.

`before_swap` runs inside the import transaction, after validation and just before
`Store.replace_source`, and refuses (one line, store untouched) unless the user passed `--replace`:

- a replacement with fewer rows, fewer countries, or fewer years (or a narrower year span);
- a replacement whose file's last line has no line end (a download cut inside a line/value);

and refuses always (even with `--replace`):

- a file of one reader claiming the source id of another reader's dataset, e.g. a generic CSV with
  `source_id=wdi:NY.GDP.MKTP.CD` (the user names generic sources; publisher ids are the readers').

The statistics are plain SQL over `store.con` (the `source` table and the data table's rows of that
source) and the staging table, so they do not depend on how the store lands rows. The refusal shows
rows, countries and years before -> after and the largest value changes on the keys both share,
ranked by relative change |new - old| / |old|. `sco data diff FILE` runs the same comparison
without importing (`diff` mode: the transaction is rolled back and the comparison returned).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from sco_observatory.errors import ImportFormatError
from sco_observatory.store.results import first as first_row
from sco_observatory.store.schema import COUNTRY_COLUMNS, KEYS, VALUE_COLUMN


USER_NAMED_FORMATS = ("generic-indicator", "generic-trade")
"""Formats whose source id the user chooses (`source_id=`); they may not take a publisher's id."""

RESERVED_PREFIXES = ("wdi", "worldbank", "imf-dots", "imf-imts", "baci", "comtrade", "sipri", "cow", "undesa",
                     "unodc", "embedded")
"""Source-id prefixes written by the publisher readers and connectors (`wdi:NY.GDP.MKTP.CD`, ...)."""

TOP_CHANGES = 3
TAIL_BYTES = 1 << 16


class DiffReady(Exception):
    """Raised in `diff` mode with the comparison: it rolls the import transaction back."""

    def __init__(self, change: "Change") -> None:
        super().__init__(change.source_id)
        self.change = change


@dataclass
class Stats:
    rows: int
    countries: int
    years: int
    first_year: int | None
    last_year: int | None

    def span(self) -> str:
        if self.first_year is None:
            return "none"
        return str(self.first_year) if self.first_year == self.last_year else f"{self.first_year}-{self.last_year}"


@dataclass
class ValueChange:
    key: tuple
    old: float
    new: float

    @property
    def relative(self) -> float:
        if self.old == 0:
            return math.inf if self.new != 0 else 0.0
        return (self.new - self.old) / abs(self.old)

    def describe(self) -> str:
        pct = "new non-zero" if math.isinf(self.relative) else f"{self.relative:+.1%}"
        return f"{' '.join(str(k) for k in self.key)} {_num(self.old)} -> {_num(self.new)} ({pct})"


@dataclass
class Change:
    """What importing a file would do to its source."""

    source_id: str
    table: str
    file_name: str
    old: Stats | None
    new: Stats
    changed_values: int = 0
    removed_keys: int = 0
    added_keys: int = 0
    largest: list[ValueChange] = field(default_factory=list)
    unterminated: bool = False
    losses: list[str] = field(default_factory=list)
    identical: bool = False

    def summary(self) -> str:
        """rows, countries, years before -> after, then the largest value changes (one line)."""
        if self.old is None:
            return (f"new source {self.source_id}: {self.new.rows:,} rows, {self.new.countries} countries, "
                    f"years {self.new.span()}")
        o, n = self.old, self.new
        text = (f"rows {o.rows:,} -> {n.rows:,}, countries {o.countries} -> {n.countries}, "
                f"years {o.span()} ({o.years}) -> {n.span()} ({n.years}); {self.changed_values:,} values changed, "
                f"{self.removed_keys:,} removed, {self.added_keys:,} added")
        if self.largest:
            text += "; largest changes: " + "; ".join(c.describe() for c in self.largest)
        return text

    def rows(self) -> list[dict]:
        """The comparison as rows (what, stored, file, change) for `sco data diff`."""
        o = self.old
        out = [
            {"what": "source", "stored": self.source_id if o else "(not in the store)", "file": self.file_name,
             "change": "identical file" if self.identical else ("replace" if o else "new source")},
            {"what": "rows", "stored": _opt(o and o.rows), "file": f"{self.new.rows:,}",
             "change": _delta(o and o.rows, self.new.rows)},
            {"what": "countries", "stored": _opt(o and o.countries), "file": f"{self.new.countries:,}",
             "change": _delta(o and o.countries, self.new.countries)},
            {"what": "years", "stored": f"{o.span()} ({o.years})" if o else "", "file": f"{self.new.span()} ({self.new.years})",
             "change": _delta(o and o.years, self.new.years)},
        ]
        if o:
            out += [{"what": "values changed", "stored": "", "file": f"{self.changed_values:,}", "change": ""},
                    {"what": "keys removed", "stored": "", "file": f"{self.removed_keys:,}", "change": ""},
                    {"what": "keys added", "stored": "", "file": f"{self.added_keys:,}", "change": ""}]
        for c in self.largest:
            pct = "new non-zero" if math.isinf(c.relative) else f"{c.relative:+.1%}"
            out.append({"what": "value " + " ".join(str(k) for k in c.key), "stored": _num(c.old), "file": _num(c.new),
                        "change": pct})
        if self.unterminated:
            out.append({"what": "last line", "stored": "", "file": "no line end", "change": "file looks cut"})
        for loss in self.losses:
            out.append({"what": "refused without --replace", "stored": "", "file": "", "change": loss})
        return out


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.6g}"


def _opt(value) -> str:
    return "" if value is None else f"{value:,}"


def _delta(old, new) -> str:
    return "" if old is None else f"{new - old:+,}"


def last_line_unterminated(path: Path) -> bool:
    """True when the file's last byte is not a line end: the download stopped inside a line."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            if size == 0:
                return False
            fh.seek(max(0, size - 1))
            return fh.read(1) not in (b"\n", b"\r")
    except OSError:
        return False


def _stats(con, table: str, where_sql: str, params: list, kind: str | None = None) -> Stats:
    """Stats of `table` (a data table, or a staging table holding the columns of data table `kind`)."""
    columns = COUNTRY_COLUMNS[kind or table]
    countries = " UNION ".join(f"SELECT {c} AS c FROM {table} WHERE {where_sql}" for c in columns)
    rows, years, first, last = first_row(
        con, f"SELECT count(*), count(DISTINCT year), min(year), max(year) FROM {table} WHERE {where_sql}", params)
    n_countries = first_row(con, f"SELECT count(DISTINCT c) FROM ({countries})", params * len(columns))[0]
    return Stats(rows, n_countries, years, first, last)


def stored_stats(con, source_id: str, table: str) -> Stats:
    """rows, countries and years the store holds for one source."""
    return _stats(con, table, "source_id = ?", [source_id])


def compare(con, source_id: str, table: str, staging: str, path: Path, new: Stats | None = None) -> Change:
    """The comparison of the staged rows with the stored rows of `source_id` (SQL over both).

    `new`: the staged rows' statistics when the caller already has them (the import's validation
    scan computes them), which saves two scans of the staged rows."""
    new = new or _stats(con, staging, "TRUE", [], kind=table)
    previous = first_row(con, "SELECT source_id FROM source WHERE source_id = ?", [source_id])
    change = Change(source_id, table, path.name, None, new, unterminated=last_line_unterminated(path))
    if not previous:
        return change
    old = stored_stats(con, source_id, table)
    change.old = old
    keys = KEYS[table]
    value = VALUE_COLUMN[table]
    on = " AND ".join(f"o.{k} = n.{k}" for k in keys)
    stored = f"(SELECT {', '.join(keys)}, {value} FROM {table} WHERE source_id = ?)"
    changed, removed, added = first_row(con, 
        f"""SELECT count(*) FILTER (WHERE o.{keys[0]} IS NOT NULL AND n.{keys[0]} IS NOT NULL AND o.{value} <> n.{value}),
                   count(*) FILTER (WHERE n.{keys[0]} IS NULL),
                   count(*) FILTER (WHERE o.{keys[0]} IS NULL)
            FROM {stored} o FULL OUTER JOIN {staging} n ON {on}""", [source_id])
    change.changed_values, change.removed_keys, change.added_keys = changed, removed, added
    if changed:
        top = con.execute(
            f"""SELECT {', '.join('o.' + k for k in keys)}, o.{value}, n.{value}
                FROM {stored} o JOIN {staging} n ON {on}
                WHERE o.{value} <> n.{value}
                ORDER BY CASE WHEN o.{value} = 0 THEN 'inf'::DOUBLE ELSE abs(n.{value} - o.{value}) / abs(o.{value}) END DESC,
                         abs(n.{value} - o.{value}) DESC
                LIMIT {TOP_CHANGES}""", [source_id]
        ).fetchall()
        change.largest = [ValueChange(tuple(r[:-2]), float(r[-2]), float(r[-1])) for r in top]
    if new.rows < old.rows:
        change.losses.append(f"fewer rows ({old.rows:,} -> {new.rows:,})")
    if new.countries < old.countries:
        change.losses.append(f"fewer countries ({old.countries} -> {new.countries})")
    if new.years < old.years or (old.first_year is not None and new.first_year is not None
                                 and (new.first_year > old.first_year or new.last_year < old.last_year)):
        change.losses.append(f"fewer years ({old.span()} -> {new.span()})")
    if change.unterminated:
        change.losses.append("the last line has no line end (the file looks cut inside a line)")
    return change


def check_claim(con, source_id: str, fmt: str, file_name: str) -> None:
    """Refuse a file claiming a source id that belongs to another reader's dataset."""
    prefix = source_id.split(":", 1)[0].lower() if ":" in source_id else ""
    if fmt in USER_NAMED_FORMATS and prefix in RESERVED_PREFIXES:
        raise ImportFormatError(
            f"{file_name}: source id '{source_id}' belongs to the {prefix}: publisher datasets; a {fmt} file cannot take it",
            "choose your own id, e.g. source_id=user:my-series (the store is unchanged)",
        )
    previous = first_row(con, "SELECT format FROM source WHERE source_id = ?", [source_id])
    if previous and previous[0] != fmt and (fmt in USER_NAMED_FORMATS or previous[0] in USER_NAMED_FORMATS
                                            or previous[0].startswith("embedded")):
        raise ImportFormatError(
            f"{file_name}: source id '{source_id}' is held by a {previous[0]} dataset; a {fmt} file cannot replace it",
            "choose another source id (sco data list shows the ids in use); the store is unchanged",
        )


def before_swap(store, plan, staging: str, *, replace: bool | str = False, new: Stats | None = None) -> None:
    """The guard, called by `run_import` just before the swap. `replace='diff'` returns the comparison.

    Raises `ImportFormatError` (one line: what would change and how to accept it) when the file
    would lose data and `replace` is not True; raises `DiffReady` in diff mode.
    """
    con = store.con
    meta = plan.meta
    check_claim(con, meta.source_id, meta.format, plan.path.name)
    change = compare(con, meta.source_id, meta.table_name, staging, plan.path, new)
    if replace == "diff":
        raise DiffReady(change)
    if change.losses and replace is not True:
        raise ImportFormatError(
            f"{plan.path.name}: refused to replace source {meta.source_id}: {', '.join(change.losses)}; {change.summary()}",
            "the store is unchanged; check the file (sco data diff FILE shows the change), or pass --replace to accept it",
        )
