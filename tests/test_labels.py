"""Human labels: tables, titles and charts say "GDP (current US$)" and "Trade intensity index", not
`NY.GDP.MKTP.CD` or `trade_intensity`; CSV and JSON keep the codes and column names.

The names are the publishers' own (data/indicator_names.csv, built by scripts/build_indicator_names.py
from the source files); the walk renders every CLI command that has a table format and looks at
every header, title, caption and indicator cell it printed.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from sco_observatory import config, labels
from sco_observatory.cli import main

ROOT = Path(__file__).resolve().parents[1]
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def _build_script():
    spec = importlib.util.spec_from_file_location("build_indicator_names", ROOT / "scripts" / "build_indicator_names.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_names_are_the_sources_own(shared_data):
    """The shipped table is exactly what the build script reads from the shared files."""
    if not (shared_data / "wdi" / "PROVENANCE.md").is_file():
        pytest.skip("shared WDI provenance absent")
    script = _build_script()
    shipped = (ROOT / "src" / "sco_observatory" / "data" / "indicator_names.csv").read_text(encoding="utf-8")
    assert shipped == script.render(script.build(shared_data)), "rebuild: python scripts/build_indicator_names.py"
    from_files = {c for c, (_, origin) in labels.indicator_names().items() if origin.startswith("World Bank")}
    assert len(from_files) >= 25  # 24 WDI files + MS.MIL.XPND.CD from the bulk download


def test_every_wdi_file_has_its_name(shared_data):
    if not (shared_data / "wdi").is_dir():
        pytest.skip("shared WDI files absent")
    codes = {p.stem.upper() for p in (shared_data / "wdi").glob("*.csv")}
    assert codes <= set(labels.indicator_names())


def test_labels_and_units():
    assert labels.indicator_label("NY.GDP.MKTP.CD") == "GDP (current US$)"
    assert labels.indicator_label("ny.gdp.mktp.cd", with_unit=False) == "GDP"
    assert labels.indicator_labels()["SP.POP.TOTL"] == ("Population, total", "")
    assert labels.indicator_labels()["AG.LND.TOTL.K2"] == ("Land area", "sq. km")
    assert labels.indicator_label("XX.UNKNOWN") == "XX.UNKNOWN"
    assert labels.header("trade_intensity") == "Trade intensity index"
    assert labels.header("NY.GDP.MKTP.CD") == "GDP (current US$)"
    assert labels.in_words("NY.GDP.MKTP.CD shares within CA5 (wdi:NY.GDP.MKTP.CD)") == \
        "GDP (current US$) shares within CA5 (wdi:NY.GDP.MKTP.CD)"
    assert labels.cell("code", "NY.GDP.PCAP.CD") == "GDP per capita (current US$)"
    assert labels.cell("status", "dialogue_partner") == "dialogue partner"


def test_report_and_dashboard_use_the_same_table():
    from sco_observatory.report import labels as report_labels

    assert report_labels.indicator_label is labels.indicator_label
    assert report_labels.INDICATOR_LABELS == labels.indicator_labels()


def test_api_labels_serves_the_sources_names(tmp_path):
    from fastapi.testclient import TestClient

    from sco_observatory.web.app import create_app

    with TestClient(create_app(str(tmp_path / "store.duckdb")), raise_server_exceptions=False) as client:
        body = client.get("/api/labels").json()
    assert body["indicators"]["NY.GDP.MKTP.CD"] == {"label": "GDP", "unit": "current US$"}
    assert body["columns"]["trade_intensity"] == "Trade intensity index"


def test_csv_keeps_codes_and_table_shows_names(tmp_path, shared_data, capsys):
    wdi = shared_data / "wdi" / "ny.gdp.mktp.cd.csv"
    if not wdi.exists():
        pytest.skip("shared WDI file absent")
    home = str(tmp_path / "home")
    assert main(["--home", home, "import", str(wdi)]) == 0
    capsys.readouterr()
    assert main(["--home", home, "power", "CA5", "-i", "gdp", "-y", "2019", "--format", "csv"]) == 0
    csv_out = capsys.readouterr().out
    assert csv_out.startswith("iso3,") and "NY.GDP.MKTP.CD" in csv_out
    assert main(["--home", home, "power", "CA5", "-i", "gdp", "-y", "2019"]) == 0
    table = capsys.readouterr().out
    config.set_home(None)
    assert "GDP (current US$)" in table and "NY.GDP.MKTP.CD" not in table.replace("wdi:NY.GDP.MKTP.CD", "")
    assert "group_hhi" not in table and "iso3" not in table


def _explicit(column: str) -> bool:
    """A column has a deliberate header: in the table of measures, a named indicator, or already words."""
    return (column in labels.COLUMN_HEADERS or column.upper() in labels.indicator_names()
            or not re.fullmatch(r"[a-z0-9_]+", column))


@pytest.mark.slow
def test_no_table_shows_a_code_or_snake_case_header(shared_data, tmp_path_factory, monkeypatch, capsys):
    """Every command with a table format, rendered as a table: every header is a deliberate one (no
    snake_case fallback), no header/title/caption holds a named indicator code, no indicator cell
    shows its code."""
    from test_cli_formats import _arguments, _format_commands, _fill

    home = _fill(shared_data, tmp_path_factory)
    monkeypatch.setenv("COLUMNS", "400")
    seen_columns: dict[str, str] = {}
    shown: list[tuple[str, str]] = []
    real_header, real_words, real_cell = labels.header, labels.in_words, labels.cell

    def header(column):
        seen_columns.setdefault(column, current[0])
        out = real_header(column)
        shown.append((current[0], out))
        return out

    def in_words(text):
        out = real_words(text)
        if out:
            shown.append((current[0], out))
        return out

    def cell(column, value):
        out = real_cell(column, value)
        if column not in labels.IDENTIFIER_COLUMNS and isinstance(out, str):
            shown.append((current[0], out))
        return out

    monkeypatch.setattr(labels, "header", header)
    monkeypatch.setattr(labels, "in_words", in_words)
    monkeypatch.setattr(labels, "cell", cell)
    current = [""]
    failures = []
    formats = _format_commands()
    codes = set(labels.indicator_names())
    for command, runs in _arguments(shared_data).items():
        if formats.get(command) == ("json",):
            continue
        for args in runs:
            current[0] = " ".join([command, *args])
            rc = main(["--home", str(home), *command.split(), *args, "--format", "table"])
            err = capsys.readouterr().err
            if rc != 0:
                failures.append(f"{current[0]}: exit {rc}: {err.strip()[:200]}")
    config.set_home(None)
    for column, where in seen_columns.items():
        if not _explicit(column):
            failures.append(f"{where}: column {column!r} has no header in labels.COLUMN_HEADERS")
    for where, text in shown:
        for token in re.findall(r"(?<![\w.:])[A-Z][A-Z0-9]*(?:\.[A-Z0-9]+)+", text):
            if token in codes:
                failures.append(f"{where}: shows the code {token} in {text[:80]!r}")
        if SNAKE.match(text) and text in seen_columns:
            failures.append(f"{where}: shows the column name {text!r}")
    Path(tmp_path_factory.getbasetemp() / "label_failures.txt").write_text("\n".join(dict.fromkeys(failures)))
    assert not failures, "\n".join(dict.fromkeys(failures))


def test_report_tables_show_names_and_keep_codes_in_tooltips():
    import polars as pl

    from sco_observatory.report.html import table

    out = table(pl.DataFrame({"iso3": ["KAZ"], "code": ["NY.GDP.MKTP.CD"], "trade_intensity": [1.5]}))
    assert '<th title="iso3">Country</th>' in out and '<th title="trade_intensity">Trade intensity index</th>' in out
    assert '<span title="NY.GDP.MKTP.CD">GDP (current US$)</span>' in out
    assert ">iso3<" not in out and ">trade_intensity<" not in out
    assert '<th title="iso3">ISO3</th>' in table(pl.DataFrame({"iso3": ["KAZ"]}), headers={"iso3": "ISO3"})


DASHBOARD = ROOT / "src" / "sco_observatory" / "web" / "static" / "dashboard.js"


def test_every_dashboard_table_header_comes_from_the_label_table():
    """The dashboard's tables name their columns only (no header written in the script), and every column
    they name has a header in labels.py — the panel's own word (PANEL_HEADERS) or the generic one."""
    js = DASHBOARD.read_text(encoding="utf-8")
    calls = re.findall(r"renderTable\((?:[^;]|;(?!\n))*?\);", js, flags=re.S)
    assert len(calls) >= 10
    named = 0
    for call in calls:
        panel = re.search(r'panel: "([a-z]+)"', call)
        listed = re.search(r"columns: \[([^\]]*)\]", call.split("{", 1)[-1]) if "columns: [" in call else None
        assert not re.search(r'\[\s*"[a-z_0-9]+",\s*"[^"]*"\s*\]', call), f"a header written in the script: {call[:120]}"
        if not listed:
            continue
        for col in re.findall(r'"([a-z_0-9]+)"', listed.group(1)):
            named += 1
            own = labels.PANEL_HEADERS.get(panel.group(1), {}) if panel else {}
            assert col in own or col in labels.COLUMN_HEADERS, f"no header for {col!r} in labels.py"
    assert named >= 40
    for panel in labels.PANEL_HEADERS:
        assert f'panel: "{panel}"' in js, f"PANEL_HEADERS[{panel!r}] is not read by any table"


def test_api_labels_serves_the_panels_words(tmp_path):
    from fastapi.testclient import TestClient

    from sco_observatory.web.app import create_app

    with TestClient(create_app(str(tmp_path / "store.duckdb")), raise_server_exceptions=False) as client:
        body = client.get("/api/labels").json()
    assert body["panels"]["trade"]["iso3_a"] == "Member" and body["panels"]["arms"]["recipient"] == "State"
    assert body["columns"]["flows_flagged"].startswith("Flows flagged")


def test_whatif_measures_and_sections_in_words():
    """The what-if frame's measure keys ("area con") read as words; the key stays the frame's API."""
    assert labels.measure_words("area con") == "Land area: concentration (CON)"
    assert labels.measure_words("defence hhi") == "Military expenditure: HHI"
    assert labels.measure_words("gdp largest_share") == "GDP: largest member's share"  # not "GDP largest: share"
    assert labels.measure_words("armed_forces share").endswith(": member's share")
    assert labels.measure_words("MS.MIL.XPND.GD.ZS share") == "Military expenditure (% of GDP): member's share"  # a code keeps its unit
    assert labels.measure_words("intra_share_trade") == "Intra-group share of trade"
    assert labels.measure_words("SIEI-style trade index (group)") == "SIEI-style trade index (group)"
    assert labels.section_word("power") == "Power balance" and labels.section_word("integration") == "Integration"


def test_source_keys_have_short_names():
    assert labels.source_label("imf-dots:dots_focus_reporters_1990_2020") == "IMF DOTS"
    assert labels.source_label("wdi:NY.GDP.MKTP.CD") == "World Bank WDI"
    assert labels.source_label("my-own:file") == "my-own:file"  # a user's own source keeps its key


def test_api_labels_serves_measure_and_source_words(tmp_path):
    from fastapi.testclient import TestClient

    from sco_observatory.snapshot_datasets import SHORT_NAMES
    from sco_observatory.web.app import create_app

    with TestClient(create_app(str(tmp_path / "store.duckdb")), raise_server_exceptions=False) as client:
        body = client.get("/api/labels").json()
    assert body["measure_stats"] == labels.MEASURE_STATS and body["sections"] == labels.SECTION_WORDS
    assert body["measure_words"] == labels.MEASURE_WORDS
    assert [tuple(p) for p in body["source_names"]] == list(SHORT_NAMES)

