"""Shared option types: one definition of --format, the year options, --source and --nearest.

Why: each bound (years 1800..next year, a source id's shape, case-insensitive choices) must hold
for every command that takes the option, so it is declared once here and the commands reuse it.
Values out of bounds are refused by the parser (one line, exit 2) before any work.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import typer

from sco_observatory.cli.output import Format
from sco_observatory.errors import ObservatoryError
from sco_observatory.limits import FIRST_YEAR, last_year

FORMAT_HELP = "table, csv or json."

# A source id as the importers write it: family[:dataset[:...]], e.g. wdi, sipri:milex-2024,
# embedded:iiss-mb2013, imf-dots:focus. No quotes, spaces, or SQL punctuation can pass.
SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+\-]*(?::[A-Za-z0-9._+\-]+)*:?$")
MAX_SOURCE_CHARS = 120


class UnknownSourceError(ObservatoryError):
    """A --source value that is malformed or names no source in the store."""


def format_option(help: str = FORMAT_HELP) -> Any:
    """--format table|csv|json, case-insensitive (JSON, Table)."""
    return typer.Option(Format.table, "--format", case_sensitive=False, help=help)


def year_option(*names: str, default: Any = ..., help: str = "Year.") -> Any:
    """An integer year option bounded to FIRST_YEAR..next year (the parser refuses anything else)."""
    return typer.Option(default, *names, min=FIRST_YEAR, max=last_year(), help=help)


def nearest_option(help: str) -> Any:
    return typer.Option(0, "--nearest", min=0, max=50, help=help)


def source_option(help: str) -> Any:
    """--source ID; `check_source` checks it against the store before any query (shape first)."""
    return typer.Option(None, "--source", help=help)


def check_source(store, value: Optional[str]) -> Optional[str]:
    """`value` if it is a well-formed source id or family (the part before ':') the store holds.

    Raises UnknownSourceError listing what the store holds otherwise, so no query ever sees it:
    the shape check (SOURCE_ID) refuses quotes, spaces and SQL before the store is consulted.
    """
    if value is None:
        return None
    ids = [str(s) for s in store.sources()["source_id"].to_list()]
    families = {s.split(":", 1)[0] for s in ids}
    shown = sorted(families | set(ids))
    listing = ", ".join(shown[:20]) + (f", … ({len(shown)} in all)" if len(shown) > 20 else "")
    hint = f"sources in the store: {listing or 'none'} (`sco data list`)"
    if len(value) > MAX_SOURCE_CHARS or not SOURCE_ID.match(value):
        raise UnknownSourceError(f"'{_clip(value)}' is not a source id (letters, digits, . _ - + and ':' only)", hint)
    stem = value.rstrip(":")
    if value in ids or stem in families or any(s.startswith(stem + ":") for s in ids):
        return value
    raise UnknownSourceError(f"the store holds no source '{value}'", hint)


def _clip(value: str, n: int = 40) -> str:
    return value if len(value) <= n else value[: n - 1] + "…"
