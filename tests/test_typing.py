"""The public API type-checks: mypy over the entry point (config in pyproject's [tool.mypy]), and py.typed ships."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import sco_observatory as sco

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_passes_on_the_public_api():
    pytest.importorskip("mypy", reason="mypy is in the test extra")
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout


def test_py_typed_is_shipped():
    assert (Path(sco.__file__).parent / "py.typed").is_file()
    assert '"py.typed"' in (REPO / "pyproject.toml").read_text(encoding="utf-8")


def test_every_public_parameter_is_annotated():
    for name, method in inspect.getmembers(sco.Observatory, inspect.isfunction):
        if name.startswith("_") and name != "__init__":
            continue
        sig = inspect.signature(method)
        for p in list(sig.parameters.values())[1:]:
            assert p.annotation is not inspect.Parameter.empty, f"{name}({p.name}) has no annotation"
        assert sig.return_annotation is not inspect.Signature.empty, f"{name} has no return annotation"


def test_every_public_method_has_an_example():
    for name, method in inspect.getmembers(sco.Observatory, inspect.isfunction):
        if name.startswith("_") or name in ("fetch", "close"):  # fetch needs the network (its fetchers are tested offline)
            continue
        assert ">>> " in (method.__doc__ or ""), f"Observatory.{name} has no example"
