"""The report's built sections kept per (store commit, report options, code): a repeated `sco report` renders them.

Why: every section is a pure function of the store's pinned content, the ledger, the date, the group
expression and the language — and of this code and the libraries it calls. The dashboard answers a
repeated request from its per-commit cache (web/cache.py) for the same reason; a report on a store that
has not changed since the last report is the README's main job (`sco report -o sco-report.html` after
`sco data update`, in a cron job, in CI) and spent ~1.2 s of CPU rebuilding the same ~40 statements'
answers and ~1,600 polars collects. What is kept is what the template is given that does not vary by
run: the sections (id, title, HTML body, summary), the footnotes in citation order and the resolved
group. What varies by run — the generation time and the build's seconds — is rendered every time, so a
kept report and a rebuilt one are the same page (benchmarks/compare_reports.py, which masks those two).

The key (sha256) covers everything the sections read or are computed with:

- the store: its location, the pinned commit id, each table's Delta version, every source row
  (id, file checksum, retrieval date, rows ...) and the schema version — a commit id alone is not
  unique across a home removed and made again at the same path, its sources and versions are;
- the options: the `as_of` day (the default is today, so a report of yesterday is not reused),
  the group expression and the language;
- the code: sco-observatory's version and every file of the installed package (path, size, mtime:
  the modules, the ledger's and the report's data, the templates), the Python version, and each
  library the sections' numbers or HTML come from (its `__init__.py`'s path, size and mtime, found
  without importing it — the same test kb/cache.py applies to the ledger cache).

Not kept: a store without a pinned commit (the in-memory store of tests and benchmarks) or one inside a
write transaction — the stores `metrics.cache` does not cache either. With `SCO_CACHE_DIR=""` nothing is kept.
The KEEP most recently written entries stay; a cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1
KEEP = 8
_PACKAGE = Path(__file__).resolve().parents[1]
_LIBRARIES = ("polars", "duckdb", "deltalake", "pyarrow", "sqlglot", "jinja2", "plotly", "pydantic", "numpy")


def _package_files() -> list[str]:
    """path:size:mtime of every file of the package (bytecode caches excluded)."""
    out = []
    for root, dirs, files in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            out.append(f"{os.path.relpath(path, _PACKAGE)}:{st.st_size}:{st.st_mtime_ns}")
    return out


def _library_files() -> list[str]:
    from importlib.util import find_spec

    out = []
    for name in _LIBRARIES:
        try:
            spec = find_spec(name)
            origin = spec.origin if spec is not None else None
            st = os.stat(origin) if origin else None
        except (OSError, ImportError, ValueError):
            st, origin = None, None
        out.append(f"{name}={origin}:{st.st_size}:{st.st_mtime_ns}" if st else f"{name}=absent")
    return out


def report_key(store, day, expr: str, lang: str | None) -> str | None:
    """The sha256 of what the report's sections depend on (module docstring), or None when not cacheable."""
    snap = getattr(store, "snapshot", None)
    root = getattr(store, "root", None)
    if snap is None or root is None or getattr(store, "_pending", None) is not None:
        return None
    from sco_observatory.version import __version__

    digest = hashlib.sha256()
    parts = [f"format={FORMAT}", f"sco-observatory={__version__}", f"python={sys.version}",
             f"store={Path(root).resolve()}", f"commit={snap.commit_id}", f"versions={sorted(snap.versions.items())!r}",
             f"sources={snap.sources!r}", f"schema={snap.schema_version}",
             f"as_of={day.isoformat()}", f"group={expr}", f"lang={lang}", *_library_files(), *_package_files()]
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _path(key: str) -> Path | None:
    from sco_observatory.kb.cache import cache_dir

    folder = cache_dir()
    return None if folder is None else folder / f"report-{key[:32]}.pickle"


def load(key: str | None) -> dict[str, Any] | None:
    """The kept payload (sections, notes, group) for `key`, or None."""
    path = _path(key) if key else None
    if path is None:
        return None
    try:
        payload = pickle.loads(path.read_bytes())
    except Exception:  # a missing, truncated or foreign file is a miss, whatever went wrong in it
        return None
    if not isinstance(payload, dict) or payload.get("key") != key:
        return None
    return payload


def save(key: str | None, payload: dict[str, Any]) -> bool:
    """Keep `payload` under `key` (atomic write; older entries beyond KEEP removed). False if it cannot."""
    path = _path(key) if key else None
    if path is None:
        return False
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({**payload, "key": key}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        kept = sorted(path.parent.glob("report-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in kept[KEEP:]:
            if old != path:
                old.unlink(missing_ok=True)
        return True
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return False
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
