"""Lazy command loading (cli/__init__.py): a run imports only its command's module, the table of
commands matches what the modules register, and the whole app is still there for --help and tests."""

from __future__ import annotations

import importlib

import pytest
import typer

from sco_observatory import cli


def _registered(module: str) -> set[str]:
    app = typer.Typer()
    importlib.import_module(f"sco_observatory.cli.{module}").register(app)
    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    return names | {g.name for g in app.registered_groups}


@pytest.mark.parametrize("module", cli.MODULES)
def test_command_table_matches_what_each_module_registers(module):
    listed = {name for name, owner in cli.COMMANDS.items() if owner == module}
    assert listed == _registered(module)


@pytest.mark.parametrize("args, modules", [
    (["members", "SCO@2012"], ("groups",)),
    (["--home", "/tmp/x", "power", "SCO"], ("metrics",)),
    (["--home=/tmp/x", "--engine", "duckdb", "data", "list"], ("data",)),
    (["--version"], ()),
    (["--help"], cli.MODULES),
    ([], cli.MODULES),
    (["memberz"], cli.MODULES),
    (["cache", "list"], ("fetch",)),
])
def test_command_modules(args, modules):
    assert cli.command_modules(args) == modules


def test_whole_app_keeps_every_command_in_help_order(capsys):
    cli.main(["members", "CA5", "--format", "csv"])  # only groups loaded first ...
    names = list(typer.main.get_command(cli.app).commands)  # type: ignore[attr-defined]
    eager = typer.Typer()  # ... then the whole app: as if every module had been registered at import
    for module in cli.MODULES:
        importlib.import_module(f"sco_observatory.cli.{module}").register(eager)
    eager.callback()(lambda: None)
    assert names == list(typer.main.get_command(eager).commands)  # type: ignore[attr-defined]
    assert set(names) == set(cli.COMMANDS)


def test_unknown_command_still_suggests(capsys):
    assert cli.main(["memberz"]) == 2
    assert "members" in capsys.readouterr().err


FORBIDDEN = {"polars", "pandas", "pyarrow"}
"""Frame libraries a ledger command must not load (benchmarks/README.md "Start-up")."""


def _loaded_by(tmp_path, *args: str) -> tuple[str, set[str]]:
    """stdout and sys.modules of a real `sco ARGS` process, with a warm ledger cache (built by a first run)."""
    import os
    import subprocess
    import sys

    from sco_observatory.kb import cache

    code = ("import sys; from sco_observatory.cli import main; rc = main(sys.argv[1:]); "
            "print('MODULES', ' '.join(sorted(sys.modules))); sys.exit(rc)")
    env = {**os.environ, cache.CACHE_ENV: str(tmp_path / "cache"), "SCO_OBSERVATORY_HOME": str(tmp_path / "home")}
    env.pop("SCO_ENGINE", None)
    for _ in range(2):  # the first run builds the ledger cache
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
    out, _, modules = done.stdout.rpartition("MODULES ")
    return out, set(modules.split())


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_members_loads_no_frame_library(tmp_path, fmt, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out, modules = _loaded_by(tmp_path, "members", "SCO@2012", "--format", fmt)
    assert "KAZ" in out and "Kazakhstan" in out
    assert not (FORBIDDEN & modules), sorted(FORBIDDEN & modules)


def test_orgs_loads_no_frame_library(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out, modules = _loaded_by(tmp_path, "orgs", "--format", "csv")
    assert out.startswith("id,name,kind,") and "\nSCO," in out
    assert not (FORBIDDEN & modules), sorted(FORBIDDEN & modules)


@pytest.mark.parametrize("lang", [None, "ru"])
def test_orgs_prints_what_the_library_returns(capsys, lang):
    import json

    import sco_observatory as sco

    frame = sco.open(lang=lang).orgs()
    extra = ["--lang", lang] if lang else []
    assert cli.main(["orgs", "--format", "csv", *extra]) == 0
    assert capsys.readouterr().out == frame.write_csv()
    assert cli.main(["orgs", "--format", "json", *extra]) == 0
    assert json.loads(capsys.readouterr().out) == frame.to_dicts()


def test_version_loads_no_frame_library_nor_the_ledger(tmp_path):
    out, modules = _loaded_by(tmp_path, "--version")
    assert out.startswith("sco-observatory ")
    assert not ((FORBIDDEN | {"pydantic", "sco_observatory.kb.model"}) & modules)


def test_members_prints_what_the_library_returns(capsys, monkeypatch):
    """The CLI prints `Observatory.members`' frame without building it: same rows in every format."""
    import json

    import polars as pl

    import sco_observatory as sco

    monkeypatch.setenv("COLUMNS", "250")
    for expression, lang in [("SCO:member,observer@2012-12-31", None), ("CSTO:member,frozen@2024-06-01", None),
                             ("SCO@2016+IND+PAK", "ru"), ("CA5", None)]:
        frame = sco.open(lang=lang).members(expression)
        extra = ["--lang", lang] if lang else []
        assert cli.main(["members", expression, "--format", "csv", *extra]) == 0
        assert capsys.readouterr().out == frame.write_csv(), expression
        assert cli.main(["members", expression, "--format", "json", *extra]) == 0
        assert json.loads(capsys.readouterr().out) == frame.to_dicts(), expression
        assert frame.schema == pl.Schema({c: pl.String for c in frame.columns})


def test_plain_rows_print_as_a_frame_of_strings_would(capsys, monkeypatch):
    """`cli.output.Rows` (no polars) gives the same table, CSV and JSON as the frame of the same strings."""
    import polars as pl

    from sco_observatory.cli.output import Rows, emit

    monkeypatch.setenv("COLUMNS", "200")
    columns = ("iso3", "name", "note", "source")
    rows = [("KOR", "Korea, Republic of", 'said "no"', ""), ("KAZ", "Kazakhstan", None, "a;b"),
            ("XXX", "two\nlines", "cr\rhere", " lead"), ("TJK", "", ",", '"')]
    frame = pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")
    for fmt in ("csv", "json", "table"):
        emit(frame, fmt, title="t")
        expected = capsys.readouterr().out
        emit(Rows(columns, rows), fmt, title="t")
        assert capsys.readouterr().out == expected, fmt
    emit(Rows(columns, []), "csv")
    assert capsys.readouterr().out == frame.head(0).write_csv()
