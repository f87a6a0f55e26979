"""Trade after 2020: IMF DOTS to 2020, extended with the national statistics only on request, every
spliced row saying so; checked against the real national files with the csv module."""

from __future__ import annotations

import csv
import json

import pytest

import sco_observatory as sco
from sco_observatory.cli import main

NATIONAL = "trade_national_kaz_kgz_uzb/national_trade_by_partner_kgz_kaz_uzb.csv"


def national(path, reporter, partner_en):
    with open(path, newline="", encoding="utf-8") as fh:
        return {(int(r["year"]), {"exports": "X", "imports": "M"}[r["flow"]]): (float(r["value_thousand_usd"]) * 1e3, r["note"])
                for r in csv.DictReader(fh) if r["reporter_iso3"] == reporter and r["partner_en"] == partner_en
                and r["flow"] in ("exports", "imports")}


def test_default_is_dots_only(capsys):
    assert main(["trade-series", "KGZ", "--partners", "RUS", "--years", "2015-2023", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["source"] for r in rows} == {"imf-dots:dots_focus_reporters_1990_2020"}
    assert max(r["year"] for r in rows) == 2020 and not any(r["source_break"] for r in rows)


def test_extend_with_national_marks_every_row(shared_data):
    with sco.open() as obs:  # KGZ's office ships in the snapshot
        frame = obs.trade_series("KGZ", "RUS", "2015-2023", extend_with="national")
    want = "IMF DOTS to 2020, national statistics (national:KGZ-nsc) from 2021"
    assert set(frame["source_break"]) == {want}  # on every row, DOTS years included
    after = frame.filter(frame["after_break"])
    assert sorted(set(after["year"])) == [2021, 2022, 2023] and set(after["source"]) == {"national:KGZ-nsc"}
    assert set(frame.filter(~frame["after_break"])["year"]) <= set(range(2015, 2021))
    published = national(shared_data / NATIONAL, "KGZ", "Russia")
    for row in after.iter_rows(named=True):
        value, note = published[(row["year"], row["flow"])]
        assert row["value_usd"] == pytest.approx(value)
        assert row["estimate"] == (note == "preliminary")  # KGZ's 2023 imports: the office's own flag
    assert after.filter((after["year"] == 2023) & (after["flow"] == "M"))["estimate"][0] is True


def test_russia_extends_with_rosstat_to_2021(shared_data):
    with sco.open() as obs:
        obs.import_file(shared_data / "trade_russia_fcs" / "russia_fcs_trade_by_partner.csv")
        frame = obs.trade_series("RUS", "KAZ", "2018-2023", extend_with="national")
    after = frame.filter(frame["after_break"])
    assert sorted(set(after["year"])) == [2021] and set(after["source"]) == {"rosstat:fcs-trade-by-partner"}
    assert set(frame["source_break"]) == {"IMF DOTS to 2020, Rosstat (FCS) (rosstat:fcs-trade-by-partner) from 2021"}


def test_table_caption_names_the_break_and_bad_option_is_one_line(capsys):
    assert main(["trade-series", "KGZ", "--partners", "RUS", "--years", "2019-2023", "--extend-with", "national"]) == 0
    out = capsys.readouterr().out
    assert "source break: IMF DOTS to 2020" in out and "preliminary" in out
    assert main(["trade-series", "KGZ", "--partners", "RUS", "--extend-with", "comtrade"]) == 2
    assert "--extend-with national" in capsys.readouterr().err
