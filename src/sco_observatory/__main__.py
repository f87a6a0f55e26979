"""`python -m sco_observatory` runs the `sco` command line."""

import sys

from sco_observatory.cli import main

sys.exit(main())
