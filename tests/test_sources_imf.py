"""`sco fetch imf` against a fake IMF SDMX 3.0 service (IMTS, SDMX-CSV 2.0) on a real loopback server."""

from __future__ import annotations

import pytest

from loopback import FakeIMF, Reply, loopback, query, sco, store_snapshot  # noqa: F401 (fixture)

DATA = {
    ("KAZ", "XG_FOB_USD", "RUS", 2011): 12_000.0, ("KAZ", "MG_CIF_USD", "RUS", 2011): 19_500.0,
    ("KAZ", "XG_FOB_USD", "RUS", 2012): 11_900.0, ("KAZ", "MG_CIF_USD", "RUS", 2012): 17_000.0,
    ("KAZ", "XG_FOB_USD", "CHN", 2012): 16_500.0, ("KAZ", "MG_CIF_USD", "CHN", 2012): None,  # no value
    ("KAZ", "XG_FOB_USD", "G001", 2012): 92_300.0,
    ("KGZ", "XG_FOB_USD", "RUS", 2012): 160.0,
}
ARGS = ("fetch", "imf", "--reporters", "KAZ,KGZ", "--partners", "RUS,CHN,WLD", "--years", "2011-2012", "-q")
EXPECTED = sorted([
    ("KAZ", "RUS", 2011, "X", 12_000.0, "FOB"), ("KAZ", "RUS", 2011, "M", 19_500.0, "CIF"),
    ("KAZ", "RUS", 2012, "X", 11_900.0, "FOB"), ("KAZ", "RUS", 2012, "M", 17_000.0, "CIF"),
    ("KAZ", "CHN", 2012, "X", 16_500.0, "FOB"), ("KAZ", "WLD", 2012, "X", 92_300.0, "FOB"),
    ("KGZ", "RUS", 2012, "X", 160.0, "FOB"),
])


@pytest.fixture
def imf(loopback):
    FakeIMF(loopback, DATA)
    return loopback


def fetched():
    return query("SELECT reporter, partner, year, flow, value_usd, valuation FROM trade "
                 "WHERE source_id LIKE 'imf-imts:%' ORDER BY ALL")


def test_fetch_sdmx_csv_into_trade(imf, capsys):
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert fetched() == EXPECTED
    assert "missing values" in out
    asked = imf.requests_to("/data/dataflow/IMF.STA/IMTS/")
    assert sorted(s.path.rsplit("/", 1)[1] for s in asked) == [
        "KAZ.XG_FOB_USD+MG_CIF_USD.CHN+RUS+G001.A", "KGZ.XG_FOB_USD+MG_CIF_USD.CHN+RUS+G001.A"]
    assert all(s.path.startswith("/data/dataflow/IMF.STA/IMTS/+/") for s in asked)
    assert asked[0].query["c[TIME_PERIOD]"] == ["ge:2011+le:2012"]
    assert all(s.headers["Accept"] == "application/vnd.sdmx.data+csv;version=2.0.0" for s in asked)
    (url, products), = query("SELECT s.url, list(DISTINCT t.product) FROM source s JOIN trade t USING (source_id) "
                             "WHERE source_id LIKE 'imf-imts:%' GROUP BY s.url")
    assert url.startswith(imf.url + "/data/dataflow/IMF.STA/IMTS/") and products == ["TOTAL"]


def test_labelled_codes_are_read(loopback, capsys):
    FakeIMF(loopback, DATA, labels=True)  # 'KAZ: Country KAZ' in the COUNTRY column
    code, _, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert fetched() == EXPECTED


def test_404_no_results_is_empty_not_an_error_of_the_tool(imf, capsys):
    before = store_snapshot()
    code, _, err = sco(capsys, "fetch", "imf", "--reporters", "TJK", "--partners", "RUS", "--years", "2012", "-q")
    assert code == 2 and "has no goods trade" in err and "store unchanged" in err
    assert store_snapshot() == before
    # an empty answer is an answer: cached, so --offline knows it
    code, _, err = sco(capsys, "fetch", "imf", "--reporters", "TJK", "--partners", "RUS", "--years", "2012", "-q", "--offline")
    assert "has no goods trade" in err and "--offline" not in err


def test_truncated_csv_is_retried(imf, capsys):
    header = ",".join(FakeIMF.COLUMNS)
    cut = header + "\ndataflow,IMF.STA:IMTS(1.0.0),I,KAZ,XG_FOB_USD,RUS"  # a line cut short
    imf.fault("/IMTS/", Reply(200, cut, content_type="application/vnd.sdmx.data+csv"))
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert "malformed body ×1" in out and fetched() == EXPECTED


def test_html_error_page_in_a_200_then_success(imf, capsys):
    imf.fault("/IMTS/", Reply(200, "<html><body>Service maintenance</body></html>", content_type="text/html"))
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    assert fetched() == EXPECTED


def test_gateway_errors_exhausted_leave_store_unchanged(imf, capsys):
    before = store_snapshot()
    imf.fault("/IMTS/", *[Reply(504, "Gateway Timeout")] * 20)
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "HTTP 504" in err and err.count("\n") == 1
    assert store_snapshot() == before


def test_a_key_is_sent_as_header_only(imf, capsys, monkeypatch):
    monkeypatch.setenv("IMF_API_KEY", "imf-secret-42")
    code, out, err = sco(capsys, *ARGS)
    assert code == 0, err
    asked = imf.requests_to("/IMTS/")
    assert all(s.headers["Ocp-Apim-Subscription-Key"] == "imf-secret-42" and "imf-secret" not in s.raw_url for s in asked)


def test_unauthorised_is_reported(imf, capsys):
    imf.fault("/IMTS/", *[Reply(401, '{"statusCode": 401, "message": "Access denied"}')] * 2)
    before = store_snapshot()
    code, _, err = sco(capsys, *ARGS)
    assert code == 2 and "refused access (HTTP 401: Access denied)" in err and "IMF_API_KEY" in err
    assert store_snapshot() == before


def test_refetch_replaces_when_the_data_changed(imf, capsys):
    assert sco(capsys, *ARGS)[0] == 0
    DATA_CHANGED = dict(DATA)
    DATA_CHANGED[("KAZ", "XG_FOB_USD", "RUS", 2012)] = 12_345.0
    imf.routes.clear()
    FakeIMF(imf, DATA_CHANGED)
    code, out, err = sco(capsys, *ARGS, "--refresh")
    assert code == 0, err
    assert "replaced 7 rows" in out
    assert ("KAZ", "RUS", 2012, "X", 12_345.0, "FOB") in fetched()
