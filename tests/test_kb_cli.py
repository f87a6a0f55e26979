"""The kb commands: output formats, one-line errors with exit code 2."""

from __future__ import annotations

import csv
import io
import json

from sco_observatory.cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_history_csv(capsys):
    code, out, _ = run(capsys, "history", "UZB", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert any(r["org"] == "CSTO" and r["status"] == "suspended" and r["since"] == "2012-12-19" for r in rows)


def test_timeline_json_and_orgs(capsys):
    code, out, _ = run(capsys, "timeline", "sco", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert any(r["iso3"] == "BLR" and r["date"] == "2024-07-04" for r in data)
    code, out, _ = run(capsys, "orgs", "--format", "csv")
    assert code == 0 and "SHANGHAI5" in out


def test_overlap_projects_criteria(capsys):
    code, out, _ = run(capsys, "overlap", "--as-of", "2012", "--countries", "KAZ,Uzbekistan", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[1]["iso3"] == "UZB" and rows[1]["CSTO"] == "suspended"
    assert run(capsys, "projects", "--format", "json")[0] == 0
    code, out, _ = run(capsys, "criteria", "--format", "csv")
    assert code == 0 and "Located in Eurasia" in out


def test_graph_formats(capsys):
    code, out, _ = run(capsys, "graph", "--as-of", "2012-12-31")
    assert code == 0 and json.loads(out)["as_of"] == "2012-12-31"
    code, out, _ = run(capsys, "graph", "--as-of", "2012-12-31", "--format", "graphml")
    assert code == 0 and out.startswith("<?xml") and 'target="SCO"' in out


def test_errors_are_one_line_exit_2(capsys):
    code, _, err = run(capsys, "timeline", "SOC")
    assert code == 2 and "did you mean" in err and err.count("\n") == 1
    code, _, err = run(capsys, "history", "Narnia")
    assert code == 2 and "unknown country" in err
    code, _, err = run(capsys, "overlap", "--as-of", "2012-02-30")
    assert code == 2 and "not a date" in err


def test_crosscheck_cow_igo_command(capsys, shared_data):
    path = shared_data / "cow_igo" / "igo_year_format3_eurasian_regional_igos_all_states.csv"
    code, out, _ = run(capsys, "crosscheck", "cow-igo", str(path), "--disagreements", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(r["agree"] == "false" for r in rows)
    # the old name stays as a hidden alias
    code, alias_out, _ = run(capsys, "igo-check", str(path), "--disagreements", "--format", "csv")
    assert code == 0 and alias_out == out


def test_crosscheck_missing_file_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "crosscheck", "cow-igo", str(tmp_path / "nope.csv"))
    assert code == 2 and err.count("\n") == 1
