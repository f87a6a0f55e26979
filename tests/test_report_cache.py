"""A repeated report of the same store commit renders its kept sections (report/cache.py), and only then."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from sco_observatory.report import builder, cache
from sco_observatory.store import open_store

VOLATILE = (re.compile(r"Generated in [0-9.]+ s\."), re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\b"))


def _page(path) -> str:
    text = path.read_text(encoding="utf-8")
    for pattern in VOLATILE:
        text = pattern.sub("", text)
    return text


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """An embedded-only file store, a private cache dir, and a count of the section builds."""
    monkeypatch.setenv("SCO_SNAPSHOT_DIR", "")
    monkeypatch.setenv("SCO_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    real = builder._section_builders

    def spying():
        calls.append(1)
        return real()

    monkeypatch.setattr(builder, "_section_builders", spying)
    return calls


def test_same_commit_day_and_group_is_rendered_from_the_kept_sections(counted, tmp_path):
    with open_store(tmp_path / "s.duckdb") as store:
        first = builder.build_report(tmp_path / "a.html", as_of="2012-12-31", store=store)
        assert len(counted) == 1 and len(list((tmp_path / "cache").glob("report-*.pickle"))) == 1
        again = builder.build_report(tmp_path / "b.html", as_of="2012-12-31", store=store)
        assert len(counted) == 1  # no section was built again
        assert _page(again) == _page(first)  # the same page, the run's own time apart
        builder.build_report(tmp_path / "c.html", as_of="2013-12-31", store=store)
        builder.build_report(tmp_path / "d.html", as_of="2012-12-31", store=store, lang="ru")
        assert len(counted) == 3  # another day, another language: built


def test_a_new_commit_is_built_again(counted, tmp_path):
    from sco_observatory.ingest import import_file

    with open_store(tmp_path / "s.duckdb") as store:
        first = builder.build_report(tmp_path / "a.html", as_of="2012-12-31", store=store)
        key = cache.report_key(store, dt.date(2012, 12, 31), "SCO@2012-12-31", None)
        data = tmp_path / "mine.csv"
        data.write_text("iso3,year,code,value\nKAZ,2012,MY.INDEX,1.5\n")
        import_file(store, data, source_title="My index")
        assert cache.report_key(store, dt.date(2012, 12, 31), "SCO@2012-12-31", None) != key
        second = builder.build_report(tmp_path / "b.html", as_of="2012-12-31", store=store)
        assert len(counted) == 2
        assert len(list((tmp_path / "cache").glob("report-*.pickle"))) == 2 and second.exists() and first.exists()


def test_nothing_is_kept_with_the_cache_off_or_on_an_in_memory_store(counted, tmp_path, monkeypatch):
    from sco_observatory.store.db import open_memory_store

    store = open_memory_store()
    assert cache.report_key(store, dt.date(2012, 12, 31), "SCO@2012-12-31", None) is None
    monkeypatch.setenv("SCO_CACHE_DIR", "")
    with open_store(tmp_path / "s.duckdb") as file_store:
        builder.build_report(tmp_path / "a.html", as_of="2012-12-31", store=file_store)
        builder.build_report(tmp_path / "b.html", as_of="2012-12-31", store=file_store)
    assert len(counted) == 2 and not (tmp_path / "cache").exists()
