"""Knowledge base: a sourced, dated ledger of the SCO and overlapping Eurasian organisations.

The ledger lives in ``kb/data/*.yaml`` (see docs/kb.md); ``model`` loads and validates it,
``queries`` answers as-of questions, ``criteria`` evaluates the SCO's admission criteria for a country
on a date (``kb.criteria.evaluate``), ``igo_check`` compares the ledger with COW IGO v3.

``kb.criteria`` is the module; the list of criteria is ``kb.admission_criteria(org)``.
"""

from importlib import import_module
from typing import Any

_NAMES = {
    "criteria": ("sco_observatory.kb.criteria", None), "igo_crosscheck": ("sco_observatory.kb.igo_check", "igo_crosscheck"),
    **{n: ("sco_observatory.kb.model", n) for n in ("KBDate", "Ledger", "load_ledger")},
    "admission_criteria": ("sco_observatory.kb.queries", "criteria"),
    **{n: ("sco_observatory.kb.queries", n) for n in (
        "bodies", "documents", "history", "history_notes", "is_organisation", "members_as_of", "members_notes",
        "membership_graph", "organisation", "organisations", "overlap", "projects", "resolve_country", "sources",
        "timeline")},
}
"""Each public name -> (module, attribute; None: the module itself), imported on first use: the ledger's
model is imported by every group expression, and the queries, criteria and the IGO check (which build
polars frames) are not needed for that (benchmarks/README.md "Start-up")."""


def __getattr__(name: str) -> Any:
    try:
        module, attr = _NAMES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = import_module(module) if attr is None else getattr(import_module(module), attr)
    globals()[name] = value
    return value


__all__ = [
    "KBDate", "Ledger", "load_ledger", "igo_crosscheck", "bodies", "criteria", "admission_criteria", "documents", "history",
    "history_notes", "is_organisation", "members_as_of", "members_notes", "membership_graph", "organisation", "organisations", "overlap",
    "projects", "resolve_country", "sources", "timeline",
]
