"""The older facts re-checked against their cited sources (issue #13): what changed, and the flag on what
could not be re-checked offline (docs/kb-changes.md, "Older facts re-checked")."""

from __future__ import annotations

import datetime as dt

import pytest

from sco_observatory.errors import KnowledgeBaseError
from sco_observatory.kb import load_ledger
from sco_observatory.kb import queries as q


def _iso3(frame) -> set[str]:
    return set(frame["iso3"].to_list())


def test_thailand_joined_cica_at_the_second_ministerial_meeting():
    """CICA's own page: admitted as the 17th member in Almaty on 22 October 2004 (was: attested in 2006)."""
    assert "THA" not in _iso3(q.members_as_of("CICA", "2004-10-21"))
    on_the_day = q.members_as_of("CICA", "2004-10-22")
    assert "THA" in _iso3(on_the_day) and on_the_day.height == 17
    row = on_the_day.filter(on_the_day["iso3"] == "THA").row(0, named=True)
    assert row["since"] == "2004-10-22" and row["source"] == "cica_2004_10_22_second_ministerial"


def test_the_sixteen_cica_members_are_attested_from_the_first_summit():
    assert q.members_as_of("CICA", "2002-06-03").height == 0  # attested only: not seen before the date
    assert q.members_as_of("CICA", "2002-06-04").height == 16
    hist = q.history("KAZ")
    row = hist.filter((hist["org"] == "CICA")).row(0, named=True)
    assert row["since"] == "2002-06-04" and row["since_is_attested_only"] is True


def test_facts_the_recheck_confirmed_are_unchanged():
    """A few of the facts re-read in their cited sources (kb-changes.md): CST, CACO, EurAsEC, ECO, SAARC, ASEAN."""
    assert _iso3(q.members_as_of("CST", "1993-12-31")) == {"ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB"}
    assert _iso3(q.members_as_of("CST", "1999-04-02")) == {"ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK"}
    assert "RUS" in _iso3(q.members_as_of("CACO", "2004-10-18"))
    assert "UZB" in _iso3(q.members_as_of("EURASEC", "2006-01-25"))
    assert "UZB" not in _iso3(q.members_as_of("EURASEC", "2006-01-24"))
    assert len(q.members_as_of("ECO", "1992-11-28")) == 10
    assert "AFG" in _iso3(q.members_as_of("SAARC", "2007-04-03"))


def test_a_fact_not_rechecked_offline_carries_verified_false():
    lg = load_ledger()
    assert lg.orgs["CAREC"].verified is False
    assert lg.orgs["SCO"].verified is None


def test_verified_must_be_a_boolean(ledger_copy):
    path = ledger_copy / "organisations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  verified: false\n", "  verified: perhaps\n", 1),
                    encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="verified"):
        load_ledger(ledger_copy)


def test_every_new_source_is_dated_and_cited():
    lg = load_ledger()
    for sid in ("mid_ru_2002_06_06", "cica_2004_10_22_second_ministerial", "wiki_csto_kiwix", "wiki_zh_sco_kiwix",
                "worldjpn_2004_06_17_observer_regulation_zh", "worldjpn_2008_08_28_dialogue_partner_regulation_zh",
                "wikisource_sco_charter_zh_hant"):
        source = lg.sources[sid]
        assert source.url and source.date.value <= dt.date.today()
