"""Hypothesis settings for the scoring tests: no deadline, more examples in CI.

The suite-wide ``tests/conftest.py`` normally loads such a profile already; this file only steps in when the
active profile still has a deadline (e.g. when the scoring tests are run on their own), so it never overrides
the suite's choices.
"""

from __future__ import annotations

import os

from hypothesis import settings

if settings.default.deadline is not None:
    settings.register_profile("ci", deadline=None, print_blob=True)
    settings.register_profile("dev", deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")
