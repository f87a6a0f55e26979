"""Issue #13: the dating rule, the 2025 SCO merge, parallel, de facto and sub-body statuses, the
validator's precision check, the as-of `next` column, names in other languages, the new organisations."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sco_observatory.cli import main
from sco_observatory.errors import BadDateError, KnowledgeBaseError
from sco_observatory.groups import group_frame, resolve_group
from sco_observatory.kb import queries as q
from sco_observatory.kb.model import load_ledger

from kb_fixtures import replace_once

D = dt.date


def _iso3(frame) -> set[str]:
    return set(frame["iso3"].to_list())


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


# ------------------------------------------------------------------------------ the dating rule
def test_every_organisation_states_its_dating_rule():
    orgs = q.organisations()
    assert orgs["dating_rule"].null_count() == 0
    assert "Heads of State Council" in orgs.filter(orgs["id"] == "SCO")["dating_rule"][0]


def test_sco_dialogue_partners_of_2022_are_dated_by_the_council_decision():
    lg = load_ledger()
    rows = [m for m in lg.memberships if m.org == "SCO" and m.status == "dialogue_partner"
            and m.iso3 in {"EGY", "QAT", "SAU", "BHR", "KWT", "ARE", "MMR", "MDV"}]
    assert len(rows) == 8
    assert {m.start.value for m in rows} == {D(2022, 9, 16)}  # Samarkand Heads of State Council
    egypt = next(m for m in rows if m.iso3 == "EGY")
    assert [(e.date.value, e.source) for e in egypt.events] == [(D(2022, 9, 14), "newsghana_2022_09_14")]
    # the memorandum is a second dated event in the timeline, not the start
    tl = q.timeline("SCO").filter(q.timeline("SCO")["iso3"] == "EGY")
    assert tl["date"].to_list() == ["2022-09-14", "2022-09-16", "2025-09-01"]
    assert "memorandum" in tl["event"][0]


# ------------------------------------------------------------------------------ the 2025 merge
def test_merge_every_observer_and_dialogue_partner_becomes_partner():
    before = q.members_as_of("SCO", "2025-08-31", ["observer", "dialogue_partner"])
    assert len(before) == 16  # 2 observers + 14 dialogue partners (tass_2025_09_01)
    after = q.members_as_of("SCO", "2025-09-01", ["partner"])
    assert _iso3(after) == _iso3(before) | {"LAO"}
    assert (after["status"] == "partner").all()
    nxt = dict(zip(before["iso3"], before["next"]))
    assert nxt["MNG"] == "partner from 2025-09-01" and nxt["TUR"] == "partner from 2025-09-01"


@pytest.mark.parametrize("status", ["observer", "dialogue_partner"])
def test_merged_status_after_the_date_is_empty_with_a_note(status):
    assert q.members_as_of("SCO", "2025-09-01", [status]).height == 0
    notes = q.members_notes("SCO", "2025-09-01", [status])
    assert len(notes) == 1 and "merged" in notes[0] and "SCO:partner" in notes[0]
    assert q.members_notes("SCO", "2025-08-31", [status]) == []


def test_partner_in_group_expressions_and_the_merge_note():
    group = resolve_group("SCO:partner@2025-09-01")
    assert "LAO" in group and "MNG" in group and len(group) == 17
    empty = resolve_group("SCO:observer@2026")
    assert len(empty) == 0 and "merged" in empty.notes[0]
    both = resolve_group("SCO:member,observer@2026")
    assert len(both) == 10 and empty.notes == both.notes


def test_sco_members_cli_prints_the_merge_note(capsys):
    code, out, err = run(capsys, "members", "SCO:dialogue_partner@2026-01-01", "--format", "json")
    assert code == 0 and json.loads(out) == []
    assert err.count("\n") == 1 and "merged into one status, partner, on 2025-09-01" in err


def test_timeline_records_the_merge():
    tl = q.timeline("SCO")
    merged = tl.filter(tl["event"].str.contains("merged into") & tl["iso3"].is_null())
    assert merged["date"].to_list() == ["2025-09-01"] and merged["source"][0] == "trend_2025_09_01"
    # each country's switch is a merge, not an upgrade ("became ..." counts as one in the signposts)
    mng = tl.filter(tl["iso3"] == "MNG")["event"].to_list()
    assert mng == ["joined as observer", "status merged into SCO partner (was observer)"]
    assert tl.filter((tl["date"] == "2025-09-01") & tl["event"].str.starts_with("became")).height == 0


def test_dashboard_members_carry_the_note(tmp_path):
    from fastapi.testclient import TestClient

    from sco_observatory.web.app import create_app

    with TestClient(create_app(str(tmp_path / "store.duckdb"))) as client:
        body = client.get("/api/members", params={"group": "SCO:observer@2026"}).json()
    assert body["rows"] == [] and "merged" in body["notes"][0]
    assert "next" in body["columns"] and "until" not in body["columns"]


# ------------------------------------------------------------------------------ as of the date
def test_as_of_answer_has_no_date_after_the_question():
    frame = q.members_as_of("SCO", "2016", ["observer"])
    assert "until" not in frame.columns
    india = frame.filter(frame["iso3"] == "IND").row(0, named=True)
    assert india["since"] == "2005-07-05" and india["next"] == "member from 2017-06-09"
    for since in frame["since"]:
        assert since[:4] <= "2016"
    members = group_frame(resolve_group("SCO:observer@2016"))
    assert members.columns == ["iso3", "name", "status", "since", "de_facto", "next", "source"]


def test_next_names_departures_and_dissolutions():
    geo = q.members_as_of("CIS", "2000").filter(q.members_as_of("CIS", "2000")["iso3"] == "GEO")
    assert geo["next"][0] == "left 2009-08-18"
    caco = q.members_as_of("CACO", "2003")
    assert set(caco["next"]) == {"CACO ended 2005-10-06 (succeeded by EURASEC)"}
    assert q.members_as_of("SCO", "2024", ["member"]).filter(q.members_as_of("SCO", "2024")["iso3"] == "CHN")[
        "next"][0] is None


# ------------------------------------------------------------------------------ day precision
def test_year_only_date_gives_a_note_in_its_year():
    notes = q.members_notes("CICA", "2010-05-01")  # Iraq: admitted in 2010, day not sourced
    assert notes == ["IRQ CICA member since 2010 (year only): whether it held on 2010-05-01 is not known"]
    assert q.members_notes("CICA", "2011-05-01") != notes
    assert q.members_notes("CES", "2012-06-30") == []  # CES now dated 2012-01-01
    assert q.members_notes("CAREC", "2016-06-30") == []  # Georgia now dated 2016-10-26


def test_accessions_dated_to_the_day_the_sources_give():
    carec = {r["iso3"]: r["since"] for r in q.members_as_of("CAREC", "2020").iter_rows(named=True)}
    assert (carec["TKM"], carec["PAK"], carec["GEO"], carec["AFG"]) == (
        "2010-11-02", "2010-11-02", "2016-10-26", "2005-11-06")
    assert "GEO" not in _iso3(q.members_as_of("CAREC", "2016-10-25"))
    brics = {r["iso3"]: r["since"] for r in q.members_as_of("BRICS", "2020").iter_rows(named=True)}
    assert brics["ZAF"] == "2010-12-23" and brics["CHN"] == "2009-06-16"


def test_moldova_eaeu_observer_from_may_2018():
    assert "MDA" not in _iso3(q.members_as_of("EAEU", "2017-12-31", ["observer"]))
    assert "MDA" not in _iso3(q.members_as_of("EAEU", "2018-05-13", ["observer"]))
    assert "MDA" in _iso3(q.members_as_of("EAEU", "2018-05-14", ["observer"]))


def test_validator_rejects_a_year_where_the_source_gives_the_day(ledger_copy):
    path = ledger_copy / "memberships.yaml"
    replace_once(path, 'start: "2016-10-26"', 'start: "2016"')
    with pytest.raises(KnowledgeBaseError) as info:
        load_ledger(ledger_copy)
    msg = info.value.message
    assert "CAREC GEO member 2016" in msg and "agenda_ge_2016_10_27" in msg and "2016-10-27" in msg


def test_validator_accepts_a_year_with_a_reason(ledger_copy):
    path = ledger_copy / "memberships.yaml"
    replace_once(path, 'start: "2016-10-26"', 'start: "2016"\n  year_only: "test: the day is disputed"')
    lg = load_ledger(ledger_copy)
    geo = next(m for m in lg.memberships if m.org == "CAREC" and m.iso3 == "GEO")
    assert geo.start.precision == "year"


# ------------------------------------------------------------------------------ parallel statuses
def test_application_beside_observer_status():
    frame = q.members_as_of("SCO", "2016", ["observer", "applicant"])
    india = frame.filter(frame["iso3"] == "IND")
    assert india["status"].to_list() == ["observer", "applicant"]
    assert q.overlap("2016", ["IND"])["SCO"][0] == "observer + applicant"
    assert "IND" in resolve_group("SCO:applicant@2016")
    # the application does not break the observer's succession
    assert india["next"].to_list() == ["member from 2017-06-09", "member from 2017-06-09"]


def test_application_may_not_overlap_membership(ledger_copy):
    replace_once(ledger_copy / "memberships.yaml",
                 'status: applicant\n  start: "2014-09-12"\n  end: "2017-06-09"',
                 'status: applicant\n  start: "2014-09-12"\n  end: "2018-01-01"')
    with pytest.raises(KnowledgeBaseError, match="overlaps entry"):
        load_ledger(ledger_copy)


# ------------------------------------------------------------------------------ de facto states
def test_armenia_formally_a_csto_member_de_facto_frozen():
    members = q.members_as_of("CSTO", "2025")
    arm = members.filter(members["iso3"] == "ARM").row(0, named=True)
    assert arm["status"] == "member" and arm["de_facto"] == "frozen since 2024-02-22"
    assert "kyivindependent_2024_02_23" in arm["source"]
    assert "ARM" in resolve_group("CSTO:member@2025")
    assert resolve_group("CSTO:frozen@2025").iso3 == ["ARM"]
    assert "ARM" not in resolve_group("CSTO@2025-CSTO:frozen@2025")
    before = q.members_as_of("CSTO", "2023")
    assert before.filter(before["iso3"] == "ARM")["next"][0] == "de facto frozen from 2024-02-22"
    assert q.overlap("2025", ["ARM"])["CSTO"][0] == "member (de facto frozen)"


def test_de_facto_states_in_history_and_timeline():
    ukr = q.history("UKR")
    exited = ukr.filter((ukr["org"] == "CIS") & (ukr["kind"] == "de facto"))
    assert exited.select("status", "since").row(0) == ("exited", "2018-05-19")
    formal = ukr.filter((ukr["org"] == "CIS") & (ukr["kind"] == "formal"))
    assert formal["until"].to_list()[-1] is None  # no formal withdrawal in a source read
    tl = q.timeline("SCO")
    afg = tl.filter(tl["iso3"] == "AFG")["event"].to_list()
    assert any(e.startswith("de facto: inactive") for e in afg)


def test_de_facto_state_needs_a_formal_status(ledger_copy):
    replace_once(ledger_copy / "de_facto.yaml", 'start: "2024-02-22"', 'start: "1990-01-01"')
    with pytest.raises(KnowledgeBaseError, match="holds no formal status"):
        load_ledger(ledger_copy)


# ------------------------------------------------------------------------------ sub-body statuses
def test_csto_parliamentary_assembly_observers_are_not_csto_observers():
    assert q.members_as_of("CSTO", "2020", ["observer"]).height == 0
    srb = q.history("SRB")
    row = srb.filter(srb["org"] == "CSTO").row(0, named=True)
    assert row["kind"] == "sub-body: Parliamentary Assembly" and row["status"] == "observer"
    assert "CSTO" not in q.overlap("2020", ["SRB"]).columns or q.overlap("2020", ["SRB"])["CSTO"][0] is None


# ------------------------------------------------------------------------------ names in other languages
def test_official_names_resolve(capsys):
    assert set(resolve_group("ШОС@2024").iso3) == set(resolve_group("SCO@2024").iso3)
    assert q.organisation("上海合作组织").id == "SCO"
    assert q.organisation("Организация Договора о коллективной безопасности").id == "CSTO"
    code, out, _ = run(capsys, "members", "ШОС@2024", "--format", "csv")
    assert code == 0 and "BLR" in out and "IRN" in out
    names = q.organisations().filter(q.organisations()["id"] == "SCO")["names"][0]
    assert "ru: Шанхайская организация сотрудничества (ШОС)" in names


# ------------------------------------------------------------------------------ new organisations
def test_organization_of_turkic_states():
    assert _iso3(q.members_as_of("OTS", "2019-10-14")) == {"AZE", "KAZ", "KGZ", "TUR"}
    assert _iso3(q.members_as_of("OTS", "2019-10-15")) == {"AZE", "KAZ", "KGZ", "TUR", "UZB"}
    assert _iso3(q.members_as_of("OTS", "2022", ["observer"])) == {"HUN", "TKM"}
    assert q.organisation("Turkic Council").id == "OTS"
    with pytest.raises(BadDateError):
        q.members_as_of("OTS", "2009-10-02")


def test_osce_oic_edb_efsd():
    osce = {r["iso3"]: r["since"] for r in q.members_as_of("OSCE", "2020").iter_rows(named=True)}
    assert {osce[c] for c in ("KAZ", "KGZ", "TJK", "TKM", "UZB")} == {"1992-01-30"}
    assert osce["MNG"] == "2012-11-21" and osce["GEO"] == "1992-03-24"
    assert "UZB" not in _iso3(q.members_as_of("OIC", "1996-10-01"))
    assert "UZB" in _iso3(q.members_as_of("OIC", "1996-10-02"))
    assert _iso3(q.members_as_of("EDB", "2006-01-12")) == {"RUS", "KAZ"}
    assert _iso3(q.members_as_of("EFSD", "2010")) == {"ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK"}


def test_cica_brics_asean_to_date():
    assert len(q.members_as_of("CICA", "2022-10-12")) == 27
    assert len(q.members_as_of("CICA", "2022-10-13")) == 28
    assert "LKA" in _iso3(q.members_as_of("CICA", "2018-08-15"))
    brics = q.members_as_of("BRICS", "2025-06-01", ["member", "partner"])
    assert "IDN" in _iso3(brics.filter(brics["status"] == "member"))
    assert {"KAZ", "UZB", "BLR"} <= _iso3(brics.filter(brics["status"] == "partner"))
    assert "SAU" not in _iso3(brics)
    assert len(q.members_as_of("ASEAN", "2025-10-26")) == 11
    assert len(q.members_as_of("ASEAN", "2025-10-25")) == 10


def test_istanbul_process_and_inogate_end():
    ip = q.members_as_of("ISTANBUL_PROCESS", "2011-11-02")
    assert len(ip) == 13 and "AZE" not in _iso3(ip)
    assert "AZE" in _iso3(q.members_as_of("ISTANBUL_PROCESS", "2013"))
    assert len(q.members_as_of("INOGATE", "2016-03-16")) == 12
    with pytest.raises(BadDateError, match="dissolved 2016-03-17"):
        q.members_as_of("INOGATE", "2016-03-17")


def test_history_notes_the_merge(capsys):
    assert q.history_notes("MNG") and "partner" in q.history_notes("MNG")[0]
    assert q.history_notes("KAZ") == []
    code, _, err = run(capsys, "history", "Türkiye", "--format", "csv")
    assert code == 0 and "merged into one status, partner" in err


def test_report_membership_section_shows_partners_and_the_merge_note(tmp_path):
    from sco_observatory.report.builder import Context
    from sco_observatory.report.sections import at_a_glance
    from sco_observatory.store import open_store

    with open_store(tmp_path / "s.duckdb") as store:
        ctx = Context(store=store, as_of=D(2026, 1, 1), group=resolve_group("SCO@2026"), group_expr="SCO@2026")
        section = at_a_glance(ctx)
    assert "Partners on 2026-01-01" in section.body and "(17)" in section.body
    assert section.body.count("were merged into one status, partner") >= 2  # observers, dialogue partners
    assert "17 partners" in section.summary and "observers" not in section.summary


def test_cow_crosscheck_explains_sub_body_statuses(shared_data):
    import polars as pl

    from sco_observatory.kb import igo_crosscheck

    check = igo_crosscheck(shared_data / "cow_igo" / "igo_year_format3_eurasian_regional_igos_all_states.csv")
    rows = check.filter((pl.col("igo") == "CSTO") & pl.col("iso3").is_in(["SRB", "AFG"]) & (pl.col("year") == 2013))
    assert rows.height == 2 and rows["ledger_source"].to_list() == ["tass_2022_12_04"] * 2
    assert rows["explanation"].str.contains("Parliamentary Assembly").all()
