"""Knowledge base: a sourced, dated ledger of the SCO and overlapping Eurasian organisations.

The ledger lives in ``kb/data/*.yaml`` (see docs/kb.md); ``model`` loads and validates it,
``queries`` answers as-of questions, ``criteria`` evaluates the SCO's admission criteria for a country
on a date (``kb.criteria.evaluate``), ``igo_check`` compares the ledger with COW IGO v3.

``kb.criteria`` is the module; the list of criteria is ``kb.admission_criteria(org)``.
"""

from sco_observatory.kb import criteria
from sco_observatory.kb.igo_check import igo_crosscheck
from sco_observatory.kb.model import KBDate, Ledger, load_ledger
from sco_observatory.kb.queries import (
    bodies,
    criteria as admission_criteria,
    documents,
    history,
    history_notes,
    is_organisation,
    members_as_of,
    members_notes,
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
    "KBDate", "Ledger", "load_ledger", "igo_crosscheck", "bodies", "criteria", "admission_criteria", "documents", "history",
    "history_notes", "is_organisation", "members_as_of", "members_notes", "membership_graph", "organisation", "organisations", "overlap",
    "projects", "resolve_country", "sources", "timeline",
]
