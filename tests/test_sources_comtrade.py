"""`sco fetch comtrade` against a fake UN Comtrade API v1 on a real loopback HTTP server."""

from __future__ import annotations

import json

import pytest

from loopback import FakeComtrade, Reply, loopback, query, sco, store_snapshot  # noqa: F401 (fixture)

KEY = "s3cret-key-0123456789abcdef"
# Comtrade codes: 398 KAZ, 417 KGZ, 643 RUS, 156 CHN, 842 USA (Comtrade's own), 699 IND, 0 World
DATA = {
    (398, 643, 2011, "X"): 12.5e9, (398, 643, 2011, "M"): 20.0e9,
    (398, 643, 2012, "X"): 12.4e9, (398, 643, 2012, "M"): 17.6e9,
    (398, 842, 2012, "X"): 1.9e9, (398, 699, 2012, "M"): 0.3e9,
    (398, 0, 2012, "X"): 86.4e9, (398, 0, 2012, "M"): 46.4e9,
    (417, 643, 2012, "X"): 0.15e9, (417, 643, 2012, "M"): None,  # no primaryValue
    (417, 0, 2012, "X"): 1.68e9,
}
ARGS = ("fetch", "comtrade", "--reporters", "KAZ,KGZ", "--partners", "RUS,USA,IND,WLD", "--years", "2011-2012", "-q")


@pytest.fixture
def ct(loopback):
    FakeComtrade(loopback, DATA, key=KEY)
    return loopback


def fetched():
    return query("SELECT reporter, partner, year, flow, product, value_usd, valuation FROM trade "
                 "WHERE source_id LIKE 'comtrade:%' ORDER BY ALL")


EXPECTED = sorted([
    ("KAZ", "RUS", 2011, "M", "TOTAL", 20.0e9, "CIF"), ("KAZ", "RUS", 2011, "X", "TOTAL", 12.5e9, "FOB"),
    ("KAZ", "RUS", 2012, "M", "TOTAL", 17.6e9, "CIF"), ("KAZ", "RUS", 2012, "X", "TOTAL", 12.4e9, "FOB"),
    ("KAZ", "USA", 2012, "X", "TOTAL", 1.9e9, "FOB"), ("KAZ", "IND", 2012, "M", "TOTAL", 0.3e9, "CIF"),
    ("KAZ", "WLD", 2012, "M", "TOTAL", 46.4e9, "CIF"), ("KAZ", "WLD", 2012, "X", "TOTAL", 86.4e9, "FOB"),
    ("KGZ", "RUS", 2012, "X", "TOTAL", 0.15e9, "FOB"), ("KGZ", "WLD", 2012, "X", "TOTAL", 1.68e9, "FOB"),
])


def test_keyless_preview_filters_and_maps_comtrade_codes(ct, capsys):
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert fetched() == EXPECTED
    assert "keyless preview endpoint (at most 500 rows per request)" in out
    assert "rows other than customs C00 / transport mode 0 / second partner 0" in out
    assert "flows other than X and M" in out and "missing values (no primaryValue)" in out
    asked = ct.requests_to("/public/v1/preview/C/A/HS")
    assert len(asked) == 4  # one per reporter and year without a key
    q = {k: v[0] for k, v in asked[0].query.items()}
    assert q["customsCode"] == "C00" and q["motCode"] == "0" and q["partner2Code"] == "0"
    assert q["partnerCode"] == "0,643,699,842"  # Comtrade's own codes for IND and USA, 0 for World
    assert q["cmdCode"] == "TOTAL" and q["flowCode"] == "X,M"
    (url, sha, citation), = query("SELECT url, sha256, citation FROM source WHERE source_id LIKE 'comtrade:%'")
    assert url.startswith(ct.url + "/public/v1/preview/C/A/HS?") and len(sha) == 64 and "C00" in citation


def test_key_goes_in_the_header_and_nowhere_else(ct, capsys, monkeypatch, isolated_home):
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert fetched() == EXPECTED
    asked = ct.requests_to("/data/v1/get/C/A/HS")
    assert len(asked) == 2  # one per reporter, years together
    assert all(s.headers["Ocp-Apim-Subscription-Key"] == KEY and KEY not in s.raw_url for s in asked)
    assert KEY not in out + err
    # not in the store, not in the cache (names or contents), not in the staged files
    assert not query("SELECT * FROM source WHERE CAST(COLUMNS(*) AS VARCHAR) LIKE ?", [f"%{KEY}%"])
    for path in isolated_home.rglob("*"):
        assert KEY not in path.name
        if path.is_file() and path.suffix in (".json", ".body", ".csv"):
            assert KEY not in path.read_text(errors="replace")


def test_invalid_key_is_one_line_without_the_key(ct, capsys, monkeypatch):
    monkeypatch.setenv("COMTRADE_API_KEY", "wrong-" + KEY)
    before = store_snapshot()
    code, out, err = sco(capsys, *ARGS)
    assert code == 2 and err.count("\n") == 1
    assert "refused access (HTTP 401" in err and "COMTRADE_API_KEY" in err
    assert KEY not in err and "wrong-" not in err
    urls = [s.raw_url for s in ct.requests_to("/data/v1/")]
    assert len(urls) == len(set(urls)) <= 2  # a refused key is not retried (two reporters in parallel at most)
    assert store_snapshot() == before


def test_forbidden_403_is_not_retried(ct, capsys, monkeypatch):
    monkeypatch.setenv("COMTRADE_API_KEY", KEY)
    ct.fault("/data/v1/", Reply(403, json.dumps({"statusCode": 403, "message": "Out of call volume quota."})))
    before = store_snapshot()
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "HTTP 403: Out of call volume quota." in err and KEY not in err
    assert store_snapshot() == before


def test_429_with_retry_after_then_success(ct, capsys):
    ct.fault("/public/v1/", Reply(429, json.dumps({"statusCode": 429, "message": "Rate limit is exceeded. Try again in 0 seconds."}),
                                  headers={"Retry-After": "0"}))
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert "HTTP 429 ×1" in out and fetched() == EXPECTED


def test_429_without_header_reads_the_wait_from_the_body(ct, capsys, monkeypatch):
    monkeypatch.setenv("SCO_HTTP_MAX_RETRY_AFTER", "1")
    ct.fault("/public/v1/", Reply(429, json.dumps({"statusCode": 429, "message": "Rate limit is exceeded. Try again in 7 seconds."})))
    before = store_snapshot()
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "asks to wait 7 s" in err
    assert store_snapshot() == before


def test_error_member_in_a_200_is_reported(ct, capsys):
    ct.fault("/public/v1/", Reply(200, json.dumps({"elapsedTime": "0 secs", "count": 0, "data": [],
                                                   "error": "Invalid parameter: cmdCode"})))
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "the API says: Invalid parameter: cmdCode" in err


def test_500_then_truncated_then_success(ct, capsys):
    good_prefix = json.dumps({"elapsedTime": "0 secs", "count": 1, "data": [FakeComtrade.row(398, 643, 2011, "X", 1.0)]})
    ct.fault("/public/v1/", Reply(500, "Internal Server Error"), Reply(200, good_prefix, truncate=120))
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert "HTTP 500 ×1" in out and "malformed body ×1" in out
    assert fetched() == EXPECTED


def test_empty_data_is_one_line_and_store_unchanged(ct, capsys):
    before = store_snapshot()
    code, _, err = sco(capsys, "fetch", "comtrade", "--reporters", "TJK", "--partners", "RUS", "--years", "2012", "-q")
    assert code == 2 and "has no TOTAL flows" in err and "store unchanged" in err
    assert store_snapshot() == before


def test_preview_row_limit_stops_instead_of_importing_a_partial_answer(ct, capsys):
    rows = [FakeComtrade.row(398, p, 2012, "X", 1.0) for p in range(1, 501)]
    ct.fault("/public/v1/", Reply(200, json.dumps({"elapsedTime": "0", "count": 500, "data": rows, "error": ""})))
    before = store_snapshot()
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "row limit (500)" in err and "COMTRADE_API_KEY" in err
    assert store_snapshot() == before


def test_offline_after_a_fetch_imports_from_the_cache(ct, capsys):
    assert sco(capsys, *ARGS)[0] == 0
    n = len(ct.seen)
    code, out, _ = sco(capsys, *ARGS, "--offline")
    assert code == 0 and len(ct.seen) == n and "nothing changed" in out


def test_code_table_round_trip():
    from sco_observatory.sources import comtrade

    assert [comtrade.from_iso3(c) for c in ("KAZ", "USA", "IND", "CHE", "FRA", "NOR", "TWN", "PAN", "WLD")] == \
        ["398", "842", "699", "757", "251", "579", "490", "591", "0"]
    assert [comtrade.to_iso3(c) for c in (398, 842, "699", 490, 0, 899, 97, 757.0)] == \
        ["KAZ", "USA", "IND", "TWN", "WLD", None, None, "CHE"]


def test_data_failing_validation_rolls_back_the_whole_fetch(ct, capsys):
    rows = [FakeComtrade.row(398, 643, 2011, "X", 5.0), FakeComtrade.row(398, 643, 2011, "M", -3.0)]
    ct.fault("/public/v1/", Reply(200, json.dumps({"elapsedTime": "0", "count": 2, "data": rows, "error": ""})))
    before = store_snapshot()
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and err.count("\n") == 1 and "negative value_usd" in err
    assert store_snapshot() == before  # the other reporters' good rows were not imported either
