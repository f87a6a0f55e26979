"""SCO admission criteria (issue 3, item 4): the five criteria for a country on a date, the sourced
sanctions / conflict / geography tables behind them, the CLI and its one-line errors."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest

from sco_observatory import kb
from sco_observatory.cli import main
from sco_observatory.errors import BadDateError, KnowledgeBaseError, UnknownCountryError, UnknownOrganisationError
from sco_observatory.kb.criteria import BadThresholdError, evaluate
from sco_observatory.kb.model import load_ledger

from kb_fixtures import replace_once

SCO_2015 = ["CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB"]


def result(frame: pl.DataFrame, criterion: str) -> dict:
    rows = frame.filter(pl.col("criterion") == criterion).to_dicts()
    assert len(rows) == 1, criterion
    return rows[0]


@pytest.fixture
def empty_store(store):
    """The in-memory store (embedded default): no trade rows."""
    assert store.con.execute("SELECT count(*) FROM trade").fetchone()[0] == 0
    return store


@pytest.fixture
def trade_store(store):
    """A hand-checkable DOTS-like trade table for India in 2015 (US$):

    India exports 10 to China and 100 to the world; China exports 30 to India; the world exports 300
    to India. Share with the SCO members = (10 + 30) / (100 + 300) = 10 %.
    """
    rows = [
        ("IND", "CHN", 2015, "X", 10.0, "FOB"),
        ("CHN", "IND", 2015, "X", 30.0, "FOB"),
        ("IND", "WLD", 2015, "X", 100.0, "FOB"),
        ("WLD", "IND", 2015, "X", 300.0, "FOB"),
    ]
    store.con.executemany(
        "INSERT INTO trade (reporter, partner, year, flow, product, value_usd, valuation, source_id) "
        "VALUES (?, ?, ?, ?, 'TOTAL', ?, ?, 'imf-dots:test')", rows)
    return store


# ------------------------------------------------------------------------------- required results


def test_iran_end_2012_fails_on_sanctions(empty_store):
    frame = evaluate("IRN", "SCO", "2012-12-31", store=empty_store)
    assert frame.columns == ["criterion", "result", "evidence", "source"]
    assert frame["criterion"].to_list() == ["eurasia", "partner_status", "economic_ties", "no_un_sanctions",
                                            "no_interstate_conflict"]
    row = result(frame, "no_un_sanctions")
    assert row["result"] == "fail"
    assert "1737 (2006)" in row["evidence"] and "2006-12-23" in row["evidence"]
    assert row["source"] in load_ledger().sources


def test_india_end_2015_passes_location_and_status(empty_store):
    frame = evaluate("India", as_of="2015", store=empty_store)
    assert result(frame, "eurasia")["result"] == "pass"
    assert "Asia" in result(frame, "eurasia")["evidence"]
    status = result(frame, "partner_status")
    assert status["result"] == "pass" and "observer" in status["evidence"]
    assert result(frame, "no_un_sanctions")["result"] == "pass"
    assert result(frame, "no_interstate_conflict")["result"] == "pass"


# ------------------------------------------------------------------------------- economic ties


def test_no_trade_data_is_unknown(empty_store):
    row = result(evaluate("IND", as_of="2015-12-31", store=empty_store), "economic_ties")
    assert row["result"] == "unknown" and row["source"] is None
    assert "no trade data" in row["evidence"]


def test_trade_share_and_threshold(trade_store):
    row = result(evaluate("IND", as_of="2015-12-31", store=trade_store, threshold=0.10), "economic_ties")
    assert row["result"] == "pass"
    assert "10.0%" in row["evidence"] and "2015" in row["evidence"] and row["source"] == "imf-dots:test"
    assert "1 of 6 members with flows" in row["evidence"]
    assert ", ".join(SCO_2015) in row["evidence"]
    row = result(evaluate("IND", as_of="2015-12-31", store=trade_store, threshold=0.11), "economic_ties")
    assert row["result"] == "fail"


def test_trade_year_is_last_complete_year_with_lag(trade_store):
    # mid-2016: the reference year is 2015
    assert "in 2015:" in result(evaluate("IND", as_of="2016-06-30", store=trade_store), "economic_ties")["evidence"]
    # end of 2017: 2017 missing, 2015 within the 3-year lag, and named as such
    row = result(evaluate("IND", as_of="2017-12-31", store=trade_store), "economic_ties")
    assert row["result"] == "pass" and "2017 is missing" in row["evidence"]
    # no lag allowed: unknown
    row = result(evaluate("IND", as_of="2017-12-31", store=trade_store, trade_lag=0), "economic_ties")
    assert row["result"] == "unknown"


def test_country_without_totals_is_unknown(trade_store):
    row = result(evaluate("PAK", as_of="2015-12-31", store=trade_store), "economic_ties")
    assert row["result"] == "unknown" and "PAK" in row["evidence"]


def test_real_dots_shares(shared_data, store):
    """With the real IMF DOTS focus file imported, Iran's 2012 share is computed from its own reports."""
    from sco_observatory.ingest import import_file

    import_file(store, shared_data / "trade_imf_dots" / "dots_focus_reporters_1990_2020.csv")
    row = result(evaluate("IRN", as_of="2012-12-31", store=store, basis="best"), "economic_ties")
    assert row["result"] in ("pass", "fail") and "imf-dots:" in row["source"]
    assert "2012" in row["evidence"]


def test_bad_threshold(empty_store):
    with pytest.raises(BadThresholdError):
        evaluate("IND", as_of="2015", store=empty_store, threshold=15)
    with pytest.raises(BadThresholdError):
        evaluate("IND", as_of="2015", store=empty_store, basis="sideways")


# ------------------------------------------------------------------------------------ sanctions


@pytest.mark.parametrize("day, expected", [
    ("2006-12-22", "pass"), ("2006-12-23", "fail"),        # resolution 1737 adopted
    ("2016-01-15", "fail"), ("2016-01-16", "pass"),        # JCPOA Implementation Day
    ("2025-09-27", "pass"), ("2025-09-28", "fail"),        # snapback, 00:00 GMT 28 September
])
def test_iran_sanctions_edges(empty_store, day, expected):
    assert result(evaluate("IRN", as_of=day, store=empty_store), "no_un_sanctions")["result"] == expected


def test_targeted_regime_does_not_fail(empty_store):
    row = result(evaluate("AFG", as_of="2013-12-31", store=empty_store), "no_un_sanctions")
    assert row["result"] == "pass" and "1988 (2011)" in row["evidence"] and "targeted" in row["evidence"]


def test_country_outside_coverage_is_unknown(empty_store):
    frame = evaluate("DEU", as_of="2015", store=empty_store)
    assert result(frame, "no_un_sanctions")["result"] == "unknown"
    assert result(frame, "no_interstate_conflict")["result"] == "unknown"
    assert result(frame, "partner_status")["result"] == "fail"


# ------------------------------------------------------------------------------------ conflicts


def test_conflict_on_the_date_and_window(empty_store):
    row = result(evaluate("IND", as_of="2025-05-08", store=empty_store), "no_interstate_conflict")
    assert row["result"] == "fail" and "Pakistan" in row["evidence"] and row["source"] == "patnapress_2025_05_10"
    # last_day is inclusive: 10 May (ceasefire day) still counts, 11 May does not
    assert result(evaluate("PAK", as_of="2025-05-10", store=empty_store), "no_interstate_conflict")["result"] == "fail"
    assert result(evaluate("PAK", as_of="2025-05-11", store=empty_store), "no_interstate_conflict")["result"] == "pass"
    row = result(evaluate("ARM", as_of="2021-12-31", store=empty_store, conflict_window=2), "no_interstate_conflict")
    assert row["result"] == "fail" and "Second Nagorno-Karabakh War" in row["evidence"]
    assert result(evaluate("ARM", as_of="2021-12-31", store=empty_store), "no_interstate_conflict")["result"] == "pass"


def test_ongoing_conflict(empty_store):
    row = result(evaluate("RUS", as_of="2023-06-30", store=empty_store), "no_interstate_conflict")
    assert row["result"] == "fail" and "ongoing" in row["evidence"] and "Ukraine" in row["evidence"]


# --------------------------------------------------------------------------- geography and status


def test_egypt_is_not_in_eurasia_and_members_are_not_candidates(empty_store):
    frame = evaluate("EGY", as_of="2023-12-31", store=empty_store)
    assert result(frame, "eurasia")["result"] == "fail"
    assert result(frame, "partner_status")["result"] == "pass"
    row = result(evaluate("IND", as_of="2018", store=empty_store), "partner_status")
    assert row["result"] == "fail" and "already an SCO member" in row["evidence"]


def test_historical_code_has_unknown_location(empty_store):
    assert result(evaluate("SUN", as_of="2005", store=empty_store), "eurasia")["result"] == "unknown"


# ----------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("args, error", [
    (("Narnia",), UnknownCountryError),
    (("IND", "SCOO"), UnknownOrganisationError),
    (("IND", "SCO", "2015-02-30"), BadDateError),
    (("IND", "SCO", "2000-12-31"), BadDateError),     # before the SCO existed
    (("IND", "SCO", "2999"), BadDateError),           # in the future
    (("IND", "CSTO", "2015"), KnowledgeBaseError),    # no criteria for the CSTO
])
def test_bad_input_raises(empty_store, args, error):
    with pytest.raises(error):
        evaluate(*args, store=empty_store)


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_formats(capsys):
    code, out, _ = run(capsys, "criteria", "IRN", "--as-of", "2012-12-31", "--format", "csv")
    assert code == 0
    rows = {r["criterion"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["no_un_sanctions"]["result"] == "fail" and rows["eurasia"]["result"] == "pass"
    code, out, _ = run(capsys, "criteria", "India", "--as-of", "2015", "--format", "json", "--threshold", "12%")
    assert code == 0 and {r["criterion"] for r in json.loads(out)} >= {"eurasia", "partner_status"}
    code, out, _ = run(capsys, "criteria", "IND", "--as-of", "2015")
    assert code == 0 and "admission criteria" in out


@pytest.mark.parametrize("args, needle", [
    (["criteria", "Narnia"], "unknown country"),
    (["criteria", "IND", "--org", "SOC"], "did you mean"),
    (["criteria", "IND", "--as-of", "2015-13-01"], "not a date"),
    (["criteria", "IND", "--as-of", "2000"], "did not exist"),
    (["criteria", "IND", "--threshold", "15"], "more than 1"),
    (["criteria", "IND", "--threshold", "lots"], "not a number"),
])
def test_cli_errors_one_line_exit_2(capsys, args, needle):
    code, _, err = run(capsys, *args)
    assert code == 2 and needle in err and err.count("\n") == 1


# ------------------------------------------------------------------------------ table validation




def test_tables_are_sourced():
    lg = load_ledger()
    assert len(lg.sanctions) >= 4 and len(lg.conflicts) >= 15 and len(lg.geography) > 240
    for s in lg.sanctions:
        assert s.source in lg.sources and all(x in lg.sources for x in s.extra_sources)
    for c in lg.conflicts:
        assert c.source in lg.sources and all(x in lg.sources for x in c.extra_sources)
    assert {p.source for p in lg.geography.values()} == {"un_m49_coco"}
    # every country with an SCO status has a place in the geography table
    assert {m.iso3 for m in lg.memberships if m.org == "SCO"} <= set(lg.geography)


@pytest.mark.parametrize("file, old, new, expected", [
    ("unsc_sanctions.yaml", "source: un_sc8853_2006", "source: nowhere",
     ["unsc_sanctions.yaml", "PRK 1718 (2006)", "unknown source id 'nowhere'"]),
    ("unsc_sanctions.yaml", 'end: "2016-01-16"', 'end: "2005-01-16"',
     ["unsc_sanctions.yaml", "IRN 1737 (2006)", "is not before end"]),
    ("unsc_sanctions.yaml", 'scope: country\n  start: "2006-12-23"', 'scope: partial\n  start: "2006-12-23"',
     ["unsc_sanctions.yaml", "entry 1", "scope"]),
    ("interstate_conflicts.yaml", "side_b: [PAK]", "side_b: [IND]",
     ["interstate_conflicts.yaml", "kargil_1999", "both sides"]),
    ("interstate_conflicts.yaml", 'last_day: "1999-07-26"', 'last_day: "1999-04-26"',
     ["interstate_conflicts.yaml", "kargil_1999", "is after last_day"]),
    ("interstate_conflicts.yaml", "side_b: [GEO]", "side_b: [GEX]",
     ["interstate_conflicts.yaml", "georgia_2008", "'GEX' is not an ISO 3166"]),
    ("interstate_conflicts.yaml", "- id: georgia_2008", "- id: kargil_1999",
     ["interstate_conflicts.yaml", "duplicate id"]),
    ("geography.csv", "IND,India,Asia", "IND,India,Atlantis", ["geography.csv", "IND", "continent"]),
    ("sources.yaml", "- id: un_sc8853_2006", "- id: un_sc8853_2006_unused\n  title: x\n  publisher: x\n  date: '2006'\n  kind: news\n\n- id: un_sc8853_2006",
     ["sources.yaml", "un_sc8853_2006_unused", "not cited"]),
])
def test_broken_tables_fail_naming_file_and_entry(ledger_copy, file, old, new, expected):
    replace_once(ledger_copy / file, old, new)
    with pytest.raises(KnowledgeBaseError) as info:
        load_ledger(ledger_copy)
    for needle in expected:
        assert needle in info.value.message, (needle, info.value.message)


def test_kb_namespace():
    assert kb.criteria.evaluate is evaluate
    assert kb.admission_criteria().height == 5
