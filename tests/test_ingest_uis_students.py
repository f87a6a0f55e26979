"""UIS internationally mobile students (360info top-10 lumping) -> student_mobility, on the real files."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from sco_observatory.countries import lookup
from sco_observatory.ingest import detect_format, import_file

FOLDER = "student_mobility_uis"
CASES = [
    ("popular-destinations-by-origin.csv", "origin_country_name", "dest_country_lumped", "uis:students-destinations-by-origin"),
    ("popular-origins-by-destination.csv", "dest_country_name", "origin_country_lumped", "uis:students-origins-by-destination"),
]


def named_country(name: str) -> bool:
    return name != "Sudan (pre-secession)" and lookup(name).kind != "aggregate"


@pytest.mark.parametrize("name, named, partner, source_id", CASES)
def test_pairs_and_implied_totals(store, shared_data, name, named, partner, source_id):
    path = shared_data / FOLDER / name
    with open(path, newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    pairs = [r for r in raw if named_country(r[named]) and named_country(r[partner])]
    totals = defaultdict(float)
    for r in raw:
        if named_country(r[named]):
            totals[(r[named], r["year"])] += float(r["value_lumped"])
    assert detect_format(path) == ("uis-students-by-origin" if named == "origin_country_name" else "uis-students-by-destination")
    result = import_file(store, path)
    assert result.source_id == source_id
    assert result.rows == len(pairs) + len(totals)
    world_side = "destination" if named == "origin_country_name" else "origin"
    got = store.con.execute(f"SELECT count(*), sum(students) FROM student_mobility WHERE source_id = ? AND {world_side} = 'WLD'",
                            [source_id]).fetchone()
    assert got[0] == len(totals) and got[1] == pytest.approx(sum(totals.values()))
    # "Other countries" never appears as a partner: no aggregate code is stored.
    assert store.con.execute("SELECT count(*) FROM student_mobility WHERE origin = '' OR destination = ''").fetchone()[0] == 0


def test_spot_values_from_provenance(store, shared_data):
    for name, *_ in CASES:
        assert detect_format(shared_data / FOLDER / name) in ("uis-students-by-origin", "uis-students-by-destination")
        import_file(store, shared_data / FOLDER / name)

    def students(origin, destination, year, source):
        row = store.con.execute("SELECT students FROM student_mobility WHERE origin = ? AND destination = ? AND year = ? "
                                "AND source_id = ?", [origin, destination, year, source]).fetchone()
        return row[0] if row else None

    inbound, outbound = "uis:students-origins-by-destination", "uis:students-destinations-by-origin"
    for origin, n in (("KAZ", 71368), ("TKM", 27889), ("UZB", 27397), ("TJK", 21973), ("CHN", 18531), ("IND", 12105), ("KGZ", 7291)):
        assert students(origin, "RUS", 2019, inbound) == n
    assert students("KAZ", "RUS", 2019, outbound) == 71368   # the two files agree
    assert students("UZB", "KAZ", 2020, outbound) == 26130
    # Russia is not among the 2020 reporting destinations: the pair is absent, not zero.
    assert students("UZB", "RUS", 2020, outbound) is None
    # Qualifiers: "- - c -" is a national estimate.
    with open(shared_data / FOLDER / "popular-destinations-by-origin.csv", newline="", encoding="utf-8") as fh:
        flagged = next(r for r in csv.DictReader(fh) if r["cond_all"] == "- - c -" and named_country(r["origin_country_name"])
                       and named_country(r["dest_country_lumped"]))
    q = store.con.execute("SELECT qualifier FROM student_mobility WHERE origin = ? AND destination = ? AND year = ? AND source_id = ?",
                          [lookup(flagged["origin_country_name"]).iso3, lookup(flagged["dest_country_lumped"]).iso3,
                           int(flagged["year"]), outbound]).fetchone()[0]
    assert q == "NAT_EST"
