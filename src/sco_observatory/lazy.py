"""`polars`, imported on first use: ``from sco_observatory.lazy import polars as pl``.

Why: a ledger command (`sco members SCO@2012`, `sco --version`) needs no frame library, and polars costs
about a third of such a process (~0.25 s of ~0.7 s CPU, benchmarks/README.md "Start-up"). The modules
on that path (the knowledge base's queries and names, the CLI's renderer) name polars at module level
for the functions that do build frames; this stand-in imports it when one of its attributes is first
read (``pl.DataFrame``, ``pl.col``...), so importing those modules costs nothing until a frame is made.
`tests/test_kb_cache.py` checks that a warm `sco members` process never loads polars.
"""

from __future__ import annotations

import importlib
from typing import Any


class _Deferred:
    """A module imported when an attribute is first asked of it (then every lookup goes to it)."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}{'' if self._module is None else ' (imported)'}>"


polars: Any = _Deferred("polars")
