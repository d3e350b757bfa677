"""Service-time indicators from ticket events: waits, service, on-time, throughput, no-show, errors (spec §2.3)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scoring.indicators.explanation import Indicator, _indicator, _not_available, _ratio
from scoring.inputs import ServiceTimeStats
from scoring.parameters import DEFAULT_PARAMETERS, ON_TIME_RULES, ScoringParameters

__all__ = [
    "ServiceTimeIndicators",
    "service_time_indicators",
]


@dataclass(frozen=True, slots=True)
class ServiceTimeIndicators:
    """Service-time indicators from ticket events (spec §2.3)."""

    wait_median_minutes: Indicator
    wait_p90_minutes: Indicator
    service_median_minutes: Indicator
    service_p90_minutes: Indicator
    on_time_rate: Indicator
    tickets_per_working_day: Indicator
    no_show_rate: Indicator
    error_rate: Indicator

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, one entry per indicator.

        >>> sorted(service_time_indicators(None).to_dict())[:3]
        ['error_rate', 'no_show_rate', 'on_time_rate']
        """
        return {name: getattr(self, name).to_dict() for name in self.__dataclass_fields__}


_WORKING_DAY_RULE_TEXT: dict[str, str] = {
    "sign_in_or_roster": "working days = local days signed in to a counter or rostered",
    "finished_ticket": "working days = local days with at least one finished ticket (no sign-in or roster known)",
}

_WAIT = "first called − issued"
_SERVICE = "finished − started (finished − called without started)"


def _percentile(name: str, measure: str) -> tuple[str, str, str]:
    return ("nearest_rank_percentile", f"{name} of ({measure}), exact nearest rank on whole seconds, ÷ 60", "minutes")


#: code → (formula name, expression, unit) of every service-time indicator (spec §2.3).
_SERVICE_TIME_FORMULAS: dict[str, tuple[str, str, str]] = {
    "wait_median_minutes": _percentile("median", _WAIT),
    "wait_p90_minutes": _percentile("90th percentile", _WAIT),
    "service_median_minutes": _percentile("median", _SERVICE),
    "service_p90_minutes": _percentile("90th percentile", _SERVICE),
    "on_time_rate": ("on_time_share", "100 × tickets_on_time / tickets_finished", "percent"),
    "tickets_per_working_day": ("per_working_day", "tickets_finished / working_days", "tickets per working day"),
    "no_show_rate": ("no_show_share", "100 × tickets_no_show / tickets_issued", "percent"),
    "error_rate": ("returned_share", "100 × tickets_returned / tickets_finished", "percent"),
}


def service_time_indicators(
    stats: ServiceTimeStats | None, parameters: ScoringParameters = DEFAULT_PARAMETERS
) -> ServiceTimeIndicators:
    """Median and p90 wait and service minutes, on-time, tickets per working day, no-show and error rates (spec §2.3).

    >>> s = ServiceTimeStats(40, 36, 4, 2, 30, 40, 300, 720, 36, 600, 1500, 4, "sign_in_or_roster")
    >>> r = service_time_indicators(s)
    >>> r.wait_median_minutes.value, r.on_time_rate.value, r.tickets_per_working_day.value, r.error_rate.value
    (Decimal('5.00'), Decimal('83.33'), Decimal('9.00'), Decimal('5.56'))
    """
    if stats is None:
        return ServiceTimeIndicators(
            **{
                code: _not_available(code, unit, "§2.3", formula, expression, "tickets")
                for code, (formula, expression, unit) in _SERVICE_TIME_FORMULAS.items()
            }
        )
    s = stats
    rule_text = _WORKING_DAY_RULE_TEXT[s.working_day_rule]
    # code → (value, n, inputs, parameters, note when not available, notes)
    plans: dict[str, tuple[Decimal | None, int, dict[str, object], dict[str, object], str, tuple[str, ...]]] = {
        "wait_median_minutes": (
            _ratio(s.wait_p50_seconds, 60),
            s.wait_n,
            {"wait_n": s.wait_n, "wait_p50_seconds": s.wait_p50_seconds},
            {},
            "No wait times recorded: not available.",
            (),
        ),
        "wait_p90_minutes": (
            _ratio(s.wait_p90_seconds, 60),
            s.wait_n,
            {"wait_n": s.wait_n, "wait_p90_seconds": s.wait_p90_seconds},
            {},
            "No wait times recorded: not available.",
            (),
        ),
        "service_median_minutes": (
            _ratio(s.service_p50_seconds, 60),
            s.service_n,
            {"service_n": s.service_n, "service_p50_seconds": s.service_p50_seconds},
            {},
            "No service times recorded: not available.",
            (),
        ),
        "service_p90_minutes": (
            _ratio(s.service_p90_seconds, 60),
            s.service_n,
            {"service_n": s.service_n, "service_p90_seconds": s.service_p90_seconds},
            {},
            "No service times recorded: not available.",
            (),
        ),
        "on_time_rate": (
            _ratio(s.tickets_on_time, s.tickets_finished, 100),
            s.tickets_finished,
            {"tickets_on_time": s.tickets_on_time, "tickets_finished": s.tickets_finished},
            {"on_time_rule": parameters.on_time_rule, "target": "counter standard of the service type (minutes)"},
            "No finished tickets: not available.",
            (f"On time: {ON_TIME_RULES[parameters.on_time_rule]}.",),
        ),
        "tickets_per_working_day": (
            _ratio(s.tickets_finished, s.working_days),
            s.working_days,
            {"tickets_finished": s.tickets_finished, "working_days": s.working_days},
            {"working_day_rule": s.working_day_rule},
            "No working days: not available.",
            (f"Rule used: {rule_text}.",),
        ),
        "no_show_rate": (
            _ratio(s.tickets_no_show, s.tickets_issued, 100),
            s.tickets_issued,
            {"tickets_no_show": s.tickets_no_show, "tickets_issued": s.tickets_issued},
            {},
            "No tickets issued: not available.",
            (),
        ),
        "error_rate": (
            _ratio(s.tickets_returned, s.tickets_finished, 100),
            s.tickets_finished,
            {"tickets_returned": s.tickets_returned, "tickets_finished": s.tickets_finished},
            {},
            "No finished tickets: not available.",
            (),
        ),
    }
    return ServiceTimeIndicators(
        **{
            code: _indicator(code, unit, "§2.3", formula, expression, *plans[code])
            for code, (formula, expression, unit) in _SERVICE_TIME_FORMULAS.items()
        }
    )
