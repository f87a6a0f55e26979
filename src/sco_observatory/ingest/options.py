"""Reader options (`sco import -o KEY=VALUE`) are values: checked for type and range, never SQL text.

Each reader validates its own options with these helpers before anything reaches a query; the
values then enter SQL only as bound parameters or through `base.sql_string` after validation (the
WDI `code=` must look like an indicator code, so a quote cannot be in it at all). Which keys a
format accepts is its planner's signature (`ingest.import_file` refuses the others).
"""

from __future__ import annotations

import math
import re

from sco_observatory.errors import ImportFormatError

MAX_TEXT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _bad(name: str, value: object, why: str, hint: str) -> ImportFormatError:
    shown = str(value)
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    return ImportFormatError(f"option {name}={shown!r} {why}", hint)


def text(name: str, value: object, *, pattern: re.Pattern | None = None, max_len: int = MAX_TEXT,
         hint: str = "write plain text") -> str:
    """A one-line text option, at most `max_len` characters, matching `pattern` if given."""
    value = str(value).strip()
    if not value:
        raise _bad(name, value, "is empty", hint)
    if len(value) > max_len:
        raise _bad(name, value, f"is longer than {max_len} characters", hint)
    if _CONTROL.search(value):
        raise _bad(name, value, "holds control characters (tab, newline, ...)", hint)
    if pattern is not None and not pattern.fullmatch(value):
        raise _bad(name, value, "is not of the expected form", hint)
    return value


def number(name: str, value: object, *, low: float, high: float, hint: str) -> float:
    """A finite number in [low, high]."""
    try:
        parsed = float(str(value).strip())
    except ValueError:
        raise _bad(name, value, "is not a number", hint) from None
    if not math.isfinite(parsed) or not low <= parsed <= high:
        raise _bad(name, value, f"is outside {low:g}..{high:g}", hint)
    return parsed


def whole(name: str, value: object, *, low: int, high: int, hint: str) -> int:
    """A whole number in [low, high]."""
    text_value = str(value).strip()
    if not re.fullmatch(r"[+-]?\d{1,12}", text_value):
        raise _bad(name, value, "is not a whole number", hint)
    parsed = int(text_value)
    if not low <= parsed <= high:
        raise _bad(name, value, f"is outside {low}..{high}", hint)
    return parsed


def url(name: str, value: object, *, hint: str = "write an http(s):// address") -> str:
    """An http(s) URL of at most 500 characters, without spaces."""
    return text(name, value, pattern=re.compile(r"https?://\S{1,490}"), max_len=500, hint=hint)
