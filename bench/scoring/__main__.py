"""``python -m bench.scoring``: run the score-run benchmark (see the package docstring)."""

import sys

from bench.scoring.cli import main

sys.exit(main())
