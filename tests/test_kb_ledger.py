"""The ledger loads, validates, and a broken ledger fails naming the file and the entry."""

from __future__ import annotations


import pytest

from sco_observatory.errors import KnowledgeBaseError
from sco_observatory.kb.model import load_ledger

from kb_fixtures import replace_once


def test_ledger_loads_and_every_fact_is_sourced():
    lg = load_ledger()
    assert {"SCO", "SHANGHAI5", "CSTO", "CST", "CIS", "EURASEC", "CU", "CES", "EAEU", "CACO", "CAEC",
            "CAREC", "ECO", "CICA", "BRICS", "ASEAN", "SAARC", "ISTANBUL_PROCESS", "TRACECA"} <= set(lg.orgs)
    assert len(lg.memberships) > 150
    for m in lg.memberships:
        assert m.source in lg.sources
    cited = {m.source for m in lg.memberships} | {o.source for o in lg.orgs.values()}
    assert "koldunova2014" in cited




def test_copy_of_ledger_loads_from_a_directory(ledger_copy):
    assert len(load_ledger(ledger_copy).memberships) == len(load_ledger().memberships)


@pytest.mark.parametrize(
    "file, old, new, expected",
    [
        ("memberships.yaml", "source: tass_2017_06_09", "source: no_such_source",
         ["memberships.yaml", "SCO IND member 2017-06-09", "unknown source id 'no_such_source'"]),
        ("memberships.yaml", 'iso3: IRN\n  status: member\n  start: "2023-07-04"',
         'iso3: IRN\n  status: member\n  start: "2023-07-03"',
         ["memberships.yaml", "SCO IRN member 2023-07-03", "overlaps entry"]),
        ("memberships.yaml", 'end: "2017-06-09"', 'end: "2004-01-01"',
         ["memberships.yaml", "SCO IND observer 2005", "is not before end"]),
        ("memberships.yaml", "iso3: MNG", "iso3: MNX",
         ["memberships.yaml", "'MNX' is not an ISO 3166 alpha-3 code"]),
        ("memberships.yaml", "- org: BRICS", "- org: BRIX",
         ["memberships.yaml", "unknown organisation id 'BRIX'"]),
        ("memberships.yaml", 'start: "2015-08-06"', 'start: "2015-13-06"',
         ["memberships.yaml", "not a date"]),
        ("organisations.yaml", "successor: SCO", "successor: SCOO",
         ["organisations.yaml", "SHANGHAI5", "unknown organisation id 'SCOO'"]),
        ("bodies.yaml", "seat_iso3: UZB", "seat_iso3: UZX", ["bodies.yaml", "RATS_TASHKENT"]),
        ("sources.yaml", "- id: wiki_sco\n", "- id: wiki_sco_unused\n  note: x\n- id: wiki_sco\n",
         ["sources.yaml"]),
    ],
)
def test_broken_ledger_names_file_and_entry(ledger_copy, file, old, new, expected):
    replace_once(ledger_copy / file, old, new)
    with pytest.raises(KnowledgeBaseError) as info:
        load_ledger(ledger_copy)
    message = info.value.message
    for part in expected:
        assert part in message, message
    assert info.value.hint and "docs/kb.md" in info.value.hint


def test_unused_source_is_refused(ledger_copy):
    path = ledger_copy / "sources.yaml"
    path.write_text(path.read_text(encoding="utf-8") + (
        '\n- id: orphan\n  title: t\n  publisher: p\n  date: "2020"\n  kind: news\n'), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"sources.yaml, entry \d+ \(orphan\): source is not cited"):
        load_ledger(ledger_copy)


def test_membership_after_dissolution_is_refused(ledger_copy):
    replace_once(ledger_copy / "memberships.yaml", 'end: "2005-10-06"', "end: null")
    with pytest.raises(KnowledgeBaseError, match="CACO was dissolved"):
        load_ledger(ledger_copy)


def test_unknown_key_is_refused(ledger_copy):
    replace_once(ledger_copy / "projects.yaml", "kind: oil pipeline", "kind: oil pipeline\n  capacty: 1")
    with pytest.raises(KnowledgeBaseError, match="projects.yaml, entry"):
        load_ledger(ledger_copy)
