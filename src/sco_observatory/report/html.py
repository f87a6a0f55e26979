"""Small HTML helpers for the report: tables from frames, notes, number formatting, safe links.

Every text that comes from data (names, codes, source titles, sidecar URLs) is escaped with `esc`;
only `safe_href` turns a URL into a link, and only for http(s) and DOIs, so a `javascript:` or
`data:` URL from an imported file's sidecar is shown as text, never made clickable.
"""

from __future__ import annotations

import html
import re
from typing import Callable, Sequence

import polars as pl
from urllib.parse import urlsplit


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


LINK_SCHEMES = ("http", "https")
_DOI = re.compile(r"^(?:doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def safe_href(url) -> str | None:
    """The URL to put in href, or None when it must not become a link.

    http/https URLs with a host pass unchanged; a DOI (`doi:10.x/y` or a bare `10.x/y`) becomes
    https://doi.org/10.x/y; anything else (javascript:, data:, vbscript:, file:, relative paths,
    URLs with control characters or whitespace) is refused.
    """
    if url is None:
        return None
    text = str(url).strip()
    if not text or any(ord(c) < 33 or ord(c) == 127 for c in text):
        return None
    doi = _DOI.match(text)
    if doi:
        return "https://doi.org/" + doi.group(1)
    parts = urlsplit(text)
    if parts.scheme.lower() in LINK_SCHEMES and parts.netloc:
        return text
    return None


def fmt_number(value, digits: int | None = None) -> str:
    if value is None:
        return '<span class="na">n/a</span>'
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:
            return '<span class="na">n/a</span>'
        if digits is not None:
            return f"{value:,.{digits}f}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:,.1f}"
        return f"{value:,.3g}" if value else "0"
    return esc(value)


def _is_year_column(name: str) -> bool:
    return name in {"year", "start", "end", "T"} or name.endswith("_year") or name.isdigit()


def table(
    frame: pl.DataFrame,
    *,
    caption: str = "",
    table_id: str | None = None,
    cell: Callable[[str, object, dict], str] | None = None,
    columns: Sequence[str] | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """An HTML table of a frame; `cell(column, value, row)` may return custom HTML for a cell."""
    columns = list(columns or frame.columns)
    headers = headers or {}
    out = [f'<table class="data"{f" id={esc(table_id)!r}" if table_id else ""}>'.replace("'", '"')]
    if caption:
        out.append(f"<caption>{caption}</caption>")
    from sco_observatory.labels import CODE_COLUMNS, header, indicator_label

    # headers people read ("Trade intensity index"), the column name kept in the tooltip
    out.append("<thead><tr>" + "".join(f"<th title=\"{esc(c)}\">{esc(headers.get(c) or header(c))}</th>" for c in columns)
               + "</tr></thead><tbody>")
    for row in frame.iter_rows(named=True):
        cells = []
        for c in columns:
            value = row.get(c)
            custom = cell(c, value, row) if cell else None
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            if numeric and isinstance(value, int) and _is_year_column(c):
                content = custom if custom is not None else str(value)
            elif custom is None and c in CODE_COLUMNS and isinstance(value, str) and indicator_label(value) != value:
                content = f'<span title="{esc(value)}">{esc(indicator_label(value))}</span>'  # the code in the tooltip
            else:
                content = custom if custom is not None else (fmt_number(value) if numeric else esc(value))
            cells.append(f'<td class="{"num" if numeric else "txt"}" data-col="{esc(c)}">{content}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def note(text: str, command: str | None = None) -> str:
    """A plain note for missing data, with the command that fills it."""
    cmd = f" <code>{esc(command)}</code>" if command else ""
    return f'<p class="missing">{text}{cmd}</p>'
