"""Packaging: package data, declared dependencies, the lock file, the version, the index's description."""

import ast
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "sco_observatory"


def test_package_data_covers_every_data_file():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["sco_observatory"]
    covered = {p for pattern in patterns for p in PKG.glob(pattern)}
    data_files = {p for p in PKG.rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts}
    assert data_files - covered == set(), "add these to [tool.setuptools.package-data]"


# ------------------------------------------------------------------------------------ declared dependencies
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
IMPORT_TO_DIST = {"yaml": "pyyaml", "_plotly_utils": "plotly"}  # import names that differ from the distribution's
OPTIONAL_IMPORTS = {"pyspark": "spark"}  # imported only by the engine an extra enables


def _requirements(*extras: str) -> list[Requirement]:
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        reqs += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return [r for r in reqs if canonicalize_name(r.name) != "sco-observatory"]


def _third_party_imports() -> set[str]:
    found = set()
    for path in PKG.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "sco_observatory"}


def test_every_imported_package_is_declared():
    declared = {canonicalize_name(r.name) for r in _requirements()}
    imports = _third_party_imports()
    assert {"duckdb", "polars", "numpy", "pyarrow"} <= imports  # the scan saw the package
    missing = set()
    for name in imports:
        dist = canonicalize_name(IMPORT_TO_DIST.get(name, name))
        if name in OPTIONAL_IMPORTS:
            extra = {canonicalize_name(Requirement(r).name) for r in PROJECT["optional-dependencies"][OPTIONAL_IMPORTS[name]]}
            assert dist in extra, f"{name} is imported by an optional engine but not in the [{OPTIONAL_IMPORTS[name]}] extra"
        elif dist not in declared:
            missing.add(name)
    assert not missing, f"imported but not in [project.dependencies]: {sorted(missing)}"


# ------------------------------------------------------------------------------------ the lock file
LOCK = ROOT / "requirements.lock"


def _locked() -> dict[str, tuple[Version, list[str]]]:
    """name -> (pinned version, its hashes) from requirements.lock (pip's hash-checking format)."""
    text = LOCK.read_text().replace("\\\n", " ")
    pins = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.match(r"^([A-Za-z0-9_.\-\[\],]+)==([^\s;]+)(?:\s*;[^-]*)?((?:\s+--hash=sha256:[0-9a-f]{64})*)\s*$", line)
        assert m, f"requirements.lock: not a hashed pin: {line[:120]}"
        name = canonicalize_name(m.group(1).split("[")[0])
        pins[name] = (Version(m.group(2)), re.findall(r"sha256:([0-9a-f]{64})", m.group(3)))
    return pins


def test_the_lock_pins_every_declared_requirement_within_its_bounds_with_hashes():
    pins = _locked()
    assert len(pins) > 40  # the whole tree, not only the direct dependencies
    for name, (_, hashes) in pins.items():
        assert hashes, f"{name} has no --hash in requirements.lock"
    for req in _requirements("test", "docs"):
        if req.marker is not None and not req.marker.evaluate({"python_version": "3.11"}):
            continue
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared but not locked: re-lock (docs/packaging.md)"
        assert req.specifier.contains(pins[name][0], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name][0]}, outside {req.specifier}: re-lock (docs/packaging.md)")


def test_ci_installs_from_the_lock_then_runs_the_readme_command():
    run = (ROOT / ".ci" / "run").read_text()
    lock_step = run.index("--require-hashes -r requirements.lock")
    assert lock_step < run.index("pip install -e '.[test]' && pytest")
    assert "apt-get install -y -qq chromium" in run and "openjdk-17-jre-headless" in run
    latest = (ROOT / ".ci" / "run-latest").read_text()
    assert "requirements.lock" not in latest.replace("(not the lock)", "") and "--upgrade-strategy eager" in latest


# ------------------------------------------------------------------------------------ version and metadata
def test_the_version_comes_from_the_build_and_the_fallback_is_one_string():
    from importlib import metadata

    import sco_observatory as sco
    from sco_observatory import version

    assert PYPROJECT["tool"]["setuptools_scm"]["fallback_version"] == version.FALLBACK_VERSION
    assert "version" in PROJECT["dynamic"] and "version" not in PROJECT
    assert sco.__version__ == metadata.version("sco-observatory")
    Version(sco.__version__)  # PEP 440, or this raises


def test_classifiers_follow_requires_python_and_the_urls_are_complete():
    low = Version(PROJECT["requires-python"].lstrip(">="))
    listed = [Version(c.rsplit("::", 1)[1].strip()) for c in PROJECT["classifiers"]
              if re.match(r"Programming Language :: Python :: 3\.\d+$", c)]
    assert listed and min(listed) == low
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])  # the licence is the SPDX expression
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= set(PROJECT["urls"])


def test_the_package_index_description_is_self_contained():
    """PyPI renders docs/pypi.md alone: no checkout-only command, no relative link, the README's session."""
    page = (ROOT / PROJECT["readme"]["file"]).read_text(encoding="utf-8")
    assert "pip install -e" not in page and "pip install sco-observatory" in page
    links = re.findall(r"\]\(([^)]+)\)", page)
    assert links and all(link.startswith("https://") for link in links), links
    block = re.compile(r"```python\n(.*?)```", re.S)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert block.search(page).group(1) == block.search(readme).group(1)  # the session tests/test_readme.py runs


# ------------------------------------------------------------------------------------ citation
CFF_KEYS = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
            "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
            "repository-artifact", "repository-code", "title", "type", "url", "version"}
"""The top-level keys the Citation File Format 1.2.0 schema allows (additionalProperties: false)."""


def _cff_person_or_entity(author: dict) -> bool:
    """CFF 1.2.0: a person has family-names and/or given-names, an entity has a name."""
    return bool(author.get("name") or author.get("family-names") or author.get("given-names"))


def test_citation_cff_has_the_fields_the_format_requires_and_agrees_with_pyproject():
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert set(cff) <= CFF_KEYS, f"not CFF 1.2.0 keys: {sorted(set(cff) - CFF_KEYS)}"
    assert cff["cff-version"] == "1.2.0" and cff["type"] in {"software", "dataset"}
    assert cff["message"].strip() and cff["title"].strip() and cff["authors"]
    assert all(_cff_person_or_entity(a) for a in cff["authors"])
    assert cff["license"] == PROJECT["license"]  # one SPDX expression in both
    assert cff["repository-code"] == PROJECT["urls"]["Source"]
    assert "version" not in cff  # the version is the git tag, never written twice (docs/packaging.md)
    for ref in cff.get("references", []):
        assert ref["type"] and ref["title"] and ref["authors"], ref
        assert all(_cff_person_or_entity(a) for a in ref["authors"]) and isinstance(ref.get("year", 0), int)
