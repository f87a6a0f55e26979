"""sco-observatory: a sourced, reproducible toolkit on the SCO and Central Asia.

The library is the product; the `sco` command line and the web dashboard are thin layers over it.
"""

__version__ = "0.1.0"
