"""Helpers for tests that break a copy of the knowledge-base ledger on purpose."""

from __future__ import annotations

from pathlib import Path


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a ledger file; fail loudly if the file no longer holds it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
