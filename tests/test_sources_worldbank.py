"""`sco fetch worldbank` against a fake World Bank API v2 on a real loopback HTTP server."""

from __future__ import annotations

import json
import time

import pytest

from loopback import FakeWorldBank, Reply, loopback, query, sco, store_snapshot  # noqa: F401 (fixture)

GDP = "NY.GDP.MKTP.CD"
POP = "SP.POP.TOTL"
DATA = {
    (GDP, "KAZ", 2010): 148.0e9, (GDP, "KAZ", 2011): 192.6e9, (GDP, "KAZ", 2012): 208.0e9,
    (GDP, "KGZ", 2010): 4.79e9, (GDP, "KGZ", 2011): 6.20e9, (GDP, "KGZ", 2012): None,  # missing in the API
    (POP, "KAZ", 2010): 16_321_581.0, (POP, "KAZ", 2011): 16_556_600.0, (POP, "KAZ", 2012): 16_791_425.0,
    (POP, "KGZ", 2010): 5_447_900.0, (POP, "KGZ", 2011): 5_514_600.0, (POP, "KGZ", 2012): 5_607_200.0,
}
ARGS = ("fetch", "worldbank", "--indicators", f"{GDP},{POP}", "--countries", "KAZ,KGZ", "--years", "2010-2012",
        "--per-page", "2", "--quiet")


@pytest.fixture
def wb(loopback):
    FakeWorldBank(loopback, DATA)
    return loopback


def fetched_rows():
    return query("SELECT iso3, year, code, value FROM indicator WHERE source_id LIKE 'worldbank:%' ORDER BY ALL")


def expected_rows():
    return sorted((iso3, year, code, value) for (code, iso3, year), value in DATA.items() if value is not None)


def test_fetch_follows_paging_and_imports_with_provenance(wb, capsys):
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert fetched_rows() == expected_rows()
    # 6 rows per indicator at 2 per page: 3 pages each, all followed
    pages = sorted(int(s.query["page"][0]) for s in wb.requests_to(r"/indicator/NY\.GDP"))
    assert pages == [1, 2, 3]
    assert "missing values (null in the API)" in out  # KGZ 2012 GDP: dropped and counted, never 0
    (source_id, url, sha, retrieved, licence), = query(
        "SELECT source_id, url, sha256, retrieved, licence FROM source WHERE source_id LIKE 'worldbank:%'")
    assert source_id == f"worldbank:{GDP}+{POP}:KAZ+KGZ:2010-2012"
    assert url.startswith(wb.url + "/v2/country/KAZ;KGZ/indicator/") and "format=json" in url
    assert len(sha) == 64 and retrieved is not None and licence == "CC BY 4.0"


def test_refetch_uses_cache_and_changes_nothing(wb, capsys):
    assert sco(capsys, *ARGS)[0] == 0
    before, n = store_snapshot(), len(wb.seen)
    code, out, _ = sco(capsys, *ARGS)
    assert code == 0
    assert len(wb.seen) == n  # every page came from the on-disk cache
    assert "6 from the cache" in out and "nothing changed" in out
    assert store_snapshot() == before


def test_500s_then_success_are_retried(wb, capsys):
    wb.fault(r"/indicator/NY\.GDP", Reply(500, "Internal Server Error"), Reply(502, "<html>Bad Gateway</html>"))
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert fetched_rows() == expected_rows()
    assert "HTTP 500 ×1" in out and "HTTP 502 ×1" in out


def test_persistent_500_fails_in_one_line_and_leaves_store_unchanged(wb, capsys):
    before = store_snapshot()
    wb.fault(r"/indicator/SP\.POP", *[Reply(503, "Service Unavailable")] * 10)
    code, out, err = sco(capsys, *ARGS)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: World Bank API: HTTP 503")
    assert "gave up after 4 attempts" in err and "Traceback" not in err
    assert store_snapshot() == before


def test_failed_fetch_keeps_completed_pages_and_rerun_continues(wb, capsys):
    before = store_snapshot()
    wb.fault(r"/indicator/SP\.POP", *[Reply(500)] * 4)  # exactly the attempts of one request
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "cached; re-run the same command to continue" in err
    assert store_snapshot() == before
    n = len(wb.seen)
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert fetched_rows() == expected_rows()
    asked_again = {(s.path.rsplit("/", 1)[1], s.query["page"][0]) for s in wb.seen[n:]}
    assert (GDP, "1") not in asked_again  # completed before the failure: served from the cache
    assert (POP, "1") in asked_again
    assert "from the cache" in out


def test_timeout_then_success(wb, capsys):
    wb.fault(r"/indicator/NY\.GDP", Reply(200, "[]", delay=1.0))  # longer than SCO_HTTP_TIMEOUT=0.5
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert "timeout ×1" in out
    assert fetched_rows() == expected_rows()


def test_timeouts_exhausted_fail_cleanly(wb, capsys, monkeypatch):
    monkeypatch.setenv("SCO_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("SCO_HTTP_ATTEMPTS", "2")
    before = store_snapshot()
    wb.fault(r"/indicator/", *[Reply(200, "[]", delay=0.6)] * 20)
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "timed out after 0.2 s" in err and "gave up after 2 attempts" in err
    assert store_snapshot() == before


def test_truncated_json_is_retried(wb, capsys):
    page = json.dumps([{"page": 1, "pages": 1, "per_page": "2", "total": 1}, [{"date": "2010"}]])
    wb.fault(r"/indicator/NY\.GDP", Reply(200, page, truncate=40))
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert "malformed body ×1" in out
    assert fetched_rows() == expected_rows()


def test_truncated_json_every_time_fails_and_is_not_cached(wb, capsys):
    before = store_snapshot()
    wb.fault(r"/indicator/", *[Reply(200, '[{"page": 1, "pages": 3, "per_pa', truncate=None)] * 20)
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "not valid JSON" in err
    assert store_snapshot() == before
    code, out, _ = sco(capsys, "cache", "list", "--format", "json")
    assert json.loads(out) == []


def test_dropped_connection_is_retried(wb, capsys):
    wb.fault(r"/indicator/NY\.GDP", Reply(200, "x" * 400, cut_connection=True))
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert "connection error ×1" in out


def test_429_retry_after_is_honoured(wb, capsys):
    wb.fault(r"/indicator/NY\.GDP", Reply(429, "Too Many Requests", headers={"Retry-After": "1"}))
    started = time.monotonic()
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert time.monotonic() - started >= 1.0
    assert "HTTP 429 ×1" in out
    assert fetched_rows() == expected_rows()


def test_429_asking_too_long_is_reported(wb, capsys):
    before = store_snapshot()
    wb.fault(r"/indicator/", Reply(429, "slow down", headers={"Retry-After": "3600"}))
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "asks to wait 3600 s" in err
    assert store_snapshot() == before


def test_empty_result_is_one_line_and_store_unchanged(wb, capsys):
    before = store_snapshot()
    code, _, err = sco(capsys, "fetch", "worldbank", "--indicators", GDP, "--countries", "TJK", "--years", "2010-2012", "-q")
    assert code == 2 and "has no values" in err and "store unchanged" in err
    assert store_snapshot() == before


def test_invalid_indicator_message_inside_200(wb, capsys):
    before = store_snapshot()
    code, _, err = sco(capsys, "fetch", "worldbank", "--indicators", "XX.NOT.REAL", "--countries", "KAZ",
                       "--years", "2010", "-q")
    assert code == 2 and "Invalid value" in err and err.count("\n") == 1
    assert store_snapshot() == before


def test_offline_lists_what_is_missing_then_uses_the_cache(wb, capsys):
    code, _, err = sco(capsys, *ARGS, "--offline")
    assert code == 2
    assert "--offline: 2 of 2" in err and err.count("missing: ") == 2
    assert wb.seen == []  # offline never touches the network
    assert sco(capsys, *ARGS)[0] == 0
    n = len(wb.seen)
    code, out, err = sco(capsys, *ARGS, "--offline")
    assert code == 0 and len(wb.seen) == n


def test_cache_list_shows_freshness_and_clear_removes(wb, capsys):
    assert sco(capsys, *ARGS)[0] == 0
    code, out, _ = sco(capsys, "cache", "list", "--format", "json")
    entries = json.loads(out)
    assert len(entries) == 6 and {e["fresh"] for e in entries} == {"yes"}
    assert all(e["source"] == "worldbank" and e["url"].startswith(wb.url) for e in entries)
    code, out, _ = sco(capsys, "cache", "list", "--format", "json", "--max-age", "0")
    assert {e["fresh"] for e in json.loads(out)} == {"stale"}
    code, out, _ = sco(capsys, "cache", "clear", "--source", "worldbank")
    assert out.strip() == "removed 6 cached responses"
    assert json.loads(sco(capsys, "cache", "list", "--format", "json")[1]) == []


def test_stale_cache_is_fetched_again(wb, capsys):
    assert sco(capsys, *ARGS)[0] == 0
    n = len(wb.seen)
    assert sco(capsys, *ARGS, "--max-age", "0")[0] == 0
    assert len(wb.seen) == n + 6


def test_base_url_replaces_the_part_before_v2(wb, capsys, monkeypatch):
    monkeypatch.setenv("SCO_WORLDBANK_URL", wb.url + "/")  # a trailing slash is fine
    assert sco(capsys, *ARGS)[0] == 0
    assert all(s.path.startswith("/v2/country/") for s in wb.seen)


def test_progress_bar_shows_counts(wb, capsys):
    code, out, err = sco(capsys, *ARGS[:-1])  # without --quiet
    assert code == 0
    assert "6/6" in err


def test_library_call_with_in_memory_store(wb, store):
    from sco_observatory.sources import worldbank
    from sco_observatory.sources.http import HttpSettings

    report = worldbank.fetch(store, [GDP], ["KAZ"], (2010, 2012), settings=HttpSettings.from_env())
    assert report.result.rows == 3 and report.result.status == "imported"
    assert store.con.execute("SELECT count(*) FROM indicator WHERE code = ? AND iso3 = 'KAZ' AND source_id LIKE 'worldbank:%'",
                             [GDP]).fetchone()[0] == 3
