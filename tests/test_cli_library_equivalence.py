"""Every `sco` command and its `Observatory` method, called with the same arguments, give the same rows.

The CLI is a thin layer (parse → call the method → render): its `--format csv` output must be the
method's frame written as CSV, and its JSON the frame's rows. The last test checks that no command
of the app is left out of this table without a stated reason.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import sco_observatory as sco
from sco_observatory import config
from sco_observatory.cli import app, main

FILES = ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv", "wdi/ny.gdp.pcap.cd.csv"]
BACI = Path(__file__).parent / "fixtures" / "products" / "BACI_HS17_Y2020_V000000.csv"
"""A small hand-made BACI-format year (2020) for the product-level commands."""



def _lang(lang, call):
    """The same call on an Observatory opened with `lang` (the CLI's --lang)."""
    def in_lang(o):
        with sco.open(o.home, lang=lang) as other:
            return call(other)
    return in_lang


# (CLI arguments, the same call on the library): one row per command and a few option variants.
CASES = [
    (["members", "SCO@2016+IND+PAK", "--lang", "ru"], _lang("ru", lambda o: o.members("SCO@2016+IND+PAK"))),
    (["history", "Казахстан", "--lang", "zh"], _lang("zh", lambda o: o.history("Казахстан"))),
    (["overlap", "--as-of", "2014-12-31", "--countries", "CA5", "--lang", "kk"],
     _lang("kk", lambda o: o.overlap("2014-12-31", countries="CA5"))),
    (["timeline", "ШОС", "--lang", "ru"], _lang("ru", lambda o: o.timeline("ШОС"))),
    (["orgs", "--lang", "ru"], _lang("ru", lambda o: o.orgs())),
    (["power", "SCO@2012", "--indicator", "defence", "--year", "2012", "--lang", "ru"],
     _lang("ru", lambda o: o.power("SCO@2012", "defence", 2012))),
    (["members", "SCO@2016+IND+PAK"], lambda o: o.members("SCO@2016+IND+PAK")),
    (["history", "Uzbekistan"], lambda o: o.history("Uzbekistan")),
    (["orgs"], lambda o: o.orgs()),
    (["timeline", "CSTO"], lambda o: o.timeline("CSTO")),
    (["overlap", "--as-of", "2014-12-31", "--countries", "CA5+RUS+CHN"],
     lambda o: o.overlap("2014-12-31", countries="CA5+RUS+CHN")),
    (["bodies"], lambda o: o.bodies()),
    (["documents"], lambda o: o.documents()),
    (["projects"], lambda o: o.projects()),
    (["sources"], lambda o: o.sources()),
    (["criteria"], lambda o: o.criteria()),
    (["criteria", "IRN", "--as-of", "2012-12-31", "--threshold", "5%"],
     lambda o: o.criteria("IRN", as_of="2012-12-31", threshold="5%")),
    (["power", "SCO@2012", "--indicator", "defence", "--year", "2012"], lambda o: o.power("SCO@2012", "defence", 2012)),
    (["power", "CA5+RUS", "-i", "gdp", "-y", "2015"], lambda o: o.power("CA5+RUS", "gdp", 2015)),
    (["ratio", "CHN", "KGZ", "--indicator", "defence", "--year", "2012"], lambda o: o.ratio("CHN", "KGZ", "defence", 2012)),
    (["trade", "group", "CA5", "--years", "2010-2012", "--flows", "mirror"],
     lambda o: o.trade("group", "CA5", "2010-2012", flows="mirror")),
    (["trade", "intensity", "CA5", "--years", "2012", "--partners", "RUS+CHN"],
     lambda o: o.trade("intensity", "CA5", 2012, partners="RUS+CHN")),
    (["siei", "trade", "CA5+RUS", "--years", "2010-2012"], lambda o: o.siei("trade", "CA5+RUS", years="2010-2012")),
    (["siei", "CA5+RUS", "--years", "2012", "--level", "group"], lambda o: o.siei("trade", "CA5+RUS", 2012, level="group")),
    (["siei", "CA5+RUS", "--years", "2012", "--hypotheses"], lambda o: o.siei("trade", "CA5+RUS", 2012, hypotheses=True)),
    (["composite", "CA5+RUS", "--years", "2010-2012", "--dimensions", "trade"],
     lambda o: o.composite("CA5+RUS", "2010-2012", dimensions="trade")),
    (["convergence", "CA5", "--from", "2000", "--to", "2012", "--measure", "sigma"],
     lambda o: o.convergence("CA5", start=2000, end=2012, measure="sigma")),
    (["convergence", "CA5", "--from", "2000", "--to", "2012"], lambda o: o.convergence("CA5", start=2000, end=2012)),
    (["whatif", "SCO@2012", "--add", "IND", "--add", "PAK", "--year", "2012"],
     lambda o: o.whatif("SCO@2012", add=["IND", "PAK"], year=2012)),
    (["claims"], lambda o: o.claims()),
    (["scenarios", "--from", "2010", "--to", "2014"], lambda o: o.scenarios(2010, 2014).signposts),
    (["scenarios", "--from", "2010", "--to", "2014", "--summary"], lambda o: o.scenarios(2010, 2014).summary),
    (["trade-series", "KGZ", "--partners", "RUS", "--years", "2015-2023", "--extend-with", "national"],
     lambda o: o.trade_series("KGZ", "RUS", "2015-2023", extend_with="national")),
    (["trade", "products", "CA5", "--partner", "CHN", "--year", "2020", "--top", "3"],
     lambda o: o.trade_products("CA5", "CHN", 2020, top=3)),
    (["trade", "complexity", "CA5+RUS", "--year", "2020"], lambda o: o.complexity(2020, "CA5+RUS")),
    (["data", "list"], lambda o: o.data()),
    (["data", "show", "NY.GDP.MKTP.CD", "--countries", "CA5", "--years", "2010-2012"],
     lambda o: o.data("NY.GDP.MKTP.CD", countries="CA5", years="2010-2012")),
]

# Commands with no frame to compare, and why; each is tested elsewhere.
NOT_FRAMES = {
    "report": "writes an HTML file (tests/test_report.py); the library's Observatory.report returns its path",
    "import": "side effect on the store; Observatory.import_file (tests/test_api.py builds its store with it)",
    "fetch": "network; Observatory.fetch calls the same sources.* fetchers",
    "serve": "starts the dashboard (tests/test_cli_serve.py)",
    "cache": "the HTTP cache on disk, not observatory data",
    "crosscheck": "reads a COW IGO file given on the command line (tests/test_kb_igo.py)",
    "igo-check": "hidden alias of crosscheck cow-igo",
    "data diff": "compares a file with the store; imports nothing",
    "data vacuum": "deletes files of replaced data from the store; prints one summary line, no frame",
    "data formats": "the list of readers, not data",
    "arms": "needs SIPRI's register, which is not shipped; tests/test_arms.py compares the CLI's CSV with Observatory.arms",
    "data update": "network; tests/test_data_update.py runs it against a loopback server",
}


@pytest.fixture(scope="module")
def data_home(tmp_path_factory, shared_data):
    home = tmp_path_factory.mktemp("equivalence")
    with sco.open(home) as obs:
        obs.import_file([shared_data / f for f in FILES] + [BACI])
    return home


def _cli(capsys, args: list[str]) -> str:
    capsys.readouterr()
    rc = main(args)
    out, err = capsys.readouterr()
    assert rc == 0, err
    return out


def _same_csv(got: str, want: str) -> None:
    """Equal text, or equal tables up to the last bits of floats (DuckDB's parallel sums may differ there)."""
    if got == want:
        return
    assert got.count("\n") == want.count("\n")
    read = lambda text: pl.read_csv(io.StringIO(text), infer_schema_length=None)  # noqa: E731
    assert_frame_equal(read(got), read(want), check_exact=False, rel_tol=1e-9, abs_tol=1e-9)


def _csv(result, args: list[str]) -> str:
    from sco_observatory.metrics.convergence import combined

    if isinstance(result, sco.Convergence):  # one CSV table, the parts told apart by a `part` column
        return combined(result.sigma, result.beta).write_csv()
    if args[0] == "convergence":  # one part asked for: the same one-table form
        measure = args[args.index("--measure") + 1]
        return combined(result if measure == "sigma" else None, result if measure == "beta" else None).write_csv()
    return result.write_csv()


@pytest.mark.parametrize(("args", "call"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_cli_csv_is_the_library_frame(capsys, monkeypatch, data_home, args, call):
    monkeypatch.setenv(config.HOME_ENV, str(data_home))
    out = _cli(capsys, args + ["--format", "csv"])
    with sco.open() as obs:
        expected = call(obs)
    _same_csv(out, _csv(expected, args))
    frames = list(expected) if isinstance(expected, sco.Convergence) else [expected]
    assert sum(f.height for f in frames) > 0, "a case that compares two empty frames proves nothing"


@pytest.mark.parametrize(("args", "call"), [c for c in CASES if c[0][0] in ("members", "power", "siei", "data")],
                         ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_cli_json_is_the_library_rows(capsys, monkeypatch, data_home, args, call):
    monkeypatch.setenv(config.HOME_ENV, str(data_home))
    out = _cli(capsys, args + ["--format", "json"])
    with sco.open() as obs:
        expected = call(obs)
    got, want = json.loads(out), json.loads(json.dumps(expected.to_dicts(), default=str))
    assert len(got) == len(want) and [sorted(r) for r in got] == [sorted(r) for r in want]
    for row_got, row_want in zip(got, want):
        for key, value in row_want.items():
            if isinstance(value, float) and isinstance(row_got[key], float):
                # DuckDB's parallel sums may differ in the last bits between two runs (as in _same_csv)
                assert row_got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
            else:
                assert row_got[key] == value, key


def test_graph_json_is_the_library_graph(capsys, data_home, monkeypatch):
    monkeypatch.setenv(config.HOME_ENV, str(data_home))
    out = _cli(capsys, ["graph", "--as-of", "2012-12-31"])
    with sco.open() as obs:
        assert json.loads(out) == json.loads(json.dumps(obs.graph("2012-12-31"), ensure_ascii=False))


def test_every_command_is_compared_or_excused():
    import typer.main

    group = typer.main.get_command(app)
    names = set()
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        names |= {f"{name} {s}" for s in sub} if sub and name == "data" else {name}
    compared = {a[0] if a[0] != "data" else " ".join(a[:2]) for a, _ in CASES} | {"graph"}
    missing = names - compared - set(NOT_FRAMES)
    assert not missing, f"commands with neither an equivalence case nor a reason: {sorted(missing)}"
    assert not (set(NOT_FRAMES) - names), "a reason for a command that no longer exists"
