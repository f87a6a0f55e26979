"""Answers that depend only on the store's content, kept once per pinned store commit.

Why: every metric call used to re-scan the trade table to choose its dataset (and to probe which flow
sides and World rows it holds), and `choose_source` ran one indicator query per call — 75 per report.
Both answers are a function of the store's content alone, and a file store's content is fixed by the
commit it has pinned (`LakeStore.snapshot`, a new object on every `pin`). So the cache is keyed by the
identity of that snapshot object: a new commit (import, refresh, reopened store) is a new object and
starts an empty cache; cursors of one store share its snapshot and so its cache; entries go when the
snapshot object is garbage collected.

Not cached (`for_store` returns None, callers compute every time):

- stores without a pinned snapshot — the in-memory store of tests and benchmarks, whose tables are
  written with plain SQL and have no commit to key on;
- a file store inside an open write transaction (`_pending`), whose views change before the commit.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable

_entries: dict[int, tuple[weakref.ref, dict]] = {}


def for_store(store) -> dict | None:
    """The cache dict of the store's pinned commit, or None where the content has no commit to key on."""
    snap = getattr(store, "snapshot", None)
    if snap is None or getattr(store, "_pending", None) is not None:
        return None
    key = id(snap)
    hit = _entries.get(key)
    if hit is not None and hit[0]() is snap:
        return hit[1]
    box: dict = {}

    def forget(_ref: weakref.ref, k: int = key) -> None:
        _entries.pop(k, None)

    _entries[key] = (weakref.ref(snap, forget), box)
    return box


def cached(store, key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()` once per (store commit, key); every call where the store is not cacheable."""
    box = for_store(store)
    if box is None:
        return compute()
    if key not in box:
        box[key] = compute()
    return box[key]


def per_commit(name: str) -> Callable[[Callable], Callable]:
    """Decorate `f(store, *args, **kwargs)`, a pure function of the store's content and its (hashable)
    arguments, so it is computed once per (store commit, arguments) — `cached` with the arguments as key.

    Why: the dataset choice, the flow-side probes and the valuation labels are filters over the
    cached trade summary, but every metric call ran them again — a dozen small polars queries per
    call, the fixed cost that dominates a small measure (the group measures: 9 countries). Arguments
    that cannot be hashed (a list of years) are computed every time.
    """
    def wrap(f: Callable) -> Callable:
        def inner(store, *args, **kwargs):
            key = (name, args, tuple(sorted(kwargs.items())))
            try:
                hash(key)
            except TypeError:
                return f(store, *args, **kwargs)
            return cached(store, key, lambda: f(store, *args, **kwargs))

        inner.__wrapped__ = f  # type: ignore[attr-defined]
        inner.__doc__, inner.__name__ = f.__doc__, f.__name__
        return inner

    return wrap
