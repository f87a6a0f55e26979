"""The documentation site builds without a warning, and the docstrings it is generated from say enough.

`mkdocs build --strict` (mkdocs.yml: the pages of docs/ plus an API reference that mkdocstrings
generates from the docstrings) fails on any warning: a page left out of the nav, a broken link, a
docstring mkdocstrings cannot read. Every public method of the observatory must state its rule or
formula, its reference and an example; the examples are doctests, run here and in tests/test_api.py.
"""

from __future__ import annotations

import doctest
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lifecycle members: they open and close, and compute nothing that has a formula or a reference.
LIFECYCLE = {"close", "store", "store_path"}
REFERENCE = re.compile(r"METHODS §|docs/[a-z-]+\.md|:(?:func|meth|mod):|\b(?:19|20)\d\d\b|Treaty|ledger")
RULE = re.compile(r"Rule:|Formula|[^=<>!]=[^=]|≥|≤|Σ|formula")


def _public_methods():
    from sco_observatory.api import Observatory

    for name, member in inspect.getmembers(Observatory):
        if name.startswith("_") or name in LIFECYCLE:
            continue
        yield name, member


@pytest.mark.slow
def test_the_site_builds_strictly_into_a_temporary_folder(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # mkdocs-material's banner about its successor, not a build warning
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
                           "--site-dir", str(site)], capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "WARNING" not in done.stderr, done.stderr[-4000:]
    reference = (site / "reference" / "observatory" / "index.html").read_text(encoding="utf-8")
    for name, _ in _public_methods():
        assert f"sco_observatory.api.Observatory.{name}" in reference, f"{name} missing from the API reference"
    assert "966" in reference  # the ratio example, rendered as code
    for page in ("methods", "notebook", "architecture", "kb"):
        assert (site / page / "index.html").is_file(), page
    metrics = (site / "reference" / "metrics" / "index.html").read_text(encoding="utf-8")
    assert "concentration_by_year" in metrics and "Ray" in metrics


def test_every_page_of_docs_is_in_the_site_nav():
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())

    def pages(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, list):
            for item in node:
                yield from pages(item)
        elif isinstance(node, dict):
            for value in node.values():
                yield from pages(value)

    listed = set(pages(config["nav"]))
    excluded = set(config["exclude_docs"].split())
    on_disk = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert on_disk - excluded == listed - excluded, "add the page to mkdocs.yml's nav (or exclude_docs)"
    assert listed <= on_disk, "the nav names a page that does not exist"


@pytest.mark.parametrize("name", [n for n, _ in _public_methods()])
def test_every_public_method_states_its_rule_reference_and_example(name):
    from sco_observatory.api import Observatory

    doc = inspect.getdoc(getattr(Observatory, name)) or ""
    prose = "\n".join(line for line in doc.splitlines() if not line.lstrip().startswith((">>>", "...")))
    assert ">>>" in doc, f"Observatory.{name}: no example (doctest)"
    assert REFERENCE.search(prose), f"Observatory.{name}: no reference (METHODS §n, docs/…, a source and year)"
    assert RULE.search(prose), f"Observatory.{name}: no formula or rule"


def test_the_reference_modules_examples_run(tmp_path, monkeypatch):
    """The doctests of the modules the reference pages document and the API tests do not run."""
    monkeypatch.setenv("SCO_OBSERVATORY_HOME", str(tmp_path))
    from sco_observatory import version
    from sco_observatory.metrics import power
    from sco_observatory.store import queries

    attempted = 0
    for module in (queries, power, version):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted >= 8
