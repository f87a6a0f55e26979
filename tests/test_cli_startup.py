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
