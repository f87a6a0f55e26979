"""COW National Material Capabilities v7.0 (CSV converted from peacesciencer's .rda) through the cow-nmc reader.

Expected counts come from the csv module and the COW code table; spot values are read from the raw file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sco_observatory.ingest import detect_format, import_file

COMPONENTS = ("milex", "milper", "irst", "pec", "tpop", "upop", "cinc")


def test_v7_is_detected_counted_and_read(store, shared_data):
    path = shared_data / "cow_nmc_v7" / "NMC-70-abridged_from_peacesciencer.csv"
    assert detect_format(path) == "cow-nmc"
    with open(path, newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    codes = Path(__file__).resolve().parents[1] / "src" / "sco_observatory" / "data" / "cow_codes.csv"
    with open(codes, newline="") as fh:
        no_iso = [(int(r["ccode"]), r["from_year"], r["to_year"]) for r in csv.DictReader(fh) if not r["iso3"]]

    def stateless(r):
        y = int(r["year"])
        return any(int(r["ccode"]) == c and (not a or y >= int(a)) and (not b or y <= int(b)) for c, a, b in no_iso)

    expected = sum(1 for r in raw if not stateless(r) for c in COMPONENTS if r[c] not in ("", "-9"))
    result = import_file(store, path)
    assert result.source_id == "cow:nmc-7.0"
    assert result.rows == expected
    assert result.skipped["missing values (-9 or empty)"] == sum(1 for r in raw for c in COMPONENTS if r[c] == "")
    got = dict(store.con.execute(
        "SELECT code, value FROM indicator WHERE iso3 = 'KAZ' AND year = 2022 AND source_id = 'cow:nmc-7.0'").fetchall())
    kzk = next(r for r in raw if r["stateabb"] == "KZK" and r["year"] == "2022")
    assert got["COW.NMC.MILEX"] == float(kzk["milex"]) == 1867000
    assert got["COW.NMC.CINC"] == pytest.approx(0.0026634394)
    chn = store.con.execute("SELECT value FROM indicator WHERE iso3 = 'CHN' AND year = 2022 AND code = 'COW.NMC.CINC' "
                            "AND source_id = 'cow:nmc-7.0'").fetchone()[0]
    assert chn == pytest.approx(0.23409663)
    # Missing milex (empty in v7, -9 in COW's file) is absent, never zero: Kyrgyz milex is NA in recent years.
    kgz = {r["year"] for r in raw if r["ccode"] == "703" and r["milex"] == ""}
    assert kgz and store.con.execute(
        "SELECT count(*) FROM indicator WHERE iso3 = 'KGZ' AND code = 'COW.NMC.MILEX' AND source_id = 'cow:nmc-7.0' "
        "AND year IN (SELECT unnest(?::INTEGER[]))", [sorted(int(y) for y in kgz)]).fetchone()[0] == 0
    # v6.0 and v7.0 are separate sources (side by side, comparable).
    six = import_file(store, shared_data / "cow_nmc" / "NMC-60-abridged.csv")
    assert six.source_id == "cow:nmc-6.0" and store.con.execute(
        "SELECT count(DISTINCT source_id) FROM indicator WHERE code = 'COW.NMC.CINC' AND iso3 = 'KAZ' AND year = 2012"
    ).fetchone()[0] == 2


def test_release_year_is_the_vintage_not_the_copy_date(store, shared_data):
    """A source's vintage is the year COW published the release (its own `version` column), not the year
    the copy was taken: the dashboard said "COW NMC, vintage 2026" for the 2025 release."""
    from sco_observatory.ingest.cow_nmc import NMC_RELEASE_YEARS
    from sco_observatory.store.queries import source_citations

    with open(shared_data / "cow_nmc" / "NMC-60-abridged.csv", newline="", encoding="utf-8") as fh:
        assert {r["version"] for r in csv.DictReader(fh)} == {str(NMC_RELEASE_YEARS["6.0"])}
    provenance = (shared_data / "cow_nmc_v7" / "PROVENANCE.md").read_text(encoding="utf-8")
    assert f"`version` = {NMC_RELEASE_YEARS['7.0']}" in provenance
    import_file(store, shared_data / "cow_nmc_v7" / "NMC-70-abridged_from_peacesciencer.csv")
    import_file(store, shared_data / "cow_nmc" / "NMC-60-abridged.csv")
    vintage = dict(source_citations(store, ["cow:nmc-7.0", "cow:nmc-6.0"]).select("id", "vintage").iter_rows())
    assert vintage["cow:nmc-7.0"].startswith("published 2025; retrieved ")
    assert vintage["cow:nmc-6.0"].startswith("published 2021; retrieved ")
