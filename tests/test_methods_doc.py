"""Every "METHODS §x" cited in the code resolves to a section of docs/methods.md."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CITE = re.compile(r"METHODS §\s?(\d+[a-z]?(?:\.\d+)?)(?:\s?[–-]\s?(\d+(?:\.\d+)?))?")
HEADING = re.compile(r"^#{2,4}\s+(\d+[a-z]?(?:\.\d+)?)[.\s]", re.M)


def _sections() -> set[str]:
    return set(HEADING.findall((REPO / "docs" / "methods.md").read_text(encoding="utf-8")))


def test_methods_has_its_numbered_sections():
    found = _sections()
    assert {"1", "1.3", "1.4", "4", "4.2", "5.3", "6", "6.1", "6.2", "7a"} <= found


def test_every_citation_in_src_resolves():
    found = _sections()
    missing = []
    cited = 0
    for path in sorted((REPO / "src").rglob("*")):
        if path.suffix not in (".py", ".yaml", ".html", ".md", ".j2") or not path.is_file():
            continue
        for match in CITE.finditer(path.read_text(encoding="utf-8")):
            cited += 1
            for ref in filter(None, match.groups()):
                if ref not in found:
                    missing.append(f"{path.relative_to(REPO)}: METHODS §{ref}")
    assert cited > 50
    assert not missing, missing
