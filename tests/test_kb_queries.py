"""As-of queries answer correctly for the report's years and for today, including accession edges."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sco_observatory.errors import BadDateError, KnowledgeBaseError, UnknownCountryError, UnknownOrganisationError
from sco_observatory.kb import queries as q

D = dt.date
FOUNDERS = {"CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB"}


def members(org, day, statuses=("member",)):
    return set(q.members_as_of(org, day, statuses)["iso3"].to_list())


def test_members_frame_columns():
    df = q.members_as_of("SCO", D(2012, 12, 31))
    assert df.columns == ["iso3", "name", "status", "since", "de_facto", "next", "source"]
    assert df.filter(df["iso3"] == "CHN")["name"][0] == "China"


def test_sco_members_and_observers_end_2012():
    assert members("SCO", D(2012, 12, 31)) == FOUNDERS
    assert members("sco", D(2012, 12, 31), ("observer",)) == {"MNG", "IRN", "IND", "PAK", "AFG"}
    assert members("SCO", D(2012, 12, 31), ("dialogue_partner",)) == {"BLR", "LKA", "TUR"}


def test_year_strings_mean_31_december_and_year_only_rows_show_year():
    df = q.members_as_of("SCO", "2012", ("observer",))
    assert set(df["iso3"]) == {"MNG", "IRN", "IND", "PAK", "AFG"}
    # Afghanistan's start is now day-precise (Beijing summit, pajhwok_2012_06_07); a year-only row shows its year
    assert df.filter(df["iso3"] == "AFG")["since"][0] == "2012-06-07"
    cica = q.members_as_of("CICA", "2012")
    assert cica.filter(cica["iso3"] == "IRQ")["since"][0] == "2010"  # no source gives Iraq's day


@pytest.mark.parametrize(
    "day, present, absent",
    [
        (D(2017, 6, 8), set(), {"IND", "PAK"}),          # day before Astana 2017
        (D(2017, 6, 9), {"IND", "PAK"}, set()),          # day of accession
        (D(2023, 7, 3), {"IND", "PAK"}, {"IRN"}),
        (D(2023, 7, 4), {"IRN"}, {"BLR"}),
        (D(2024, 7, 3), {"IRN"}, {"BLR"}),
        (D(2024, 7, 4), {"BLR", "IRN"}, set()),
        (D(2026, 1, 1), FOUNDERS | {"IND", "PAK", "IRN", "BLR"}, set()),
    ],
)
def test_sco_accession_edges(day, present, absent):
    got = members("SCO", day)
    assert present <= got
    assert not (absent & got)


def test_sco_today_ten_members_two_observers():
    assert len(members("SCO", D(2025, 1, 1))) == 10
    assert members("SCO", D(2025, 1, 1), ("observer",)) == {"AFG", "MNG"}
    assert len(members("SCO", D(2024, 7, 4), ("dialogue_partner",))) == 14  # TASS 2024-07-04


def test_observer_becomes_member_without_overlap():
    assert members("SCO", D(2017, 6, 8), ("observer",)) >= {"IND", "PAK"}
    assert not members("SCO", D(2017, 6, 9), ("observer",)) & {"IND", "PAK"}


def test_shanghai_five_and_before_founding():
    assert members("SHANGHAI5", D(1996, 4, 26)) == FOUNDERS - {"UZB"}
    assert members("Shanghai Five", D(2001, 6, 14)) == FOUNDERS - {"UZB"}
    with pytest.raises(BadDateError, match="SCO did not exist on 2000-01-01"):
        q.members_as_of("SCO", D(2000, 1, 1))
    with pytest.raises(BadDateError, match="no longer existed"):
        q.members_as_of("SHANGHAI5", D(2001, 6, 15))


def test_uzbekistan_csto_history():
    assert "UZB" in members("CST", D(1999, 4, 1))
    assert "UZB" not in members("CST", D(1999, 4, 2))
    assert "UZB" in members("CST", D(2000, 1, 1), ("suspended",))
    assert "UZB" not in members("CSTO", D(2006, 8, 15))
    assert "UZB" in members("CSTO", D(2006, 8, 16))
    assert "UZB" in members("CSTO", D(2012, 12, 18))
    assert "UZB" not in members("CSTO", D(2012, 12, 19))
    assert "UZB" in members("CSTO", D(2014, 12, 31), ("suspended",))
    hist = q.history("Uzbekistan")
    csto = hist.filter(hist["org"].is_in(["CST", "CSTO"]))
    assert csto["status"].to_list() == ["member", "suspended", "suspended", "member", "suspended"]
    assert csto["since"].to_list() == ["1992-05-15", "1999-04-02", "2002-10-07", "2006-08-16", "2012-12-19"]
    assert all(csto["source"].to_list())


def test_history_in_date_order_and_by_name():
    hist = q.history("Kazakhstan")
    assert hist.columns[:5] == ["org", "org_name", "status", "since", "until"]
    assert hist["org"][0] == "CIS"
    with pytest.raises(UnknownCountryError):
        q.history("Narnia")


@pytest.mark.parametrize(
    "org, day, expected",
    [
        ("CSTO", D(2014, 12, 31), {"ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK"}),
        ("CST", D(1995, 1, 1), {"ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB"}),
        ("CST", D(2000, 1, 1), {"ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK"}),
        ("CIS", D(2008, 12, 31), {"ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "UZB"}),
        ("CIS", D(2009, 8, 18), {"ARM", "AZE", "BLR", "KAZ", "KGZ", "MDA", "RUS", "TJK", "UZB"}),
        ("EurAsEC", D(2007, 1, 1), {"BLR", "KAZ", "KGZ", "RUS", "TJK", "UZB"}),
        ("EurAsEC", D(2014, 12, 31), {"BLR", "KAZ", "KGZ", "RUS", "TJK"}),
        ("CU", D(2010, 1, 1), {"BLR", "KAZ", "RUS"}),
        ("CES", D(2012, 6, 1), {"BLR", "KAZ", "RUS"}),
        ("EAEU", D(2015, 1, 1), {"BLR", "KAZ", "RUS"}),
        ("EAEU", D(2015, 1, 2), {"ARM", "BLR", "KAZ", "RUS"}),
        ("EAEU", D(2015, 8, 5), {"ARM", "BLR", "KAZ", "RUS"}),
        ("EAEU", D(2015, 8, 6), {"ARM", "BLR", "KAZ", "KGZ", "RUS"}),
        ("CACO", D(2004, 10, 17), {"KAZ", "KGZ", "TJK", "UZB"}),
        ("CACO", D(2004, 10, 18), {"KAZ", "KGZ", "TJK", "UZB", "RUS"}),
        ("CAEC", D(1997, 1, 1), {"KAZ", "KGZ", "UZB"}),
        ("ECO", D(1992, 11, 27), {"IRN", "PAK", "TUR"}),
        ("ECO", D(1992, 11, 28), {"IRN", "PAK", "TUR", "AFG", "AZE", "KAZ", "KGZ", "TJK", "TKM", "UZB"}),
        ("SAARC", D(2007, 4, 2), {"BGD", "BTN", "IND", "MDV", "NPL", "PAK", "LKA"}),
        ("SAARC", D(2007, 4, 3), {"BGD", "BTN", "IND", "MDV", "NPL", "PAK", "LKA", "AFG"}),
        ("ASEAN", D(1997, 7, 23), {"IDN", "MYS", "PHL", "SGP", "THA", "BRN", "VNM", "LAO", "MMR"}),
        ("BRICS", D(2023, 12, 31), {"BRA", "RUS", "IND", "CHN", "ZAF"}),
        ("BRICS", D(2024, 1, 1), {"BRA", "RUS", "IND", "CHN", "ZAF", "EGY", "ETH", "IRN", "ARE"}),
    ],
)
def test_other_organisations_as_of(org, day, expected):
    assert members(org, day) == expected


def test_turkmenistan_cis_associate_and_eurasec_uzbekistan_suspended():
    assert members("CIS", D(2005, 8, 26), ("associate",)) >= {"TKM"}
    assert "TKM" in members("CIS", D(2005, 8, 25))
    assert "UZB" in members("EURASEC", D(2010, 1, 1), ("suspended",))


def test_organisation_lookup_case_insensitive_and_aliases():
    assert q.organisation("eurasec").id == "EURASEC"
    assert q.organisation("Heart of Asia").id == "ISTANBUL_PROCESS"
    assert q.is_organisation("csto") and not q.is_organisation("NATO")
    with pytest.raises(UnknownOrganisationError) as info:
        q.organisation("SOC")
    assert "SCO" in info.value.hint


def test_bad_inputs():
    with pytest.raises(BadDateError):
        q.members_as_of("SCO", "2012-13-01")
    with pytest.raises(KnowledgeBaseError, match="unknown status"):
        q.members_as_of("SCO", D(2012, 1, 1), ("observr",))


def test_timeline_in_date_order():
    tl = q.timeline("SCO")
    assert tl.columns == ["date", "iso3", "name", "event", "status", "source"]
    keys = [d if len(d) == 10 else d + "-01-01" for d in tl["date"].to_list()]
    assert keys == sorted(keys)
    ind = tl.filter(tl["iso3"] == "IND")["event"].to_list()
    # the application (2014) runs beside the observer status and does not interrupt it
    assert ind == ["joined as observer", "applied for membership", "became member (was observer)"]
    blr = tl.filter(tl["iso3"] == "BLR")["event"].to_list()
    assert blr == ["joined as dialogue partner", "became observer (was dialogue partner)",
                   "applied for membership", "became member (was observer)"]
    csto = q.timeline("CSTO")
    assert csto.filter(csto["iso3"] == "UZB")["event"].to_list()[-1] == "suspended (was member)"


def test_overlap_matrix():
    df = q.overlap(D(2014, 12, 31), ["KAZ", "Uzbekistan", "BLR"])
    assert df["iso3"].to_list() == ["KAZ", "UZB", "BLR"]
    row = {r["iso3"]: r for r in df.to_dicts()}
    assert row["KAZ"]["SCO"] == "member" and row["KAZ"]["CSTO"] == "member" and row["KAZ"]["CU"] == "member"
    assert row["UZB"]["CSTO"] == "suspended" and row["UZB"]["CU"] is None
    assert row["BLR"]["SCO"] == "dialogue_partner"
    assert "EAEU" not in df.columns  # did not exist yet
    assert "EAEU" in q.overlap(D(2016, 1, 1)).columns


def test_tables_and_graph():
    assert set(q.bodies()["seat"].drop_nulls()) >= {"Bishkek", "Tashkent", "Beijing"}
    assert q.criteria().height == 5
    assert q.projects().filter(q.projects()["id"] == "MANAS")["end"][0] == "2014"
    assert "2001-06-15" in q.documents()["date"].to_list()
    g = q.membership_graph(D(2012, 12, 31))
    json.dumps(g)
    sco_edges = {(e["source"], e["status"]) for e in g["edges"] if e["target"] == "SCO"}
    assert ("AFG", "observer") in sco_edges and ("CHN", "member") in sco_edges
    assert {"id": "SCO", "type": "organisation", "label": "Shanghai Cooperation Organisation"} in g["nodes"]
