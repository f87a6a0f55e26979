"""Bounds on what one request may ask for, defined once for the CLI, the API and the resolvers.

Why: every command's cost grows with its input (country_converter runs ~300 regular expressions
per name, difflib is O(n·m) per candidate, a group expression resolves item by item), so an
unbounded argument is an unbounded run. Refusing oversize input at the edge, before any work, keeps
every answer within a few seconds. The numbers are generous for real use:

- MAX_ARG_CHARS: a group expression naming every country by ISO3 is 250 × 4 ≈ 1,000 characters,
  so 10,000 leaves a factor of ten.
- MAX_NAME_CHARS: the longest official country name ("The United Kingdom of Great Britain and
  Northern Ireland") is 56 characters; 200 covers every alias and historical name.
- MAX_LIST_ITEMS: no list of countries can be longer than the number of ISO 3166 entities (~250);
  300 leaves room for historical entities.
- Years: 1800 (the earliest year of any source, dates.FIRST_YEAR) to next year.
"""

from __future__ import annotations

from sco_observatory.dates import FIRST_YEAR, today

MAX_ARG_CHARS = 10_000
MAX_NAME_CHARS = 200
MAX_LIST_ITEMS = 300
MAX_QUERY_BYTES = 10_000
MAX_BODY_BYTES = 64_000
REQUEST_SECONDS = 20.0


def last_year() -> int:
    """The latest year any option accepts: next year (a forecast or a partial year of data)."""
    return today().year + 1


def year_bounds() -> tuple[int, int]:
    return FIRST_YEAR, last_year()
