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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence, Union

from sco_observatory.lazy import polars as pl

if TYPE_CHECKING:  # rich loads where a table is printed: `sco report` prints none (~0.1 s of its import)
    from rich.console import Console
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


@dataclass(frozen=True)
class Rows:
    """A result as plain rows, printed like a frame of string columns (those in `numeric` right-aligned).

    Why: a ledger command (`sco members`) has its rows as Python tuples already; printing them without
    building a polars frame keeps polars out of the process (benchmarks/README.md "Start-up"). CSV is
    written by the rules of polars' `write_csv` (`_csv_field`), so the output is the same either way."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    numeric: frozenset[str] = frozenset()

    @property
    def height(self) -> int:
        return len(self.rows)


Result = Union["pl.DataFrame", Rows]


def emit(frame: Result, fmt: str | Format = Format.table, title: str | None = None,
         caption: str | None = None) -> None:
    """Print a frame (or plain `Rows`) in the chosen format on stdout."""
    fmt = Format(fmt)
    plain = isinstance(frame, Rows)
    if fmt is Format.csv:
        sys.stdout.write(_csv(frame.columns, frame.rows) if plain else frame.write_csv())
        return
    if fmt is Format.json:
        records = [dict(zip(frame.columns, row)) for row in frame.rows] if plain else frame.to_dicts()
        sys.stdout.write(json.dumps(records, default=str, ensure_ascii=False, indent=1) + "\n")
        return
    from rich.table import Table
    from rich.text import Text

    from sco_observatory.labels import cell, header, in_words

    table = Table(title=_text(in_words(title)), caption=_text(in_words(caption)), show_lines=False)
    columns = [(n, n in frame.numeric) for n in frame.columns] if plain else \
        [(n, dtype.is_numeric()) for n, dtype in frame.schema.items()]
    for name, numeric in columns:
        table.add_column(Text(header(name)), justify="right" if numeric else "left", overflow="fold")
    names = list(frame.columns)
    for row in (frame.rows if plain else frame.iter_rows()):
        table.add_row(*(Text(_cell(cell(n, v))) for n, v in zip(names, row)))
    plain_console().print(table)
    if frame.height == 0:
        plain_console(stderr=True).print("(no rows)")


def _csv_field(value: Any) -> str:
    """One CSV field as polars writes a string column: null empty, an empty string ``""``, quoted (quotes
    doubled) when it holds a comma, a quote, CR or LF."""
    if value is None:
        return ""
    text = str(value)
    if text == "" or any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = [",".join(_csv_field(c) for c in columns)]
    lines.extend(",".join(_csv_field(v) for v in row) for row in rows)
    return "\n".join(lines) + "\n"


def _text(value: str | None) -> Text | None:
    from rich.text import Text

    return None if value is None else Text(value)


def plain_console(stderr: bool = False) -> Console:
    """A console that prints every string literally (no markup, no emoji codes, no auto-highlight)."""
    from rich.console import Console

    return Console(stderr=stderr, markup=False, emoji=False, highlight=False)
