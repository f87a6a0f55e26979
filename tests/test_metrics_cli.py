"""`sco power|ratio|whatif|claims|trade` from the embedded default: output formats and one-line errors."""

from __future__ import annotations

import json

import pytest

from sco_observatory.cli import main


# These tests are about the store / the embedded default, not the open-data snapshot: their
# stores hold the report's embedded tables only (tests/test_snapshot*.py cover the snapshot).
pytestmark = pytest.mark.usefixtures("embedded_only")


def test_power_csv(capsys):
    assert main(["power", "CHN,RUS,KAZ,KGZ,TJK", "--indicator", "defence", "--year", "2012", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("iso3,year,code,value,unit,share,rank,source")
    assert "group_con" in out.splitlines()[0]


def test_ratio_json(capsys):
    assert main(["ratio", "China", "Kyrgyzstan", "--year", "2012", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert int(rows[0]["value"]) == 966 and rows[0]["source"] == "embedded:iiss-mb2013"


def test_whatif_and_claims(capsys):
    assert main(["whatif", "CHN,RUS,KAZ,KGZ,TJK,UZB", "--add", "IND", "--year", "2012", "-i", "defence", "--format", "csv"]) == 0
    assert "defence con" in capsys.readouterr().out
    assert main(["claims", "ratio-chn-kgz", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["verdict"] == "agree"


def test_errors_are_one_line(capsys):
    assert main(["power", "CHN", "--year", "2012"]) == 2
    assert main(["trade", "group", "CA5", "--years", "2012"]) == 2
    assert main(["trade", "nonsense", "CA5", "--years", "2012"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("error:") == 3
