"""Complaint indicators under the SP4N-LAPOR time rules (spec §2.4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.indicators.explanation import Indicator, _indicator, _not_available, _ratio
from scoring.inputs import ComplaintStats

__all__ = [
    "ComplaintIndicators",
    "complaint_indicators",
]


@dataclass(frozen=True, slots=True)
class ComplaintIndicators:
    """Complaint indicators under the SP4N-LAPOR time rules (spec §2.4)."""

    first_response_median_hours: Indicator
    answered_within_3_working_days_rate: Indicator

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, one entry per indicator.

        >>> complaint_indicators(None).to_dict()["first_response_median_hours"]["status"]
        'not_available'
        """
        return {name: getattr(self, name).to_dict() for name in self.__dataclass_fields__}


def complaint_indicators(stats: ComplaintStats | None) -> ComplaintIndicators:
    """Median first-response hours and the share answered within 3 working days (spec §2.4).

    >>> r = complaint_indicators(ComplaintStats(complaints=8, answered=6, answered_within_3_working_days=5,
    ...                                         first_response_median_seconds=5400))
    >>> r.first_response_median_hours.value, r.answered_within_3_working_days_rate.value
    (Decimal('1.50'), Decimal('62.50'))
    """
    median_expr = "median of (first response − received), exact nearest rank on whole seconds, ÷ 3600"
    share_expr = "100 × answered_within_3_working_days / complaints (unanswered complaints count as late)"
    median_code, share_code = "first_response_median_hours", "answered_within_3_working_days_rate"
    if stats is None:
        return ComplaintIndicators(
            _not_available(median_code, "hours", "§2.4", "nearest_rank_median", median_expr, "complaints"),
            _not_available(share_code, "percent", "§2.4", "answered_in_time_share", share_expr, "complaints"),
        )
    median = _indicator(
        median_code,
        "hours",
        "§2.4",
        "nearest_rank_median",
        median_expr,
        _ratio(stats.first_response_median_seconds, 3600),
        stats.answered,
        {"answered": stats.answered, "first_response_median_seconds": stats.first_response_median_seconds},
        {},
        "No complaint has a first response yet: not available.",
    )
    share = _indicator(
        share_code,
        "percent",
        "§2.4",
        "answered_in_time_share",
        share_expr,
        _ratio(stats.answered_within_3_working_days, stats.complaints, 100),
        stats.complaints,
        {"answered_within_3_working_days": stats.answered_within_3_working_days, "complaints": stats.complaints},
        {"first_response_working_days": 3},
        "No complaints: not available.",
    )
    return ComplaintIndicators(median, share)
