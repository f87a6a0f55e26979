"""`sco data update` for the datasets published as files (sources/update_bulk.py), against a real HTTP
server on loopback serving the real shared files: COW NMC v7 as the publisher's nested zip, UIS (360info)
as plain CSV. A truncated or corrupt download, a refused connection and a file that fails the import's
checks each leave the store untouched with one line and exit 2; datasets without a stable URL say which
file to `sco import`.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from loopback import Reply, loopback, refused_url, sco  # noqa: F401 (fixture)

COW_SOURCE = "cow:nmc-7.0"
UIS_FILES = ("popular-destinations-by-origin.csv", "popular-origins-by-destination.csv")


def untouched() -> tuple:
    """The store's catalog head and every source row (a failed update must change neither)."""
    from sco_observatory.store import open_store

    with open_store() as store:
        return store.catalog.head(), store.con.execute("SELECT * FROM source ORDER BY source_id").fetchall()


def origin_of(capsys, source_id):
    rc, out, err = sco(capsys, "data", "list", "--format", "json")
    assert rc == 0, err
    return next(r for r in json.loads(out) if r["source"] == source_id)


def _zip(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def cow_csv(shared_data):
    path = shared_data / "cow_nmc_v7" / "NMC-70-abridged_from_peacesciencer.csv"
    if not path.is_file():
        pytest.skip("COW NMC v7 file absent")
    return path


@pytest.fixture
def cow_server(loopback, cow_csv, monkeypatch):
    """COW's release layout: NMCv7.zip holding NMCv7/NMC-v7-abridged.zip holding NMC-70-abridged.csv."""
    archive = _zip("NMCv7/NMC-v7-abridged.zip", _zip("NMC-70-abridged.csv", cow_csv.read_bytes()))
    monkeypatch.setenv("SCO_COW_URL", loopback.url + "/uploads")
    loopback.route(r"^/uploads/NMCv7\.zip$", lambda seen: Reply(body=archive, content_type="application/zip"))
    return loopback, archive


def test_cow_update_downloads_the_zip_and_overrides_the_snapshot(cow_server, cow_csv, capsys):
    server, _ = cow_server
    before = origin_of(capsys, COW_SOURCE)
    assert before["origin"].startswith("snapshot ")
    rc, out, err = sco(capsys, "data", "update", "cow-nmc-7")
    assert rc == 0, err
    assert COW_SOURCE in out and "/uploads/NMCv7.zip" in out
    assert [s.path for s in server.seen] == ["/uploads/NMCv7.zip"]
    after = origin_of(capsys, COW_SOURCE)
    assert after["origin"].startswith("update ") and "overrides snapshot" in after["origin"]
    assert after["url"] == server.url + "/uploads/NMCv7.zip"
    assert after["rows"] == before["rows"] and (after["first_year"], after["last_year"]) == (1816, 2022)
    with open(cow_csv, encoding="utf-8", newline="") as fh:  # a spot value read from the file itself
        usa = next(r for r in csv.DictReader(fh) if r["stateabb"] == "USA" and r["year"] == "2022")
    rc, out, err = sco(capsys, "data", "show", "COW.NMC.CINC", "--countries", "USA", "--years", "2022",
                       "--source", COW_SOURCE, "--format", "json")
    assert rc == 0, err
    assert json.loads(out)[0]["value"] == pytest.approx(float(usa["cinc"]))


def test_cow_truncated_archive_is_refused_and_the_store_kept(cow_server, capsys):
    server, archive = cow_server
    cut = Reply(body=archive, content_type="application/zip", truncate=len(archive) // 2)
    server.fault(r"^/uploads/NMCv7\.zip$", cut, cut, cut, cut)  # every attempt (SCO_HTTP_ATTEMPTS=4) cut short
    origin_of(capsys, COW_SOURCE)
    before = untouched()
    rc, out, err = sco(capsys, "data", "update", "cow-nmc-7")
    assert rc == 2 and out == ""
    line = err.strip()
    assert len(line.splitlines()) == 1 and "zip" in line and "nothing was written" in line
    assert len(server.requests_to(r"NMCv7\.zip")) == 4  # retried, then refused
    assert untouched() == before
    assert origin_of(capsys, COW_SOURCE)["origin"].startswith("snapshot ")


def test_cow_archive_without_the_member_is_refused(loopback, monkeypatch, capsys):
    monkeypatch.setenv("SCO_COW_URL", loopback.url)
    wrong = _zip("NMCv7/README.txt", b"not the data")
    loopback.route(r"^/NMCv7\.zip$", lambda seen: Reply(body=wrong, content_type="application/zip"))
    origin_of(capsys, COW_SOURCE)
    before = untouched()
    rc, out, err = sco(capsys, "data", "update", "cow-nmc-7")
    assert rc == 2 and "NMC-v7-abridged.zip" in err and len(err.strip().splitlines()) == 1
    assert untouched() == before


def test_refused_connection_keeps_the_snapshot(monkeypatch, capsys):
    monkeypatch.setenv("SCO_COW_URL", refused_url(monkeypatch))  # offline: connection refused
    origin_of(capsys, COW_SOURCE)
    before = untouched()
    rc, out, err = sco(capsys, "data", "update", "cow-nmc-7")
    assert rc == 2 and out == ""
    line = err.strip()
    assert len(line.splitlines()) == 1 and "nothing was written" in line and "retry `sco data update cow-nmc-7`" in line
    assert untouched() == before
    assert origin_of(capsys, COW_SOURCE)["origin"].startswith("snapshot ")


@pytest.fixture
def uis_files(shared_data):
    folder = shared_data / "student_mobility_uis"
    if not all((folder / name).is_file() for name in UIS_FILES):
        pytest.skip("UIS files absent")
    return {name: (folder / name).read_bytes() for name in UIS_FILES}


def _serve_uis(server, monkeypatch, files):
    monkeypatch.setenv("SCO_UIS_URL", server.url + "/data")
    for name, body in files.items():
        server.route(rf"^/data/{name.replace('.', '[.]')}$", lambda seen, body=body: Reply(body=body, content_type="text/csv"))


def test_uis_same_files_are_unchanged(loopback, monkeypatch, uis_files, capsys):
    _serve_uis(loopback, monkeypatch, uis_files)
    before = untouched()
    rc, out, err = sco(capsys, "data", "update", "uis-students")
    assert rc == 0, err
    assert out.count("unchanged") == 2
    assert untouched() == before
    assert origin_of(capsys, "uis:students-destinations-by-origin")["origin"].startswith("snapshot ")


def test_uis_revised_file_lands_as_an_update(loopback, monkeypatch, uis_files, capsys):
    """A new release: 360info's destinations file with one figure revised (Kazakhstan -> Russia, 2019)."""
    text = uis_files[UIS_FILES[0]].decode("utf-8")
    old = next(line for line in text.splitlines() if line.startswith("2019,Kazakhstan,Russia"))
    revised = old.split(",")
    revised[3] = "71400"
    files = {**uis_files, UIS_FILES[0]: text.replace(old, ",".join(revised)).encode("utf-8")}
    _serve_uis(loopback, monkeypatch, files)
    rc, out, err = sco(capsys, "data", "update", "uis-students")
    assert rc == 0, err
    assert "uis:students-destinations-by-origin: replaced" in out
    assert "uis:students-origins-by-destination: unchanged" in out
    assert origin_of(capsys, "uis:students-destinations-by-origin")["origin"].startswith("update ")
    assert origin_of(capsys, "uis:students-origins-by-destination")["origin"].startswith("snapshot ")
    from sco_observatory.store import open_store

    with open_store() as store:
        value = store.con.execute(
            "SELECT students FROM student_mobility WHERE source_id = 'uis:students-destinations-by-origin' "
            "AND origin = 'KAZ' AND destination = 'RUS' AND year = 2019").fetchone()[0]
    assert value == 71400


def test_uis_truncated_file_fails_the_import_checks_and_nothing_is_written(loopback, monkeypatch, uis_files, capsys):
    body = uis_files[UIS_FILES[0]]
    files = {**uis_files, UIS_FILES[0]: body[: len(body) // 3]}  # cut mid-file: a short last line, rows lost
    _serve_uis(loopback, monkeypatch, files)
    before = untouched()
    rc, out, err = sco(capsys, "data", "update", "uis-students")
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert untouched() == before  # the other (good) file was not written either


@pytest.mark.parametrize("key, words", [
    ("imf-dots", "sco import"), ("imf-cdis", "sco import"), ("undesa-ims-2020", "sco import"),
    ("national-trade-kgz", "sco import"), ("wdi-milex-derived", "sco data update wdi-milex"),
    ("sipri-milex", "sco import"),
])
def test_datasets_without_a_stable_url_say_what_to_import(key, words, capsys):
    before = untouched()
    rc, out, err = sco(capsys, "data", "update", key)
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err
    assert untouched() == before


def test_every_snapshot_dataset_has_an_update_method():
    from sco_observatory import snapshot
    from sco_observatory.sources.update import MANUAL, UPDATABLE

    shipped = {d["key"] for d in snapshot.manifest()["datasets"] if d.get("shipped")}
    assert shipped == set(UPDATABLE) | set(MANUAL) and not set(UPDATABLE) & set(MANUAL)
