"""Knowledge base: a sourced, dated ledger of the SCO and overlapping Eurasian organisations.

The ledger lives in ``kb/data/*.yaml`` (see docs/kb.md); ``model`` loads and validates it,
``queries`` answers as-of questions, ``igo_check`` compares it with COW IGO v3.
"""

from sco_observatory.kb.igo_check import igo_crosscheck
from sco_observatory.kb.model import KBDate, Ledger, load_ledger
from sco_observatory.kb.queries import (
    bodies,
    criteria,
    documents,
    history,
    is_organisation,
    members_as_of,
    membership_graph,
    organisation,
    organisations,
    overlap,
    projects,
    resolve_country,
    sources,
    timeline,
)

__all__ = [
    "KBDate", "Ledger", "load_ledger", "igo_crosscheck", "bodies", "criteria", "documents", "history",
    "is_organisation", "members_as_of", "membership_graph", "organisation", "organisations", "overlap",
    "projects", "resolve_country", "sources", "timeline",
]
