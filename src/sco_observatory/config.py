"""Where the store lives and how it is tuned: platformdirs' user data dir, env vars, `--home`.

Settings that reach DuckDB (`SCO_MEMORY_LIMIT`) are validated here against a size pattern and a
range, and handed to DuckDB as a connection config value — never pasted into SQL text.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from platformdirs import user_data_dir

HOME_ENV = "SCO_OBSERVATORY_HOME"
STORE_FILE = "observatory.duckdb"  # the single-file store of schema v2 and earlier (migrated on first open)
STORE_DIR = "store"  # the current store: catalog.sqlite + Delta tables under tables/
MEMORY_ENV = "SCO_MEMORY_LIMIT"
MEMORY_DEFAULT = "1GB"
WRITER_WAIT_ENV = "SCO_WRITER_WAIT"
WRITER_WAIT_DEFAULT = 60.0  # seconds a second writer waits for the lock before failing

_home_override: Path | None = None

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
MEMORY_MIN, MEMORY_MAX = 64 * 10**6, 4 * 10**12  # below 64 MB DuckDB cannot stage a BACI year


def set_home(path: str | os.PathLike | None) -> None:
    """Set the data directory for this process (the CLI's global `--home`)."""
    global _home_override
    _home_override = Path(path).expanduser() if path else None


def home_dir() -> Path:
    """The data directory: `--home`, else $SCO_OBSERVATORY_HOME, else the platform's user data dir."""
    if _home_override is not None:
        return _home_override
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("sco-observatory", appauthor=False))


def store_path() -> Path:
    """The store directory of the current home."""
    return home_dir() / STORE_DIR


def legacy_store_path() -> Path:
    """The single-file DuckDB store older releases kept in the home directory."""
    return home_dir() / STORE_FILE


def memory_limit() -> str:
    """$SCO_MEMORY_LIMIT (default 1GB), checked to be a size between 64 MB and 4 TB, as DuckDB spells it."""
    from sco_observatory.errors import StoreError

    text = os.environ.get(MEMORY_ENV, MEMORY_DEFAULT)
    match = _SIZE.match(text)
    if not match:
        raise StoreError(f"bad {MEMORY_ENV} {text!r}: not a size",
                         f"set {MEMORY_ENV} to a size such as 2GB or 800MB")
    number, unit = float(match.group(1)), match.group(2).upper()
    size = number * _UNITS[unit]
    if not MEMORY_MIN <= size <= MEMORY_MAX:
        raise StoreError(f"bad {MEMORY_ENV} {text!r}: outside 64MB-4TB",
                         f"set {MEMORY_ENV} to a size such as 2GB or 800MB")
    return f"{int(size // 10**6)}MB"


def writer_wait() -> float:
    """$SCO_WRITER_WAIT: seconds a writer waits for another writer to finish (default 60)."""
    from sco_observatory.errors import StoreError

    text = os.environ.get(WRITER_WAIT_ENV)
    if text is None:
        return WRITER_WAIT_DEFAULT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86400:
        raise StoreError(f"bad {WRITER_WAIT_ENV} {text!r}", f"set {WRITER_WAIT_ENV} to seconds between 0 and 86400")
    return value
