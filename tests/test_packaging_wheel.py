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


def _build_wheel(source: Path, out: Path, env: dict[str, str] | None = None) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=600, env=_env(env))
    assert done.returncode == 0, done.stderr[-3000:]
    wheels = list(out.glob("sco_observatory-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    """This process's environment without any version override of its own, plus `extra`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SETUPTOOLS_SCM_PRETEND_VERSION")}
    return {**base, **(extra or {})}


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(zf.read(name))


def _copy_tree(target: Path) -> Path:
    """What a build reads, copied without git metadata and without build leftovers (so a module deleted
    from src/ cannot survive in a stale build/ folder of the checkout)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "_version.py", "*.pyc")
    shutil.copytree(ROOT / "src", target / "src", ignore=ignore)
    for name in ("pyproject.toml", "LICENSE", "docs/pypi.md"):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return target


def _checkout_version() -> str:
    """The version setuptools-scm computes from the checkout's git metadata (nothing is written)."""
    done = subprocess.run([sys.executable, "-m", "setuptools_scm"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def checkout_version() -> str:
    version = _checkout_version()
    assert version != FALLBACK_VERSION  # the checkout (CI's fresh clone too) has git metadata
    return version


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, checkout_version) -> Path:
    """The wheel of the checkout: its files, and the version its git metadata gives."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = _copy_tree(tmp / "source")
    return _build_wheel(source, tmp / "out", {"SETUPTOOLS_SCM_PRETEND_VERSION": checkout_version})


def test_the_wheel_carries_the_package_data_and_honest_metadata(wheel, checkout_version):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for needed in ("sco_observatory/py.typed", "sco_observatory/data/snapshot/manifest.json",
                   "sco_observatory/report/templates/report.html.j2", "sco_observatory/_version.py"):
        assert needed in names, needed
    assert any(n.startswith("sco_observatory/data/snapshot/") and n.endswith(".parquet") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    meta = _metadata(wheel)
    assert meta["Name"] == "sco-observatory" and meta["Version"] == checkout_version
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
    wheel = _build_wheel(_copy_tree(tmp_path / "source"), tmp_path / "out", None)
    assert _metadata(wheel)["Version"] == FALLBACK_VERSION
    with zipfile.ZipFile(wheel) as zf:
        assert FALLBACK_VERSION in zf.read("sco_observatory/_version.py").decode()


def test_an_sdist_keeps_its_version_and_builds_a_wheel_without_git(tmp_path, checkout_version):
    source = _copy_tree(tmp_path / "source")
    build = ("import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))")
    done = subprocess.run([sys.executable, "-c", build, str(tmp_path / "sdist")], capture_output=True, text=True,
                          cwd=source, timeout=600, env=_env({"SETUPTOOLS_SCM_PRETEND_VERSION": checkout_version}))
    assert done.returncode == 0, done.stderr[-3000:]
    sdist = tmp_path / "sdist" / done.stdout.strip().splitlines()[-1]
    shutil.unpack_archive(sdist, tmp_path / "unpacked")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    assert (unpacked / "src" / "sco_observatory" / "data" / "snapshot" / "manifest.json").is_file()
    wheel = _build_wheel(unpacked, tmp_path / "out", None)  # from PKG-INFO: no git there
    assert _metadata(wheel)["Version"] == checkout_version
