"""Shared option types: one definition of --format, the year options, --source and --nearest.

Why: each bound (years 1800..next year, a source id's shape, case-insensitive choices) must hold
for every command that takes the option, so it is declared once here and the commands reuse it.
Values out of bounds are refused by the parser (one line, exit 2) before any work.
"""

from __future__ import annotations

from typing import Any

import typer

from sco_observatory.cli.output import Format
from sco_observatory.source_ids import check_source  # noqa: F401 (re-exported for the commands)
from sco_observatory.limits import FIRST_YEAR, last_year

FORMAT_HELP = "table, csv or json."


def format_option(help: str = FORMAT_HELP) -> Any:
    """--format table|csv|json, case-insensitive (JSON, Table)."""
    return typer.Option(Format.table, "--format", case_sensitive=False, help=help)


def year_option(*names: str, default: Any = ..., help: str = "Year.") -> Any:
    """An integer year option bounded to FIRST_YEAR..next year (the parser refuses anything else)."""
    return typer.Option(default, *names, min=FIRST_YEAR, max=last_year(), help=help)


def lowercase(value):
    """Callback for free-text choices the library checks (--flows, --level, --measure): MIRROR = mirror."""
    return value.strip().lower() if isinstance(value, str) else value


def nearest_option(help: str) -> Any:
    return typer.Option(0, "--nearest", min=0, max=50, help=help)


def source_option(help: str) -> Any:
    """--source ID; `check_source` checks it against the store before any query (shape first)."""
    return typer.Option(None, "--source", help=help)


def lang_option() -> Any:
    """--lang CODE: the language of country and organisation names (CLDR locale: ru, zh, kk, uz, uz_Cyrl, ...).

    Checked by the library (`countries.check_language`): an unknown code is one line, exit 2.
    """
    return typer.Option(None, "--lang", help="Show country and organisation names in this language: ru, zh, zh_Hant, "
                        "kk, uz, uz_Cyrl, ky, tg, fa, hi, ur (CLDR codes; default English).")


def observatory(lang: str | None = None):
    """The library object every command calls (`sco.open()`, honouring the global --home; `lang` = --lang)."""
    from sco_observatory.api import open as open_observatory

    return open_observatory(lang=lang)
