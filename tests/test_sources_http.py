"""The HTTP layer under the connectors: concurrency bound, pacing, Retry-After, cache integrity, secrets."""

from __future__ import annotations

import datetime as dt
import email.utils
import json

import httpx
import pytest

from loopback import FakeWorldBank, Reply, TableSnapshot, loopback, sco, store_snapshot  # noqa: F401 (fixture)
from sco_observatory.errors import SourceError
from sco_observatory.sources.http import (
    BadResponse, Fetcher, HttpCache, HttpSettings, Request, redact, retry_after_seconds,
)


def _json(response):
    try:
        return json.loads(response.body)
    except ValueError:
        raise BadResponse("not JSON") from None


def _requests(server, n):
    return [Request("test", f"{server.url}/x/{i}", label=f"x{i}") for i in range(n)]


def test_table_snapshot_sees_one_changed_value_row_or_type():
    """The connector tests' "store exactly as before" (loopback.store_snapshot compares Arrow tables):
    equal for the same rows, unequal for a changed value, a missing row, a changed type or a NaN."""
    import pyarrow as pa

    base = pa.table({"iso3": ["KAZ", "RUS"], "year": pa.array([2011, 2012], pa.int32()), "value": [1.0, 2.0]})
    assert TableSnapshot(base) == TableSnapshot(pa.table(base.to_pydict(), schema=base.schema))
    changed = base.set_column(2, "value", pa.array([1.0, 2.0000001]))
    assert TableSnapshot(base) != TableSnapshot(changed)
    assert TableSnapshot(base) != TableSnapshot(base.slice(0, 1))
    assert TableSnapshot(base) != TableSnapshot(base.set_column(1, "year", pa.array([2011, 2012], pa.int64())))
    with_nan = base.set_column(2, "value", pa.array([1.0, float("nan")]))
    assert TableSnapshot(with_nan) != TableSnapshot(with_nan)  # as with tuples of floats: NaN equals nothing
    before = store_snapshot()
    assert store_snapshot() == before and before[1].table.num_rows > 0


def test_concurrency_is_bounded(loopback):
    loopback.route("^/x/", lambda seen: Reply(200, json.dumps({"path": seen.path})))
    loopback.slow = 0.15
    fetcher = Fetcher("Test API", HttpSettings.from_env(concurrency=3), _json)
    responses = fetcher.fetch_all(_requests(loopback, 9))
    assert [r.parsed["path"] for r in responses] == [f"/x/{i}" for i in range(9)]  # in request order
    assert loopback.max_active == 3


def test_min_interval_spaces_request_starts(loopback):
    loopback.route("^/x/", lambda seen: Reply(200, "{}"))
    fetcher = Fetcher("Test API", HttpSettings.from_env(concurrency=4, min_interval=0.1), _json)
    fetcher.fetch_all(_requests(loopback, 5))
    starts = sorted(s.at for s in loopback.seen)
    # The server stamps arrivals, and on a loaded machine one arrival can be stamped late, which
    # shortens one gap and lengthens the next; the span of the five starts cannot shrink that way by
    # more than one stamp's delay. Without the interval, 4 workers start all 5 within milliseconds.
    assert len(starts) == 5 and starts[-1] - starts[0] >= 0.3


def test_retry_after_forms():
    def response(headers=None, body=""):
        return httpx.Response(429, headers=headers or {}, text=body)

    assert retry_after_seconds(response({"Retry-After": "7"})) == 7
    when = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(response({"Retry-After": when})) <= 31
    assert retry_after_seconds(response(body='{"message": "Rate limit is exceeded. Try again in 3 seconds."}')) == 3
    assert retry_after_seconds(response()) is None


def test_corrupt_cache_entry_is_fetched_again(loopback):
    loopback.route("^/x/", lambda seen: Reply(200, '{"ok": true}'))
    requests = _requests(loopback, 1)
    Fetcher("Test API", HttpSettings.from_env(), _json).fetch_all(requests)
    entry = HttpCache().get(requests[0])
    entry.body_path.write_bytes(b'{"ok": tr')  # damaged on disk: hash no longer matches
    fetcher = Fetcher("Test API", HttpSettings.from_env(), _json)
    assert fetcher.fetch_all(requests)[0].parsed == {"ok": True}
    assert fetcher.stats.downloaded == 1 and len(loopback.seen) == 2


def test_secret_reflected_by_the_server_is_redacted(loopback):
    secret = "top-secret-value-123"
    loopback.route("^/x/", lambda seen: Reply(400, json.dumps({"message": f"bad key {seen.headers.get('X-Key')}"})))
    fetcher = Fetcher("Test API", HttpSettings.from_env(), _json, secret_headers={"X-Key": secret})
    with pytest.raises(SourceError) as info:
        fetcher.fetch_all(_requests(loopback, 1))
    assert secret not in info.value.one_line() and "bad key ***" in info.value.one_line()
    assert redact(f"a {secret} b", [secret, ""]) == "a *** b"


def test_bad_settings_are_one_line(monkeypatch):
    monkeypatch.setenv("SCO_HTTP_TIMEOUT", "soon")
    with pytest.raises(SourceError, match="SCO_HTTP_TIMEOUT='soon' is not a number"):
        HttpSettings.from_env()


def test_worldbank_pages_that_disagree_are_refused(loopback, capsys):
    data = {("NY.GDP.MKTP.CD", "KAZ", y): float(y) for y in (2010, 2011, 2012)}
    FakeWorldBank(loopback, data)
    page2 = json.dumps([{"page": 2, "pages": 3, "per_page": "1", "total": 4}, [
        {"indicator": {"id": "NY.GDP.MKTP.CD"}, "country": {"id": "KZ"}, "countryiso3code": "KAZ",
         "date": "2011", "value": 1.0}]])
    original = loopback.routes[0][1]
    loopback.routes[0] = (loopback.routes[0][0],
                          lambda seen: Reply(200, page2) if seen.query["page"] == ["2"] else original(seen))
    before = store_snapshot()
    code, _, err = sco(capsys, "fetch", "worldbank", "-i", "NY.GDP.MKTP.CD", "-c", "KAZ", "-y", "2010-2012",
                       "--per-page", "1", "-q")
    assert code == 2 and "disagree" in err and "--refresh" in err
    assert store_snapshot() == before
