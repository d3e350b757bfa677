"""The bias audit of a stored run, as pages and the HR export read it (issue 15).

The audit is computed with the run (:func:`scoring.bias_audit`, stored as the unit row ``bias_audit``), so a page
request reads one stored row and names the counters and service types; it never reads answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import Counter, ScoreIndicator, ScoreRun, ServiceType

#: How each dimension and the fixed group keys are named on pages and in exports.
DIMENSION_LABELS = {
    "sex": _l("Jenis kelamin (dari NIP)"),
    "employment_type": _l("Jenis kepegawaian"),
    "counter": _l("Loket"),
    "service_type": _l("Jenis layanan"),
}
GROUP_LABELS = {
    ("sex", "1"): _l("Laki-laki"),
    ("sex", "2"): _l("Perempuan"),
    ("sex", "unknown"): _l("tidak diketahui"),
    ("service_type", "unknown"): _l("tidak diketahui"),
    ("employment_type", "unknown"): _l("tidak diketahui"),
}
#: The plain-language flag of a gap larger than its uncertainty (issue 15).
FLAG_TEXT = _l("selisih ini lebih besar dari ketidakpastiannya: periksa sebelum dipakai untuk penilaian")
#: The header of :func:`bias_audit_rows`.
BIAS_AUDIT_HEADERS = (
    "dimension",
    "group",
    "shown",
    "employees",
    "answers",
    "ikp",
    "ikp_low",
    "ikp_high",
    "gap",
    "gap_low",
    "gap_high",
    "p_value",
    "p_holm",
    "flag",
)


@dataclass(frozen=True)
class AuditGroup:
    """One group of a stored audit, named, with its comparison if it has one."""

    dimension: str
    dimension_label: str
    key: str
    label: str
    shown: bool
    employees: int | None
    n: int | None
    mean: Decimal | None
    low: Decimal | None
    high: Decimal | None
    comparison: dict[str, Any] | None

    @property
    def flagged(self) -> bool:
        return bool(self.comparison and self.comparison["flagged"])


@dataclass(frozen=True)
class AuditView:
    """A run's stored audit: its status, groups by dimension, and the rule it applied."""

    status: str  # ok | insufficient_data | not_available | missing (a run from before issue 15)
    groups: list[AuditGroup]
    confidence: str | None
    min_employees: int | None
    min_answers: int | None

    @property
    def flagged(self) -> list[AuditGroup]:
        return [group for group in self.groups if group.flagged]


def _decimal(text: object) -> Decimal | None:
    return None if text is None else Decimal(str(text))


def bias_audit_view(run: ScoreRun) -> AuditView:
    """The stored audit of ``run`` with counters and service types named (one row and two small lookups)."""
    row = db.session.scalar(
        select(ScoreIndicator).where(
            ScoreIndicator.run_id == run.id, ScoreIndicator.employee_id.is_(None), ScoreIndicator.code == "bias_audit"
        )
    )
    if row is None:
        return AuditView("missing", [], None, None, None)
    explanation = row.explanation.get("explanation", {})
    inputs, parameters = explanation.get("inputs", {}), explanation.get("parameters", {})
    counters = dict(db.session.execute(select(Counter.id, Counter.name).where(Counter.unit_id == run.unit_id)).all())
    services = dict(
        db.session.execute(select(ServiceType.id, ServiceType.name).where(ServiceType.unit_id == run.unit_id)).all()
    )
    comparisons = {(c["dimension"], c["group"]): c for c in inputs.get("comparisons", [])}
    groups = []
    for figure in inputs.get("groups", []):
        dimension, key = figure["dimension"], figure["group"]
        label: object = GROUP_LABELS.get((dimension, key), key)
        if dimension == "counter" and key.isdigit():
            label = counters.get(int(key), key)
        elif dimension == "service_type" and key.isdigit():
            label = services.get(int(key), key)
        groups.append(
            AuditGroup(
                dimension,
                str(DIMENSION_LABELS.get(dimension, dimension)),
                key,
                str(label),
                bool(figure["shown"]),
                figure.get("employees"),
                figure.get("n"),
                _decimal(figure.get("mean")),
                _decimal(figure.get("low")),
                _decimal(figure.get("high")),
                comparisons.get((dimension, key)),
            )
        )
    return AuditView(
        row.status,
        groups,
        parameters.get("confidence"),
        parameters.get("min_employees"),
        parameters.get("min_answers"),
    )


def bias_audit_rows(run: ScoreRun) -> tuple[tuple[str, ...], list[list[object]]]:
    """The run's bias audit as (headers, rows), one row per group, for the HR export (issue 15).

    A hidden group (fewer than 5 employees or the publication threshold of answers) has only its name; the flag
    column holds the plain-language flag text in the current language, or "".
    """
    rows: list[list[object]] = []
    for group in bias_audit_view(run).groups:
        c = group.comparison or {}
        rows.append(
            [
                group.dimension_label,
                group.label,
                "yes" if group.shown else "no",
                group.employees,
                group.n,
                group.mean,
                group.low,
                group.high,
                _decimal(c.get("gap")),
                _decimal(c.get("low")),
                _decimal(c.get("high")),
                _decimal(c.get("p_value")),
                _decimal(c.get("p_holm")),
                str(FLAG_TEXT) if group.flagged else "",
            ]
        )
    return BIAS_AUDIT_HEADERS, rows
