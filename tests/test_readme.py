"""The README's examples run as written (those that need no network and no server)."""

import re
import shlex
from pathlib import Path

import pytest

from sco_observatory.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SKIP = ("sco serve", "sco fetch", "sco import")


def _examples() -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = " ".join(shlex.split(line, comments=True))
            if line.startswith("sco ") and not line.startswith(SKIP):
                lines.append(line)
    return lines


def test_readme_opens_with_the_two_commands():
    first = re.search(r"```sh\n(.*?)```", README, flags=re.S).group(1).strip().splitlines()
    assert first == ["pip install -e . && sco report -o sco-report.html", "pip install -e '.[test]' && pytest"]


@pytest.fixture(scope="module")
def data_home(tmp_path_factory, shared_data):
    """A store holding the files the README's data examples need."""
    from sco_observatory.ingest import import_file
    from sco_observatory.store import open_store

    home = tmp_path_factory.mktemp("readme")
    with open_store(home / "observatory.duckdb") as store:
        for f in ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv", "wdi/ny.gdp.pcap.cd.csv"]:
            import_file(store, shared_data / f)
    return home


@pytest.mark.parametrize("line", _examples())
def test_readme_example_runs(line, data_home, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SCO_OBSERVATORY_HOME", str(data_home))
    monkeypatch.chdir(tmp_path)  # `sco report -o sco-report.html` writes here
    rc = main(shlex.split(line)[1:])
    out, err = capsys.readouterr()
    assert rc == 0, err
    if " -o " in f" {line} ":
        assert (tmp_path / shlex.split(line)[shlex.split(line).index("-o") + 1]).stat().st_size > 10_000
    else:
        assert len(out.strip().splitlines()) >= 2, f"{line!r} printed no answer"  # a header and a row at least


def test_readme_python_session_runs(data_home, monkeypatch):
    """The README's five-line Python session runs as written, and each line gives a non-empty answer."""
    import polars as pl

    block = re.search(r"```python\n(.*?)```", README, flags=re.S).group(1)
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 5 and lines[0] == "import sco_observatory as sco"
    monkeypatch.setenv("SCO_OBSERVATORY_HOME", str(data_home))
    namespace: dict = {}
    results = []
    for line in lines:
        code = line.split("  #")[0].strip()
        if "=" in code.split("(")[0] or code.startswith("import"):
            exec(code, namespace)
        else:
            results.append(eval(code, namespace))
    namespace["obs"].close()
    assert [type(r).__name__ for r in results] == ["DataFrame", "DataFrame", "DataFrame"]
    assert isinstance(results[0], pl.DataFrame) and "IND" in results[0]["iso3"].to_list()
    assert results[1].height > 0 and set(results[1]["year"]) <= set(range(2010, 2021))
    assert len(results[2]) == 1 and "beta" in results[2].columns
