"""Verifying a stored run against the database: its inputs counted again (spec §6 audit; partitioned history)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from scoring import DEFAULT_PARAMETERS, parse_period

from ...models import ScoreRun
from ..partitions import history_kept_since
from ..sufficient_statistics import employee_and_unit_service_times, period_window, response_status_counts

#: The inputs :func:`verify_score_run` counts again, as ``input_counts`` of a run names them.
VERIFIED_INPUTS = ("responses_by_status", "tickets", "tickets_finished")


@dataclass(frozen=True)
class RunVerification:
    """What became of a run's inputs since it was computed."""

    status: str  # inputs_unchanged | inputs_changed | inputs_past_retention
    kept_since: datetime  # the oldest instant the retention period still keeps
    differences: Mapping[str, tuple[object, object]]  # input -> (count stored with the run, count now)


def verify_score_run(run: ScoreRun, retention_years: int) -> RunVerification:
    """Count a run's answers and tickets again and compare them with the counts the run stored (spec §6 audit).

    A run whose period starts before the retention boundary cannot be checked: those answers and tickets have been
    dropped (``flask db retention``), while the run, its indicators and their explanations are kept as computed.
    """
    unit = run.unit
    period = parse_period(run.period_id)
    kept_since = history_kept_since(retention_years)
    if period_window(unit, period).start < kept_since:
        return RunVerification("inputs_past_retention", kept_since, {})
    _employees, unit_service = employee_and_unit_service_times(
        unit, period, run.parameters.get("on_time_rule", DEFAULT_PARAMETERS.on_time_rule)
    )
    counted = {
        "responses_by_status": dict(sorted(response_status_counts(unit, period).items())),
        "tickets": 0 if unit_service is None else unit_service.tickets_issued,
        "tickets_finished": 0 if unit_service is None else unit_service.tickets_finished,
    }
    differences = {
        name: (run.input_counts.get(name), counted[name])
        for name in VERIFIED_INPUTS
        if run.input_counts.get(name) != counted[name]
    }
    return RunVerification("inputs_changed" if differences else "inputs_unchanged", kept_since, differences)
