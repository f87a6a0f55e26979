"""sco-observatory: a sourced, reproducible toolkit on the SCO and Central Asia.

The library is the product; the `sco` command line and the web dashboard are thin layers over it.
In a notebook::

    import sco_observatory as sco
    obs = sco.open()
    obs.siei("trade", "CA5+RUS", years="2010-2020")
"""

from sco_observatory.api import Convergence, Observatory, Scenarios, open
from sco_observatory.version import __version__

__all__ = ["Convergence", "Observatory", "Scenarios", "__version__", "open"]
