"""The package's version, from its git tag (setuptools-scm), in one module that imports nothing of the package.

Why a module of its own: the report, the HTTP client's User-Agent and the CLI print the version; if
they imported it from the package's ``__init__`` (which imports the API, which imports them) the
package would import itself in a cycle.

Where the number comes from, first found wins:

1. ``_version.py``, written by setuptools-scm when a wheel, an sdist or an editable install is built:
   the nearest ``vX.Y.Z`` git tag, or ``X.Y.devN+gHASH`` between tags (untagged history gives
   ``0.0.1.devN+unknown.gHASH``);
2. the installed distribution's metadata (``importlib.metadata``);
3. :data:`FALLBACK_VERSION` — a source tree with neither git metadata nor an install (the same
   string ``[tool.setuptools_scm] fallback_version`` gives a build without git).
"""

from __future__ import annotations

FALLBACK_VERSION = "0.0.0+unknown"
"""The version of a tree built or run without git metadata (kept equal to pyproject's fallback_version)."""

DISTRIBUTION = "sco-observatory"


def _find() -> str:
    try:
        from sco_observatory._version import version  # type: ignore[import-not-found]

        return str(version)
    except ImportError:
        pass
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return FALLBACK_VERSION


__version__ = _find()
