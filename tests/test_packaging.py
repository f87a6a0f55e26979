"""Every data file the package reads at run time is covered by pyproject's package-data patterns."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "sco_observatory"


def test_package_data_covers_every_data_file():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["sco_observatory"]
    covered = {p for pattern in patterns for p in PKG.glob(pattern)}
    data_files = {p for p in PKG.rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts}
    assert data_files - covered == set(), "add these to [tool.setuptools.package-data]"
