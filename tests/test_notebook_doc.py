"""docs/notebook.md: its code blocks run, in order, in one namespace, each giving a non-empty answer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import sco_observatory as sco
from sco_observatory import config

PAGE = (Path(__file__).resolve().parents[1] / "docs" / "notebook.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE, flags=re.S)
FILES = ["trade_imf_dots/dots_focus_reporters_1990_2020.csv", "wdi/ny.gdp.mktp.cd.csv", "wdi/ny.gdp.pcap.cd.csv"]


@pytest.fixture(scope="module")
def notebook_home(tmp_path_factory, shared_data):
    home = tmp_path_factory.mktemp("notebook")
    with sco.open(home) as obs:
        obs.import_file([shared_data / f for f in FILES])
    return home


def _run(block: str, namespace: dict):
    """Run a block like a notebook cell: statements, then the value of the last expression."""
    tree = ast.parse(block)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = tree.body[:-1] if last is not None else tree.body
    exec(compile(ast.Module(body=body, type_ignores=[]), "<notebook>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), "<notebook>", "eval"), namespace) if last is not None else None


def test_the_page_answers_ten_questions():
    assert len(re.findall(r"^## \d+\. ", PAGE, flags=re.M)) == 10
    assert len(BLOCKS) == 12


def test_every_block_runs(notebook_home, monkeypatch):
    import polars as pl

    monkeypatch.setenv(config.HOME_ENV, str(notebook_home))
    namespace: dict = {}
    answers = [_run(block, namespace) for block in BLOCKS]
    assert isinstance(answers[0], sco.Observatory)
    for i, answer in enumerate(answers[1:-1], start=1):
        frames = answer if isinstance(answer, tuple) else (answer,)
        for frame in frames:
            height = frame.height if isinstance(frame, pl.DataFrame) else len(frame)
            assert height > 0, f"question {i} gave an empty answer"
    assert namespace["members"]["iso3"].to_list() == ["CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB"]
    assert round(namespace["ratio"]["value"][0]) == 966
    assert "not yet opened" in repr(namespace["obs"])  # the last block closed it
