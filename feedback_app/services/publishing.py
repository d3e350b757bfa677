"""Publishing a unit's final score runs, and the figures its public page and open data show (spec §1.5, §7).

A final run (neither provisional nor superseded) is published by the unit head or an admin, with the unit's
follow-up plan (rencana tindak lanjut) if one has been written. The public page, ``.json`` and ``.csv`` read
:func:`public_figures` only, so the three always show the same published final runs, and nothing but figures:
never a comment, never a contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scoring import parse_period

from ..clock import now
from ..extensions import db
from ..models import Counter, Employee, ScoreIndicator, ScoreRun, Unit
from .audit import record_audit
from .errors import DomainError

UNSUR = tuple(f"U{i}" for i in range(1, 10))
FOLLOW_UP_MAX_CHARS = 4000


class PublishError(DomainError):
    """A run that cannot be published (not final, already published)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def is_final(run: ScoreRun) -> bool:
    return not run.provisional and run.superseded_by_id is None


def publishable_runs(unit: Unit) -> list[ScoreRun]:
    """The unit's final runs, newest period first, published or not."""
    return list(
        db.session.scalars(
            select(ScoreRun)
            .where(ScoreRun.unit_id == unit.id, ScoreRun.superseded_by_id.is_(None), ScoreRun.provisional.is_(False))
            .order_by(ScoreRun.period_start.desc(), ScoreRun.period_end, ScoreRun.id.desc())
        )
    )


def publish_run(run: ScoreRun, *, by: str, follow_up_plan: str | None = None) -> None:
    """Publish a final run (one audit row). The caller commits."""
    if not is_final(run):
        raise PublishError("not_final", "Only a final run (neither provisional nor superseded) can be published.")
    if run.published_at is not None:
        raise PublishError("already_published", "This run is already published.")
    plan = (follow_up_plan or "").strip() or None
    if plan is not None and len(plan) > FOLLOW_UP_MAX_CHARS:
        raise PublishError("plan_length", f"The follow-up plan may have at most {FOLLOW_UP_MAX_CHARS} characters.")
    run.published_at = now()
    run.published_by = by
    run.follow_up_plan = plan
    record_audit(
        "score_run.publish",
        entity="score_run",
        entity_id=run.id,
        unit_id=run.unit_id,
        before={"published_at": None},
        after={"published_at": run.published_at, "period_id": run.period_id, "follow_up_plan": plan},
    )
    db.session.flush()


def set_public_employee_ratings(unit: Unit, enabled: bool) -> None:
    """Switch the public per-employee ratings of a unit on or off (one audit row when it changes)."""
    if unit.public_employee_ratings == enabled:
        return
    record_audit(
        "unit.public_employee_ratings",
        entity="unit",
        entity_id=unit.id,
        unit_id=unit.id,
        before={"public_employee_ratings": unit.public_employee_ratings},
        after={"public_employee_ratings": enabled},
    )
    unit.public_employee_ratings = enabled
    db.session.flush()


# --- what the public sees -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedPeriod:
    """One published final run as plain figures."""

    run_id: int
    period_id: str
    label: str
    label_en: str
    published_at: Any
    ikm: Decimal | None
    mutu: str | None
    kinerja: str | None
    respondents: int
    nrr: dict[str, Decimal]
    population: int | None
    population_source: str | None
    minimum_sample: int | None
    sample_adequate: bool | None
    trend: Decimal | None  # change of the IKM against the previous published period of the same length
    follow_up_plan: str | None
    employees: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period_id,
            "label": self.label,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "ikm": _text(self.ikm),
            "mutu": self.mutu,
            "kinerja": self.kinerja,
            "respondents": self.respondents,
            "nrr": {code: _text(value) for code, value in self.nrr.items()},
            "population": self.population,
            "population_source": self.population_source,
            "minimum_sample": self.minimum_sample,
            "sample_adequate": self.sample_adequate,
            "trend": _text(self.trend),
            "follow_up_plan": self.follow_up_plan,
            "employees": [{**e, "ikp": _text(e["ikp"])} for e in self.employees],
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def published_runs(unit: Unit) -> list[ScoreRun]:
    """The unit's published final runs, newest period first: exactly what its public page shows."""
    return list(
        db.session.scalars(
            select(ScoreRun)
            .where(
                ScoreRun.unit_id == unit.id,
                ScoreRun.published_at.is_not(None),
                ScoreRun.superseded_by_id.is_(None),
                ScoreRun.provisional.is_(False),
            )
            .order_by(ScoreRun.period_start.desc(), ScoreRun.period_end, ScoreRun.id.desc())
        )
    )


def public_figures(unit: Unit) -> dict[str, Any]:
    """Everything the public unit page shows: the published periods, counters and service types with standards."""
    runs = published_runs(unit)
    run_ids = [run.id for run in runs]
    ikm_rows = {
        row.run_id: row
        for row in db.session.scalars(
            select(ScoreIndicator).where(
                ScoreIndicator.run_id.in_(run_ids), ScoreIndicator.employee_id.is_(None), ScoreIndicator.code == "ikm"
            )
        )
    }
    employees: dict[int, list[dict[str, Any]]] = {run_id: [] for run_id in run_ids}
    if unit.public_employee_ratings and run_ids:
        rows = db.session.execute(
            select(ScoreIndicator.run_id, Employee.name, ScoreIndicator.value, ScoreIndicator.n)
            .join(Employee, Employee.id == ScoreIndicator.employee_id)
            .where(
                ScoreIndicator.run_id.in_(run_ids),
                ScoreIndicator.code == "ikp",
                ScoreIndicator.status == "ok",  # n >= the run's publication threshold (spec §2.2)
            )
            .order_by(Employee.name, Employee.id)
        )
        for run_id, name, value, n in rows:
            employees[run_id].append({"name": name, "ikp": value, "n": n})
    periods = [_period(run, ikm_rows.get(run.id), employees[run.id]) for run in runs]
    periods = _with_trend(periods)
    counters = db.session.scalars(
        select(Counter).where(Counter.unit_id == unit.id, Counter.active.is_(True)).order_by(Counter.public_code)
    ).all()
    return {
        "unit": {"slug": unit.slug, "name": unit.name, "timezone": unit.timezone},
        "periods": periods,
        "counters": [
            {"code": c.public_code, "name": c.name, "service_types": [s.name for s in c.service_types]}
            for c in counters
        ],
        "service_types": [
            {
                "name": s.name,
                "counter_standard_minutes": s.counter_standard_minutes,
                "completion_standard": s.completion_standard,
                "fee_rupiah": s.fee_rupiah,
            }
            for s in unit.service_types
        ],
        "employee_ratings_public": unit.public_employee_ratings,
    }


def _period(run: ScoreRun, ikm: ScoreIndicator | None, employees: list[dict[str, Any]]) -> PublishedPeriod:
    summary = (ikm.explanation.get("summary") if ikm is not None else None) or {}
    sample = summary.get("sample") or {}
    grade = summary.get("grade") or {}
    period = parse_period(run.period_id)
    return PublishedPeriod(
        run_id=run.id,
        period_id=run.period_id,
        label=period.label,
        label_en=period.label_en,
        published_at=run.published_at,
        ikm=Decimal(summary["ikm"]) if ikm is not None and ikm.status == "ok" and summary.get("ikm") else None,
        mutu=grade.get("mutu"),
        kinerja=grade.get("kinerja"),
        respondents=int(summary.get("n") or 0),
        nrr={code: Decimal(value) for code, value in (summary.get("nrr") or {}).items()},
        population=sample.get("population"),
        population_source=(run.input_counts or {}).get("population_source"),
        minimum_sample=sample.get("minimum_sample"),
        sample_adequate=sample.get("adequate"),
        trend=None,
        follow_up_plan=run.follow_up_plan,
        employees=employees,
    )


def _with_trend(periods: list[PublishedPeriod]) -> list[PublishedPeriod]:
    """Each period's IKM change against the previous published period of the same kind (Q3 after Q2)."""
    result = []
    for index, period in enumerate(periods):
        kind = _kind(period.period_id)
        earlier = next((p for p in periods[index + 1 :] if _kind(p.period_id) == kind and p.ikm is not None), None)
        before = earlier.ikm if earlier is not None else None
        trend = period.ikm - before if period.ikm is not None and before is not None else None
        result.append(PublishedPeriod(**{**period.__dict__, "trend": trend}))
    return result


def _kind(period_id: str) -> str:
    return "Q" if "Q" in period_id else "S" if "S" in period_id else "M" if "-" in period_id else "Y"


CSV_HEADERS = (
    "period",
    "label",
    "published_at",
    "ikm",
    "mutu",
    "respondents",
    "population",
    "minimum_sample",
    "sample_adequate",
    *(f"nrr_{code.lower()}" for code in UNSUR),
)


def public_csv_rows(figures: dict[str, Any]) -> list[list[str]]:
    """One row per published period, in the order of :data:`CSV_HEADERS` (data first, format second)."""
    rows = []
    for period in figures["periods"]:
        data = period.to_dict()
        rows.append(
            [
                data["period"],
                data["label"],
                data["published_at"] or "",
                data["ikm"] or "",
                data["mutu"] or "",
                str(data["respondents"]),
                "" if data["population"] is None else str(data["population"]),
                "" if data["minimum_sample"] is None else str(data["minimum_sample"]),
                "" if data["sample_adequate"] is None else ("ya" if data["sample_adequate"] else "tidak"),
                *(data["nrr"].get(code) or "" for code in UNSUR),
            ]
        )
    return rows
