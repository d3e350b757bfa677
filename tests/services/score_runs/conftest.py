"""The ``office`` fixture of the score-run tests."""

from __future__ import annotations

import pytest

from tests.services.score_runs.office import Office


@pytest.fixture
def office(build, clock) -> Office:
    return Office(build)
