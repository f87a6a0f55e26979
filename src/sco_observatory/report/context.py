"""What the report's sections are given and what they return: the Context and the Section.

In a module of their own so that the builder imports the sections and the sections import these
types, and neither imports the other (report/builder.py and report/sections.py used to import each
other).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sco_observatory.groups import Group
from sco_observatory.report.footnotes import Footnotes
from sco_observatory.store import Store


@dataclass
class Section:
    """One section of the report: its anchor id, title, HTML body and a one-line summary."""

    id: str
    title: str
    body: str
    summary: str = ""


@dataclass
class Context:
    """What every section builder gets: the store, the date, the group and the footnotes."""

    store: Store
    as_of: dt.date
    group: Group
    group_expr: str
    notes: Footnotes = field(default_factory=Footnotes)
    chart_count: int = 0
    lang: str | None = None  # language of country, organisation and status names (None = English)

    def name(self, iso3: str) -> str:
        """A country's name in the report's language (CLDR; English by default)."""
        from sco_observatory.countries import display_name

        return display_name(iso3, self.lang)

    def org(self, org: str) -> str:
        """An organisation's name in the report's language (the ledger's sourced names; else English)."""
        from sco_observatory.kb.names import org_name

        return org_name(org, self.lang)

    def status(self, status: str | None, org: str = "SCO") -> str:
        """A status word in the report's language, as the organisation's texts write it (else English)."""
        from sco_observatory.kb.names import status_word

        return status_word(status, self.lang, org)

    def localise(self, frame):
        """A ledger frame with its ``name`` / ``org_name`` columns in the report's language."""
        from sco_observatory.kb.names import localise

        return localise(frame, self.lang)

    def chart_id(self, stem: str) -> str:
        """A unique DOM id for the next chart of the page (`chart-<stem>-<n>`)."""
        self.chart_count += 1
        return f"chart-{stem}-{self.chart_count}"
