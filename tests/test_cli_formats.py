"""Every `--format json` output of the CLI parses with `json.loads` as one document, and every
`--format csv` output with `csv` as one table (one header, every row as wide) — walked over the click
tree, so a new command with --format fails here until it is given valid arguments below.

The store holds the shared IMF DOTS files and a few WDI files, imported with `sco import`, and the
small hand-made BACI year of tests/fixtures/products (2020) for the product-level answers.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer

from sco_observatory import config
from sco_observatory.cli import app, main

DOTS = ("dots_focus_reporters_1990_2020.csv", "dots_other_reporters_to_focus_partners_1990_2020.csv")
WDI = ("ny.gdp.pcap.pp.cd.csv", "ny.gdp.pcap.cd.csv", "ny.gdp.mktp.cd.csv", "sp.pop.totl.csv", "ms.mil.xpnd.cd.csv")
IGO = "cow_igo/igo_year_format3_eurasian_regional_igos_all_states.csv"
PRODUCT_MEASURES = ("rca", "complementarity", "grubel-lloyd", "similarity", "product-concentration")
BACI = Path(__file__).parent / "fixtures" / "products" / "BACI_HS17_Y2020_V000000.csv"
TRADE_MEASURES = ("partners", "discrepancies", "shares", "group-shares", "intensity", "group", "concentration")


def _arguments(data) -> dict[str, list[list[str]]]:
    """Valid arguments for each command that takes --format (several runs for some)."""
    wdi = [str(data / "wdi" / f) for f in WDI if (data / "wdi" / f).exists()]
    trade = []
    for m in TRADE_MEASURES:
        extra = ["--partners", "CHN,RUS"] if m in ("partners", "discrepancies", "shares", "intensity") else []
        trade.append([m, "CA5", "--years", "2000,2020", *extra])
    trade.append(["products", "CA5", "--partner", "CHN", "--year", "2020", "--top", "3"])
    trade.append(["complexity", "CA5", "--year", "2020"])
    return {
        "members": [["SCO@2012"]], "history": [["KAZ"]], "orgs": [[]], "timeline": [["SCO"]], "overlap": [[]],
        "bodies": [[]], "documents": [[]], "projects": [[]], "criteria": [[]], "sources": [[]], "graph": [[]],
        "igo-check": [[str(data / IGO)]], "crosscheck cow-igo": [[str(data / IGO)]],
        "power": [["CA5", "--indicator", "gdp", "--year", "2019"]],
        "ratio": [["CHN", "KGZ", "--indicator", "gdp", "--year", "2019"]],
        "trade": trade,
        "siei": [["trade", "CA5", "--years", "2000,2020", "--level", "group"]],
        "composite": [["CA5", "--years", "2010-2012", "--dimensions", "trade"]],
        "convergence": [["CA5", "--years", "2000-2019"], ["CA5", "--years", "2000-2019", "--measure", "beta"]],
        "whatif": [["SCO@2012", "--add", "IND", "--year", "2012", "-i", "gdp"]],
        "claims": [[]], "scenarios": [[]],
        "arms": [["CA5", "--years", "2015-2020"], ["CA5", "--years", "2000-2019", "--period", "5"]],
        "trade-series": [["KGZ", "--partners", "RUS,CHN", "--years", "2015-2023", "--extend-with", "national"]],
        "data list": [[]], "data show": [["NY.GDP.MKTP.CD"]], "data formats": [[]],
        "cache list": [[]],
    }


INPUT_FORMAT = ("import", "data diff")
"""Commands whose --format names the format of the file read, not of the output."""


OTHER_FORMATS = {"graph": ("json",)}
"""Commands whose --format offers other choices than table/csv/json (graph: json or graphml)."""


def _format_commands() -> dict[str, tuple[str, ...]]:
    """Command path -> the output formats among json/csv its --format offers."""
    def walk(c, path=()):
        if hasattr(c, "commands"):
            for name, sub in c.commands.items():
                yield from walk(sub, path + (name,))
        if not hasattr(c, "commands") and any("--format" in p.opts for p in c.params):
            name = " ".join(path)
            yield name, OTHER_FORMATS.get(name, ("json", "csv"))
    return dict(walk(typer.main.get_command(app)))


def _fill(shared_data, tmp_path_factory):
    """A home holding the DOTS, WDI, SIPRI arms-register and BACI-fixture files (also used by tests/test_labels.py)."""
    if not (shared_data / "trade_imf_dots").is_dir() or not (shared_data / "wdi").is_dir():
        pytest.skip("shared DOTS/WDI files absent")
    home = tmp_path_factory.mktemp("formats")
    paths = [str(shared_data / "trade_imf_dots" / f) for f in DOTS]
    paths += [str(shared_data / "wdi" / f) for f in WDI if (shared_data / "wdi" / f).exists()]
    register = shared_data / "arms_transfers_sipri" / "sipri_trade_register_2000_2023.csv"  # not in the snapshot (terms)
    paths += [str(register)] if register.exists() else []
    assert main(["--home", str(home), "import", *paths, str(BACI)]) == 0
    config.set_home(None)
    return home


@pytest.fixture(scope="module")
def filled_home(shared_data, tmp_path_factory):
    return _fill(shared_data, tmp_path_factory)


def _check_csv(text: str, what: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, f"{what}: empty CSV"
    widths = {len(r) for r in rows}
    assert len(widths) == 1, f"{what}: rows of widths {sorted(widths)} — more than one table"
    header = rows[0]
    assert len(set(header)) == len(header), f"{what}: repeated header names"
    assert rows.count(header) == 1, f"{what}: the header appears again inside the table"


def test_every_format_command_is_walked(shared_data):
    missing = set(_format_commands()) - set(_arguments(shared_data)) - set(INPUT_FORMAT)
    assert not missing, f"give these commands valid arguments in _arguments(): {sorted(missing)}"


@pytest.mark.slow
def test_json_and_csv_are_one_document(filled_home, shared_data, capsys):
    failures = []
    formats = _format_commands()
    for command, runs in _arguments(shared_data).items():
        for args in runs:
            for fmt in formats[command]:
                argv = ["--home", str(filled_home), *command.split(), *args, "--format", fmt]
                code = main(argv)
                out, err = capsys.readouterr()
                what = " ".join(argv[2:])
                if code != 0:
                    failures.append(f"{what}: exit {code}: {err.strip()[:200]}")
                    continue
                try:
                    if fmt == "json":
                        json.loads(out)
                    else:
                        _check_csv(out, what)
                except (AssertionError, ValueError) as exc:
                    failures.append(f"{what}: {str(exc)[:200]}")
    assert not failures, "\n".join(failures)


def test_product_measures_say_they_need_product_data(filled_home, capsys):
    """DOTS holds totals only: product-level measures are a one-line error, not a malformed document."""
    for m in PRODUCT_MEASURES:
        assert main(["--home", str(filled_home), "trade", m, "CA5", "--years", "2012", "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == len(PRODUCT_MEASURES) and "product-level" in err
