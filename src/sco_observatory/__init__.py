"""sco-observatory: a sourced, reproducible toolkit on the SCO and Central Asia.

The library is the product; the `sco` command line and the web dashboard are thin layers over it.
In a notebook::

    import sco_observatory as sco
    obs = sco.open()
    obs.siei("trade", "CA5+RUS", years="2010-2020")
"""

from sco_observatory.version import __version__


def __getattr__(name: str) -> object:
    """The notebook API (`sco_observatory.api`), imported on first use: `sco --version` and the ledger
    commands never load it, nor the polars it returns frames in."""
    if name in ("Convergence", "Observatory", "Scenarios", "open"):
        from sco_observatory import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Convergence", "Observatory", "Scenarios", "__version__", "open"]
