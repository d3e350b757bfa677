"""Per-employee (and per-unit) indicators with their explanations (spec §1.3, §2.2–§2.4, §3), one module a section.

Each result is a frozen dataclass that carries how it was computed — inputs, formula, parameters, result — and
has ``to_dict()`` giving JSON-safe values, so the app can store a run and render "how was my score computed"
without recomputing. A missing source (``None``) gives status ``not_available`` and no value, never zero.

- :mod:`~scoring.indicators.explanation` — ``IndicatorStatus``, ``Explanation`` and the plain valued ``Indicator``
- :mod:`~scoring.indicators.satisfaction` — an employee's ikm and ikp, t-interval and shrinkage (spec §2.2)
- :mod:`~scoring.indicators.adjusted` — the ikp adjusted for the service mix an employee served (issue 15)
- :mod:`~scoring.indicators.service_times` — waits, service, on-time, throughput, no-show, errors (spec §2.3)
- :mod:`~scoring.indicators.complaints` — first response and answers within 3 working days (spec §2.4)
- :mod:`~scoring.indicators.unit` — the unit's official IKM with its SKM summary (spec §1.3–§1.5)
- :mod:`~scoring.indicators.appraisal` — hasil kerja, perilaku kerja, predikat, distribution curve (spec §3)
"""

from __future__ import annotations

from scoring.indicators.adjusted import (
    SERVICE_TYPE_SOURCES,
    UNKNOWN_SERVICE,
    ServiceMixStats,
    ikp_adjusted_indicator,
)
from scoring.indicators.appraisal import (
    AppraisalIndicator,
    distribution_indicator,
    hasil_kerja_indicator,
    perilaku_indicator,
    predikat_indicator,
)
from scoring.indicators.complaints import (
    ComplaintIndicators,
    complaint_indicators,
    complaints_about_service_indicator,
    settlement_indicator,
)
from scoring.indicators.explanation import Explanation, Indicator, IndicatorStatus
from scoring.indicators.satisfaction import SatisfactionIndicator, ikm_indicator, ikp_indicator, satisfaction_indicator
from scoring.indicators.service_times import ServiceTimeIndicators, service_time_indicators
from scoring.indicators.unit import UnitIkmIndicator, unit_ikm_indicator

__all__ = [
    "SERVICE_TYPE_SOURCES",
    "UNKNOWN_SERVICE",
    "AppraisalIndicator",
    "ComplaintIndicators",
    "Explanation",
    "Indicator",
    "IndicatorStatus",
    "SatisfactionIndicator",
    "ServiceMixStats",
    "ServiceTimeIndicators",
    "UnitIkmIndicator",
    "complaint_indicators",
    "complaints_about_service_indicator",
    "distribution_indicator",
    "hasil_kerja_indicator",
    "ikm_indicator",
    "ikp_adjusted_indicator",
    "ikp_indicator",
    "perilaku_indicator",
    "predikat_indicator",
    "satisfaction_indicator",
    "service_time_indicators",
    "settlement_indicator",
    "unit_ikm_indicator",
]
