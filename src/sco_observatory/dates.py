"""Dates and years as users type them: `2012` (meaning 31 December 2012), `2017-06-09`, `2010-2012`.

One parser of year selections serves the CLI, the library and the API (`parse_years`).
"""

from __future__ import annotations

import datetime as dt
import re

from collections.abc import Iterable

from sco_observatory.errors import BadDateError

FIRST_YEAR = 1800
_YEAR = re.compile(r"^\d{4}$")
_RANGE = re.compile(r"^(\d{4})\s*(?:-|:|\.\.)\s*(\d{4})$")


def today() -> dt.date:
    return dt.date.today()


def years_text(years: tuple[int, int]) -> str:
    """A span of years as a message says it: `2012` for one year, `2010-2012` for several."""
    return str(years[0]) if years[0] == years[1] else f"{years[0]}-{years[1]}"


def check_year(year: int, what: str = "year") -> int:
    if not FIRST_YEAR <= year <= today().year:
        raise BadDateError(
            f"impossible {what} {year}", f"use a year between {FIRST_YEAR} and {today().year}"
        )
    return year


def parse_as_of(text: str | dt.date | None) -> dt.date:
    """A date for as-of queries: 'YYYY' is 31 December of that year (or today, for the current year)."""
    if text is None or text == "":
        return today()
    if isinstance(text, dt.date):
        return text
    text = str(text).strip()
    if _YEAR.match(text):
        year = check_year(int(text))
        return min(dt.date(year, 12, 31), today())
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise BadDateError(f"bad date '{text}'", "write a year (2012) or an ISO date (2017-06-09)") from None
    check_year(value.year, "date")
    if value > today():
        raise BadDateError(f"date {value} is in the future", f"use a date up to {today()}")
    return value


def parse_year_range(text: str) -> tuple[int, int]:
    """'2012' -> (2012, 2012); '2010-2012' -> (2010, 2012)."""
    text = str(text).strip()
    if _YEAR.match(text):
        year = check_year(int(text))
        return year, year
    match = _RANGE.match(text)
    if not match:
        raise BadDateError(f"bad year range '{text}'", "write a year (2012) or a range (2010-2012)")
    first, last = check_year(int(match.group(1))), check_year(int(match.group(2)))
    if first > last:
        raise BadDateError(f"year range '{text}' runs backwards", f"write {last}-{first}")
    return first, last


MAX_YEARS = 400
"""More years than 1800..today holds is a mistake, not a selection."""

_STEPPED = re.compile(r"^(\d{4})\s*(?:-|\.\.)\s*(\d{4})\s*:\s*(\d{1,3})$")
_SELECTION_HELP = "write 2012, 2000,2010,2020, 2000-2020 or 2000-2020:5 (every 5th year)"


def parse_years(value: int | str | range | Iterable[int | str]) -> tuple[int, ...]:
    """A year selection as sorted distinct years, whatever form it comes in.

    Accepts an int (`2012`), a `range` (`range(2010, 2021)`), an iterable of years, or text:
    `2012`, `2000,2010,2020`, `2000-2020` (inclusive), `2000-2020:5` (2000, 2005, ... 2020) and
    comma-separated mixtures of those. Every year must lie in FIRST_YEAR..today; anything else is a
    `BadDateError` (one line with the forms it takes).

    >>> parse_years("2000-2010:5")
    (2000, 2005, 2010)
    >>> parse_years([2020, "2000"])
    (2000, 2020)
    """
    if isinstance(value, bool):
        raise BadDateError(f"bad year selection {value!r}", _SELECTION_HELP)
    if isinstance(value, int):
        return (check_year(value),)
    if isinstance(value, range):
        if len(value) > MAX_YEARS:
            raise BadDateError(f"year selection of {len(value)} years", _SELECTION_HELP)
        return tuple(sorted({check_year(int(y)) for y in value})) or _empty(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 4 * MAX_YEARS:
            raise BadDateError(f"year selection of {len(text)} characters", _SELECTION_HELP)
        years: set[int] = set()
        for part in (p.strip() for p in text.split(",")):
            years.update(_parse_part(part, text))
        return tuple(sorted(years))
    try:
        items = list(value)
    except TypeError:
        raise BadDateError(f"bad year selection {value!r}", _SELECTION_HELP) from None
    if len(items) > MAX_YEARS:
        raise BadDateError(f"year selection of {len(items)} years", _SELECTION_HELP)
    years = set()
    for item in items:
        years.update(parse_years(item))
    return tuple(sorted(years)) or _empty(value)


def _parse_part(part: str, whole: str) -> tuple[int, ...]:
    if _YEAR.match(part):
        return (check_year(int(part)),)
    stepped = _STEPPED.match(part)
    if stepped:
        first, last, step = (int(g) for g in stepped.groups())
        if step < 1:
            raise BadDateError(f"year step 0 in '{whole}'", _SELECTION_HELP)
        first, last = _checked_span(first, last, whole)
        return tuple(range(first, last + 1, step))
    match = _RANGE.match(part)
    if match:
        first, last = _checked_span(int(match.group(1)), int(match.group(2)), whole)
        return tuple(range(first, last + 1))
    raise BadDateError(f"bad year selection '{whole}'", _SELECTION_HELP)


def _checked_span(first: int, last: int, whole: str) -> tuple[int, int]:
    check_year(first)
    check_year(last)
    if first > last:
        raise BadDateError(f"year range '{whole}' runs backwards", f"write {last}-{first}")
    return first, last


def _empty(value) -> tuple[int, ...]:
    raise BadDateError(f"empty year selection {value!r}", _SELECTION_HELP)
