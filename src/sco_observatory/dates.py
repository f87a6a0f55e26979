"""Dates and years as users type them: `2012` (meaning 31 December 2012), `2017-06-09`, `2010-2012`."""

from __future__ import annotations

import datetime as dt
import re

from sco_observatory.errors import BadDateError

FIRST_YEAR = 1800
_YEAR = re.compile(r"^\d{4}$")
_RANGE = re.compile(r"^(\d{4})\s*(?:-|:|\.\.)\s*(\d{4})$")


def today() -> dt.date:
    return dt.date.today()


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
