"""`sco serve` stays up: oversize requests are refused, a slow request answers 504, not a stall."""

import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sco_observatory.limits import MAX_QUERY_BYTES
from sco_observatory.web.app import create_app
from sco_observatory.web.guard import RequestGuard


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(str(tmp_path_factory.mktemp("web") / "store.duckdb"))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_long_query_string_is_414_json_before_any_work(client):
    r = client.get("/api/members", params={"group": "K" * (MAX_QUERY_BYTES + 1)})
    assert r.status_code == 414 and "longer than" in r.json()["error"]


def test_long_path_is_414(client):
    r = client.get("/api/history/" + "K" * 50_000)
    assert r.status_code == 414


def test_body_over_the_limit_is_413(client):
    r = client.post("/api/members", content=b"x" * 100_000)
    assert r.status_code == 413 and r.json()["hint"]


def test_query_just_under_the_limit_is_answered_as_a_user_error(client):
    r = client.get("/api/members", params={"group": "K" * (MAX_QUERY_BYTES - 10)})
    assert r.status_code in (200, 400, 404)


def test_a_request_past_its_budget_answers_504_and_others_still_answer():
    inner = FastAPI()

    @inner.get("/slow")
    def slow() -> dict:
        time.sleep(2.0)
        return {"late": True}

    @inner.get("/fast")
    def fast() -> dict:
        return {"ok": True}

    guarded = RequestGuard(inner, seconds=0.3)
    with TestClient(guarded) as c:
        r = c.get("/slow")
        assert r.status_code == 504 and "abandoned" in r.json()["error"]
        assert c.get("/fast").json() == {"ok": True}
