"""Where the store lives: platformdirs' user data directory, overridable by env var or `--home`."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

HOME_ENV = "SCO_OBSERVATORY_HOME"
STORE_FILE = "observatory.duckdb"

_home_override: Path | None = None


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
    return home_dir() / STORE_FILE
