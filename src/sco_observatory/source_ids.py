"""Source ids at the edge: a --source / ?source= value is checked before any query sees it.

Why: a source id ends up in SQL and in messages. The shape check (SOURCE_ID) refuses quotes,
spaces and SQL punctuation outright (`o'brien`, `x' OR '1'='1`); then the value must name a
source id or a family (the part before ':') the store holds, else the error lists what it holds.
"""

from __future__ import annotations

import re
from typing import Optional

from sco_observatory.errors import ObservatoryError

# A source id as the importers write it: family[:dataset[:...]], e.g. wdi, sipri:milex-2024,
# embedded:iiss-mb2013, imf-dots:focus. No quotes, spaces, or SQL punctuation can pass.
SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+\-]*(?::[A-Za-z0-9._+\-]+)*:?$")
MAX_SOURCE_CHARS = 120


class UnknownSourceError(ObservatoryError):
    """A --source value that is malformed or names no source in the store."""


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
