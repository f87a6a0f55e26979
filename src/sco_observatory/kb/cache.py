"""The validated ledger kept in a compact cached form, so a `sco` process does not re-read the YAML.

Why: every `sco` process used to parse the ledger's YAML files in pure Python and validate each
entry with pydantic before answering (about a second of the ~2.4 s a `sco members` paid before any
work, benchmarks/README.md "Start-up"), and naming the members loaded country_converter (pandas)
and babel. The validated :class:`~sco_observatory.kb.model.Ledger` and the English names of the
codes it uses are a pure function of the ledger files and of the code and libraries that read them,
so they are built once and unpickled afterwards (with the table of known ISO 3166 codes, which
otherwise loads pycountry's database in every process that checks a code).

The cache file is ``<cache dir>/ledger-<key>.pickle`` where the key is the sha256 of: this package's
version, the Python version, where pydantic, pycountry, country_converter and babel are installed
and the size and modification time of their ``__init__.py`` (an upgrade rewrites it; reading their
versions from package metadata cost ~150 ms, more than the cache saves on a small command), the
source of the modules that build the cached objects (kb/model.py, countries.py, this file), and the
name and bytes of every ledger file (``model.FILES``) and of the resolver's tables (the package's
``data/*.csv`` that countries.py reads). Any change to one of them gives another key, so a stale
cache is never read; when one is written, files beyond the KEEP most recent are removed (not all
others: installs of other versions sharing the directory keep theirs). The file is written
atomically (a temporary file in the same directory, then ``os.replace``); a file that cannot be
read, is truncated, or holds another key is ignored and rebuilt; a cache directory that cannot be
written leaves the ledger loaded the old way (nothing fails because of the cache).

Cache directory: ``$SCO_CACHE_DIR`` if set, else the platform's user cache directory
(platformdirs, e.g. ``~/.cache/sco-observatory``). Setting ``SCO_CACHE_DIR`` to an empty string
turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

CACHE_ENV = "SCO_CACHE_DIR"
FORMAT = 3  # bumped when the pickled payload's layout changes
KEEP = 4  # ledger caches kept in the cache dir (other versions' included), the most recent first
_LIBRARIES = ("pydantic", "pycountry", "country_converter", "babel")
_PACKAGE = Path(__file__).resolve().parents[1]
_CODE = (_PACKAGE / "kb" / "model.py", _PACKAGE / "countries.py", Path(__file__).resolve())
_RESOLVER_TABLES = ("aggregates.csv", "country_aliases.csv", "historical_entities.csv")


def cache_dir() -> Path | None:
    """Where the ledger cache lives ($SCO_CACHE_DIR, else the user cache dir); None when turned off."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("sco-observatory", appauthor=False))


def _library_versions() -> list[str]:
    """Each library's installed `__init__.py`: path, size and mtime (found without importing it)."""
    from importlib.util import find_spec

    out = []
    for name in _LIBRARIES:
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            stat = os.stat(origin) if origin else None
        except OSError:
            stat = None
        out.append(f"{name}={origin}:{stat.st_size}:{stat.st_mtime_ns}" if stat else f"{name}=absent")
    return out


def ledger_key(directory: Path, files: tuple[str, ...]) -> str:
    """sha256 over everything the cached ledger and names depend on (see the module docstring)."""
    from sco_observatory.version import __version__

    digest = hashlib.sha256()
    for part in [f"format={FORMAT}", f"sco-observatory={__version__}", f"python={sys.version}",
                 f"directory={directory}", *_library_versions()]:
        digest.update(part.encode("utf-8") + b"\0")
    sources = [*((p.name, p) for p in _CODE), *((name, directory / name) for name in files),
               *((name, _PACKAGE / "data" / name) for name in _RESOLVER_TABLES)]
    for name, path in sources:
        digest.update(name.encode("utf-8") + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<missing>")  # the loader reports a missing ledger file itself
        digest.update(b"\0")
    return digest.hexdigest()


def _read(path: Path, key: str) -> dict[str, Any] | None:
    """The cached payload if the file holds this key, else None (unreadable, truncated, foreign)."""
    try:
        payload = pickle.loads(path.read_bytes())
    except Exception:  # any unreadable cache is rebuilt, whatever went wrong in it
        return None
    if not isinstance(payload, dict) or payload.get("key") != key or "ledger" not in payload:
        return None
    return payload


def _write(folder: Path, path: Path, payload: dict[str, Any]) -> bool:
    """Write atomically; remove older ledger caches. False (and nothing left behind) if it cannot."""
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ledger-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        _prune(folder, path)
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _prune(folder: Path, keep: Path) -> None:
    """Remove ledger caches beyond the KEEP most recently written (`keep`, just written, stays).

    Not all but this one: two installs of different versions sharing the user cache dir (two
    virtualenvs, a checkout beside a wheel) would otherwise delete each other's cache on every run and
    each pay the cold build (~2 s) every time."""
    def mtime(p: Path) -> int:
        try:
            return p.stat().st_mtime_ns
        except OSError:
            return 0

    others = sorted((p for p in folder.glob("ledger-*.pickle") if p != keep), key=mtime, reverse=True)
    for old in others[KEEP - 1:]:
        old.unlink(missing_ok=True)


def cached_ledger(directory: Path, files: tuple[str, ...], build: Callable[[Path], Any],
                  tables: Callable[[Any], dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
    """(ledger, tables) from the cache, or built with `build(directory)` and cached.

    `tables(ledger)` gives what to cache beside it (names, codes); it is called only when the cache
    is written (it loads the country resolver, which is what the cache spares later processes).
    With the cache off, the tables are {} (the callers compute what they need as before).
    """
    folder = cache_dir()
    if folder is None:
        return build(directory), {}
    key = ledger_key(directory, files)
    path = folder / f"ledger-{key[:32]}.pickle"
    payload = _read(path, key)
    if payload is not None:
        return payload["ledger"], payload.get("tables", {})
    ledger = build(directory)
    extra = tables(ledger)
    _write(folder, path, {"key": key, "ledger": ledger, "tables": extra})
    return ledger, extra
