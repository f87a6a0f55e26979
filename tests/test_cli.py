"""The command line: version, help with examples, output formats, one-line errors with exit code 2."""

import json
import shutil
import subprocess
import sys

import pytest

from sco_observatory import __version__
from sco_observatory.cli import main


def run(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_version(capsys):
    rc, out, _ = run(capsys, "--version")
    assert rc == 0 and __version__ in out


def test_installed_script_runs():
    exe = shutil.which("sco")
    if exe is None:
        pytest.skip("the sco script is not on PATH (package not installed with pip)")
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and __version__ in done.stdout


def test_members_csv_and_json(capsys):
    rc, out, _ = run(capsys, "members", "CA5", "--format", "csv")
    assert rc == 0
    lines = out.strip().splitlines()
    assert lines[0] == "iso3,name,status,since,de_facto,next,source" and len(lines) == 6
    rc, out, _ = run(capsys, "members", "KAZ,RUS", "--format", "json")
    assert [r["iso3"] for r in json.loads(out)] == ["KAZ", "RUS"]


def test_data_show_from_embedded_default(capsys):
    rc, out, _ = run(capsys, "data", "show", "MS.MIL.XPND.CD", "--countries", "CHN,KGZ", "--years", "2012", "--format", "csv")
    assert rc == 0
    assert out.splitlines()[0] == "iso3,year,code,value,unit,source"
    assert "CHN,2012,MS.MIL.XPND.CD,102436000000.0,current US$,embedded:iiss-mb2013" in out


def test_data_list_names_sources(capsys):
    rc, out, _ = run(capsys, "data", "list", "--format", "json")
    assert rc == 0
    assert "embedded:iiss-mb2013" in {r["source"] for r in json.loads(out)}


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["members", "KAZ,Narnia"], "unknown country 'Narnia'"),
        (["members", "World"], "aggregate"),
        (["data", "show", "NY.GDP.MKTP.CD", "--years", "2030"], "impossible year 2030"),
        (["data", "show", "NY.GDP.MKTP.CD", "--years", "2012-2010"], "runs backwards"),
        (["data", "show", "NO.SUCH.CODE"], "holds no indicator NO.SUCH.CODE"),
        (["import", "/nonexistent/file.csv"], "no such file"),
    ],
)
def test_user_errors_are_one_line_exit_2(capsys, args, fragment):
    rc, out, err = run(capsys, *args)
    assert rc == 2
    assert fragment in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_every_command_help_has_an_example(capsys):
    from sco_observatory.cli import app
    import typer.main

    group = typer.main.get_command(app)
    missing = []

    def walk(cmd, path):
        sub = getattr(cmd, "commands", None)
        if sub:
            for name, child in sub.items():
                walk(child, path + [name])
        elif "Example:" not in (cmd.help or ""):
            missing.append(" ".join(path))

    walk(group, [])
    assert not missing, f"commands whose help lacks an Example: {missing}"


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "sco_observatory", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"sco-observatory {__version__}"
