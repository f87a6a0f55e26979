"""The wheel built from the checkout installs in a fresh venv and answers the README's first question.

Why: the editable install the other tests use reads the source tree, so a data file missing from
package-data, a module left out, or a version that cannot be computed shows up only in a built wheel.
The wheel is built without build isolation (setuptools and setuptools-scm come from the test extra),
so the test needs no network.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from sco_observatory.version import FALLBACK_VERSION

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ("import sco_observatory as sco; print(sco.__file__); print(sco.__version__); "
           "print(sco.open().siei('trade', 'CA5+RUS', years='2010-2020').shape)")

pytestmark = pytest.mark.slow


def _build_wheel(source: Path, out: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    wheels = list(out.glob("sco_observatory-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(zf.read(name))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return _build_wheel(ROOT, tmp_path_factory.mktemp("wheel"))


def test_the_wheel_carries_the_package_data_and_honest_metadata(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for needed in ("sco_observatory/py.typed", "sco_observatory/data/snapshot/manifest.json",
                   "sco_observatory/report/templates/report.html.j2", "sco_observatory/_version.py"):
        assert needed in names, needed
    assert any(n.startswith("sco_observatory/data/snapshot/") and n.endswith(".parquet") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    meta = _metadata(wheel)
    assert meta["Name"] == "sco-observatory" and meta["Version"] != FALLBACK_VERSION  # the checkout has git
    assert meta["License-Expression"] == "MIT"
    requires = " ".join(meta.get_all("Requires-Dist"))
    for dep in ("duckdb", "polars", "numpy", "pyarrow", "deltalake", "sqlglot"):
        assert dep in requires, dep
    body = meta.get_payload()
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "pip install sco-observatory" in body and "pip install -e" not in body


def test_the_wheel_installs_in_a_fresh_venv_and_answers(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)  # deps from the system's site
    python = env_dir / "bin" / "python"
    # pip of this interpreter installs into the new venv's site-packages; no dependency is fetched
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", target, str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["SCO_OBSERVATORY_HOME"] = str(home)
    run = subprocess.run([str(python), "-c", PROGRAM], capture_output=True, text=True, cwd=tmp_path, env=env,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    where, version, shape = run.stdout.strip().splitlines()[-3:]
    assert where.startswith(str(env_dir)), f"imported {where}, not the wheel's copy"
    assert version == _metadata(wheel)["Version"]
    rows, cols = (int(x) for x in shape.strip("()").split(","))
    assert rows > 0 and cols >= 5, shape
    assert (home / "store").is_dir()


def test_a_tree_without_git_metadata_builds_with_the_fallback_version(tmp_path):
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "_version.py", "*.pyc")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
    for name in ("pyproject.toml", "LICENSE", "docs/pypi.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    wheel = _build_wheel(source, tmp_path / "out")
    assert _metadata(wheel)["Version"] == FALLBACK_VERSION
    with zipfile.ZipFile(wheel) as zf:
        assert FALLBACK_VERSION in zf.read("sco_observatory/_version.py").decode()
