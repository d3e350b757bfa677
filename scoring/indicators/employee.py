"""Every indicator of one employee (or unit) for one period in one bundle (spec §2.2–§2.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.indicators.complaints import ComplaintIndicators, complaint_indicators
from scoring.indicators.satisfaction import SatisfactionIndicator, ikm_indicator, ikp_indicator
from scoring.indicators.service_times import ServiceTimeIndicators, service_time_indicators
from scoring.inputs import ComplaintStats, SatisfactionStats, ServiceTimeStats
from scoring.parameters import DEFAULT_PARAMETERS, ScoringParameters

__all__ = [
    "EmployeeIndicators",
    "employee_indicators",
]


@dataclass(frozen=True, slots=True)
class EmployeeIndicators:
    """All indicators of one employee (or unit) for one period, with the parameters used (spec §2.2–§2.4)."""

    ikm: SatisfactionIndicator
    ikp: SatisfactionIndicator
    service_times: ServiceTimeIndicators
    complaints: ComplaintIndicators
    parameters: ScoringParameters

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values to store with a score run.

        >>> sorted(employee_indicators(None, None, None, None).to_dict())
        ['complaints', 'ikm', 'ikp', 'parameters', 'service_times']
        """
        return {
            "ikm": self.ikm.to_dict(),
            "ikp": self.ikp.to_dict(),
            "service_times": self.service_times.to_dict(),
            "complaints": self.complaints.to_dict(),
            "parameters": self.parameters.to_dict(),
        }


def employee_indicators(
    satisfaction: SatisfactionStats | None,
    unit_satisfaction: SatisfactionStats | None,
    service_times: ServiceTimeStats | None,
    complaints: ComplaintStats | None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> EmployeeIndicators:
    """Every indicator of one employee for one period; pass the unit's own stats to score the unit (spec §2.2–§2.4).

    >>> r = employee_indicators(None, None, None, None)
    >>> r.ikp.status.value, r.service_times.wait_median_minutes.value
    ('not_available', None)
    """
    return EmployeeIndicators(
        ikm=ikm_indicator(satisfaction, unit_satisfaction, parameters),
        ikp=ikp_indicator(satisfaction, unit_satisfaction, parameters),
        service_times=service_time_indicators(service_times, parameters),
        complaints=complaint_indicators(complaints),
        parameters=parameters,
    )
