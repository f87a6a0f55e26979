"""One way to print a result: a rich table, CSV or JSON, chosen by every listing command's --format.

CSV and JSON keep the library's column names (`iso3`, `year`, `value`, `source`, ...) and codes
(`NY.GDP.MKTP.CD`), so output can be piped into other tools; the table is for people: its headers
and indicator cells go through `sco_observatory.labels` ("GDP (current US$)", "Trade intensity index").

No text is ever read as rich markup: cells, titles and captions carry user input and imported data
(a country or indicator named `[/]` or `[bold]`), so each is wrapped in `rich.text.Text`, which
rich prints literally, and the consoles are made with `markup=False`.
"""

from __future__ import annotations

import enum
import json
import sys

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.text import Text


class Format(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if abs(value) >= 1e4:
            return f"{value:,.0f}"
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def emit(frame: pl.DataFrame, fmt: str | Format = Format.table, title: str | None = None,
         caption: str | None = None) -> None:
    """Print a frame in the chosen format on stdout."""
    fmt = Format(fmt)
    if fmt is Format.csv:
        sys.stdout.write(frame.write_csv())
        return
    if fmt is Format.json:
        sys.stdout.write(json.dumps(frame.to_dicts(), default=str, ensure_ascii=False, indent=1) + "\n")
        return
    from sco_observatory.labels import cell, header, in_words

    table = Table(title=_text(in_words(title)), caption=_text(in_words(caption)), show_lines=False)
    for name, dtype in frame.schema.items():
        table.add_column(Text(header(name)), justify="right" if dtype.is_numeric() else "left", overflow="fold")
    names = frame.columns
    for row in frame.iter_rows():
        table.add_row(*(Text(_cell(cell(n, v))) for n, v in zip(names, row)))
    plain_console().print(table)
    if frame.height == 0:
        plain_console(stderr=True).print("(no rows)")


def _text(value: str | None) -> Text | None:
    return None if value is None else Text(value)


def plain_console(stderr: bool = False) -> Console:
    """A console that prints every string literally (no markup, no emoji codes, no auto-highlight)."""
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False)
