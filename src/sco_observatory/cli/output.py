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

    title_text, caption_text = _text(in_words(title)), _text(in_words(caption))
    table = Table(title=title_text, caption=caption_text, show_lines=False)
    columns = [(n, n in frame.numeric) for n in frame.columns] if plain else \
        [(n, dtype.is_numeric()) for n, dtype in frame.schema.items()]
    names = list(frame.columns)
    headers = [header(n) for n in names]
    rows = [[_cell(cell(n, v)) for n, v in zip(names, row)] for row in (frame.rows if plain else frame.iter_rows())]
    console = plain_console()
    widths = _column_widths([[h, *(row[i] for row in rows)] for i, h in enumerate(headers)],
                            console.width - 3 * len(headers) - 1)  # each cell padded by 1, a rule between
    if rows and widths == []:
        console.print(_records(title_text, caption_text, headers, rows))
    else:
        for (name, numeric), h, width in zip(columns, headers, widths or [None] * len(headers)):
            table.add_column(Text(h), justify="right" if numeric else "left", overflow="fold", width=width)
        for row in rows:
            table.add_row(*(Text(v) for v in row))
        console.print(table)
    if frame.height == 0:
        plain_console(stderr=True).print("(no rows)")


def _column_widths(columns: Sequence[Sequence[str]], room: int) -> list[int] | None:
    """Widths for a table's columns (each a list of its header and cells) in `room` terminal cells: None
    where every column fits at its natural width (rich lays it out), [] where even each column at its
    longest word does not fit (print records instead), else each column's longest word plus an equal
    share of the spare room, a column taking no more than its longest line needs (water-filling: a
    short column is never wrapped to widen a long one).

    Why: rich squeezes a wide table by cutting the widest columns first, breaking words mid-way
    ("2001-06-1" over "5", "Kazakhsta" over "n") even where every word would fit."""
    from rich.cells import cell_len

    hi = [max((cell_len(line) for text in col for line in text.splitlines()), default=1) for col in columns]
    if sum(hi) <= room:
        return None
    lo = [max((cell_len(word) for text in col for word in text.split()), default=1) for col in columns]
    if sum(lo) > room:
        return []
    widths, spare = list(lo), room - sum(lo)
    while spare:  # water-filling: the spare room shared equally by the columns still narrower than their longest line
        short = [i for i in range(len(widths)) if widths[i] < hi[i]]
        share = spare // len(short)
        if share == 0:
            for i in sorted(short, key=lambda i: widths[i] - hi[i])[:spare]:
                widths[i] += 1
            break
        for i in short:
            step = min(share, hi[i] - widths[i])
            widths[i] += step
            spare -= step
    return widths


def _records(title: Text | None, caption: Text | None, headers: Sequence[str], rows: Sequence[Sequence[str]]):
    """The rows one block each, a line per column ("Header  value", the value wrapped beside its header),
    for a table whose narrowest layout (each column as wide as its longest word) is wider than the
    terminal.

    Why: rich squeezes such a table by folding every cell, so on an 80-column terminal a ten-column
    listing (`sco history KAZ`) reads "Organ / isati / on" a few letters per line. This is psql's
    expanded display (`\\x auto`): the same cells, every header once per row, nothing cut. Empty cells
    are left out of a block; the title and caption stay above and below."""
    from rich.console import Group
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = [title] if title is not None else []
    for number, row in enumerate(rows, 1):
        block = Table.grid(padding=(0, 2))
        block.add_column(no_wrap=True, style="bold")
        block.add_column(overflow="fold")
        for name, value in zip(headers, row):
            if value != "":
                block.add_row(Text(name), Text(value))
        parts += [Rule(Text(f"{number} of {len(rows)}"), align="left", characters="─"), block]
    if caption is not None:
        parts.append(caption)
    return Group(*parts)


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
