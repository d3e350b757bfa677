"""``python -m bench.survey_load``: run the survey load benchmark (see the package docstring)."""

import sys

from bench.survey_load.cli import main

sys.exit(main())
