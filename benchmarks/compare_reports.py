"""Are two `sco report` files the same report? Every number, table and chart, apart from the volatile parts.

Usage: python benchmarks/compare_reports.py A.html B.html

Why: a speed change to the report must leave its content exactly as it was. The parts that differ
between two builds of the same code are removed before comparing: the "Generated in N s" timing and
the UTC generation time. Build both with the same `PYTHONHASHSEED` (e.g. 0): the status timeline's
trace order follows a set's iteration order, which differs between two processes of the same code.
Exit 0 and "identical" when equal; else the first differing lines and exit 1.
"""

from __future__ import annotations

import difflib
import re
import sys

VOLATILE = (
    (re.compile(r"Generated in [0-9.]+ s\."), "Generated in N s."),
    (re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\b"), "YYYY-MM-DD HH:MM UTC"),
)


def normalised(path: str) -> list[str]:
    """The report's text split at every tag end, the volatile parts replaced by placeholders."""
    text = open(path, encoding="utf-8").read()
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return [line + ">" for line in text.split(">")]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: compare_reports.py A.html B.html", file=sys.stderr)
        return 2
    a, b = (normalised(p) for p in argv)
    if a == b:
        print(f"identical ({len(a):,} tag-delimited lines, volatile parts stripped)")
        return 0
    diff = list(difflib.unified_diff(a, b, argv[0], argv[1], n=0, lineterm=""))
    print("\n".join(line[:300] for line in diff[:40]))
    print(f"... {sum(1 for d in diff if d[:1] in '+-') - 2} differing lines")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
