"""Appeals (keberatan, spec §7): an employee contests a shift, a comment, an indicator or a predikat.

- **shift** ("not on duty", "served by a colleague"), chosen from the employee's own shifts: accepted, the answers
  attributed to them through that shift go to the unit only (source ``none``); the appeal keeps which answers and
  why, and the next run of any period containing the shift names it in the employee's ikm/ikp explanation.
- **comment** the employee finds abusive: the answer becomes a ``flagged`` response with reason ``staff_appeal``
  in the moderation queue; accepted it is excluded, rejected it is released (``valid``).
- **indicator** of a run: the decision is attached to the next run's explanation of that indicator.
- **predikat** of their appraisal: decided by the supervisor's own supervisor (atasan pejabat penilai).

Who decides is fixed when the appeal is filed (:attr:`Appeal.decider_id`): the employee's supervisor on the
subject's date, that supervisor's supervisor for a predikat, and an admin of the unit where there is none (and
for comments, which are moderated). One open appeal per subject; every filing and decision leaves one audit row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from scoring import InvalidPeriod, parse_period

from ..clock import now
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..identifiers import mask_personal_data
from ..models import (
    Appeal,
    CounterAssignment,
    Employee,
    ScoreIndicator,
    ScoreRun,
    SurveyResponse,
    Unit,
    User,
)
from .attribution import sign_in_lifetime
from .audit import record_audit
from .errors import DomainError
from .performance import unit_of
from .teams import supervisor_of

STATEMENT_MAX = 2000
REASON_MAX = 2000
SHIFT_GROUNDS = ("not_on_duty", "served_by_colleague")
#: Indicators an employee may contest (their own rows of a run).
APPEALABLE_CODES = (
    "ikp",
    "ikm",
    "wait_median_minutes",
    "service_median_minutes",
    "on_time_rate",
    "tickets_per_working_day",
    "no_show_rate",
    "error_rate",
)
LIST_LIMIT = 50


class AppealError(DomainError):
    """An appeal cannot be filed or decided as asked; the message says why, in Indonesian."""


class AppealNotFound(AppealError):
    """The subject or appeal does not exist for this user (never says whether it exists for someone else)."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="comment-appeal")


def comment_token(response_id: int) -> str:
    """An opaque reference to a comment, so the page does not show answer ids (which follow the time)."""
    return str(_serializer().dumps(response_id))


def _comment_id(token: str) -> int:
    try:
        value = _serializer().loads(token)
    except BadSignature:
        raise AppealNotFound(_l("Komentar tidak ditemukan.")) from None
    if not isinstance(value, int):
        raise AppealNotFound(_l("Komentar tidak ditemukan."))
    return value


def _shift_window(shift: CounterAssignment) -> tuple[Any, Any]:
    return shift.starts_at, shift.ends_at or shift.starts_at + sign_in_lifetime()


def _shift_answers(shift: CounterAssignment) -> Any:
    """SQL: the answers attributed to the shift's employee through this shift (its id, or its counter and time)."""
    start, end = _shift_window(shift)
    return and_(
        SurveyResponse.employee_id == shift.employee_id,
        or_(
            SurveyResponse.counter_assignment_id == shift.id,
            and_(
                SurveyResponse.counter_id == shift.counter_id,
                SurveyResponse.counted_at >= start,
                SurveyResponse.counted_at < end,
            ),
        ),
    )


@dataclass(frozen=True)
class Shift:
    assignment: CounterAssignment
    answers: int
    open_appeal: bool


def my_shifts(employee: Employee, *, days: int = 62, limit: int = 60) -> list[Shift]:
    """The employee's recent shifts (roster or sign-in) with the number of answers attributed through each."""
    since = now() - timedelta(days=days)
    shifts = list(
        db.session.scalars(
            select(CounterAssignment)
            .where(CounterAssignment.employee_id == employee.id, CounterAssignment.starts_at >= since)
            .order_by(CounterAssignment.starts_at.desc())
            .limit(limit)
        )
    )
    if not shifts:
        return []
    # One statement for all of them: the employee's answers from the oldest shift's start on (by the employee
    # index), matched to the shifts here exactly as :func:`_shift_answers` matches them in SQL.
    windows = {shift.id: _shift_window(shift) for shift in shifts}
    oldest = min(start for start, _end in windows.values())
    counts = dict.fromkeys(windows, 0)
    answers = db.session.execute(
        select(SurveyResponse.counter_assignment_id, SurveyResponse.counter_id, SurveyResponse.counted_at).where(
            SurveyResponse.employee_id == employee.id, SurveyResponse.counted_at >= oldest
        )
    )
    for assignment_id, counter_id, counted_at in answers:
        for shift in shifts:
            start, end = windows[shift.id]
            if assignment_id == shift.id or (counter_id == shift.counter_id and start <= counted_at < end):
                counts[shift.id] += 1
    keys = [f"shift:{shift.id}" for shift in shifts]
    open_keys = set(db.session.scalars(select(Appeal.open_subject).where(Appeal.open_subject.in_(keys))))
    return [Shift(shift, counts[shift.id], f"shift:{shift.id}" in open_keys) for shift in shifts]


def _clean(text: str | None, what: Any, maximum: int) -> str:
    text = (text or "").strip()
    if not text:
        raise AppealError(_l("Tuliskan %(what)s.", what=what))
    if len(text) > maximum:
        raise AppealError(_l("%(what)s paling panjang %(max)d karakter.", what=what, max=maximum))
    return text


def _decider(employee: Employee, on_date: date, *, levels: int) -> Employee | None:
    decider: Employee | None = employee
    for _ in range(levels):
        decider = supervisor_of(decider, on_date) if decider is not None else None
    return decider


def file_appeal(filer: User, kind: str, subject: str, *, statement: str, ground: str | None = None) -> Appeal:
    """File an appeal of the filer's own employee record; the caller commits.

    ``subject`` is a shift id (``shift``), a comment token (``comment``), ``<run id>:<code>`` (``indicator``)
    or a period code (``predikat``). Raises :class:`AppealNotFound` for a subject that is not the filer's.
    """
    employee = filer.employee
    if employee is None:
        raise AppealError(_l("Akun ini tidak terhubung dengan data pegawai."))
    statement = _clean(statement, _l("alasan keberatan"), STATEMENT_MAX)
    appeal = Appeal(employee_id=employee.id, kind=kind, statement=statement, filed_by_id=filer.id, state="open")
    today = now().date()
    if kind == "shift":
        if ground not in SHIFT_GROUNDS:
            raise AppealError(_l("Pilih alasan: tidak bertugas, atau dilayani rekan lain."))
        shift = db.session.get(CounterAssignment, int(subject)) if subject.isdigit() else None
        if shift is None or shift.employee_id != employee.id:
            raise AppealNotFound(_l("Jadwal tugas tidak ditemukan."))
        day = shift.counter.unit.local(shift.starts_at).date()
        appeal.unit_id = shift.counter.unit_id
        appeal.counter_assignment_id = shift.id
        appeal.subject_key = f"shift:{shift.id}"
        appeal.ground = ground
        appeal.decider = _decider(employee, day, levels=1)
    elif kind == "comment":
        response = db.session.get(SurveyResponse, _comment_id(subject))
        if response is None or response.employee_id != employee.id or not response.comment:
            raise AppealNotFound(_l("Komentar tidak ditemukan."))
        if response.status != "valid":
            raise AppealError(_l("Komentar ini sudah tidak dihitung atau sedang ditinjau moderator."))
        appeal.unit_id = response.unit_id
        appeal.survey_response_id = response.id
        appeal.subject_key = f"comment:{response.id}"
        appeal.ground = "abusive"
        appeal.decider = None  # moderated by the unit's admin
    elif kind == "indicator":
        run_text, _, code = subject.partition(":")
        run = db.session.get(ScoreRun, int(run_text)) if run_text.isdigit() else None
        if run is None or code not in APPEALABLE_CODES:
            raise AppealNotFound(_l("Indikator tidak ditemukan."))
        mine = db.session.scalar(
            select(ScoreIndicator.id).where(
                ScoreIndicator.run_id == run.id,
                ScoreIndicator.employee_id == employee.id,
                ScoreIndicator.code == code,
            )
        )
        if mine is None:
            raise AppealNotFound(_l("Indikator tidak ditemukan."))
        appeal.unit_id = run.unit_id
        appeal.score_run_id = run.id
        appeal.indicator_code = code
        appeal.period_id = run.period_id
        appeal.subject_key = f"indicator:{run.unit_id}:{run.period_id}:{code}:{employee.id}"
        appeal.ground = "statement"
        appeal.decider = _decider(employee, run.period_end - timedelta(days=1), levels=1)
    elif kind == "predikat":
        try:
            period = parse_period(subject)
        except InvalidPeriod:
            raise AppealError(_l("Periode tidak dikenal.")) from None
        if period.start > today:
            raise AppealError(_l("Periode ini belum dimulai."))
        last_day = period.end - timedelta(days=1)
        unit = unit_of(employee, min(last_day, today))
        if unit is None:
            raise AppealNotFound(_l("Tidak ada penugasan pada periode ini."))
        appeal.unit_id = unit.id
        appeal.period_id = period.id
        appeal.subject_key = f"predikat:{employee.id}:{period.id}"
        appeal.ground = "statement"
        appeal.decider = _decider(employee, last_day, levels=2)
    else:
        raise AppealError(_l("Jenis keberatan tidak dikenal."))
    appeal.open_subject = appeal.subject_key
    if db.session.scalar(select(Appeal.id).where(Appeal.open_subject == appeal.subject_key)) is not None:
        raise AppealError(_l("Sudah ada keberatan terbuka untuk hal ini; tunggu keputusannya."))
    appeal.filed_at = now()
    db.session.add(appeal)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another request filed the same subject in between
        raise AppealError(_l("Sudah ada keberatan terbuka untuk hal ini; tunggu keputusannya.")) from None
    if kind == "comment":
        db.session.execute(
            update(SurveyResponse)
            .where(SurveyResponse.id == appeal.survey_response_id, SurveyResponse.status == "valid")
            .values(
                status="flagged",
                status_reason="staff_appeal",
                flag_reason="staff_appeal",
                flag_details={"staff_appeal": {"appeal_id": appeal.id}},
            )
        )
    record_audit(
        "appeal.file",
        entity="appeal",
        entity_id=appeal.id,
        unit_id=appeal.unit_id,
        after={"kind": kind, "subject": appeal.subject_key, "ground": appeal.ground, "state": "open"},
        reason=statement,
    )
    return appeal


def may_decide(user: User, appeal: Appeal) -> bool:
    """The decider named on the appeal, or an admin of its unit when none is named (never the employee)."""
    if user.employee_id is not None and user.employee_id == appeal.employee_id:
        return False
    if appeal.decider_id is not None:
        return user.employee_id == appeal.decider_id
    return user.has_role("admin") and user.unit_id in (None, appeal.unit_id)


def decide_appeal(decider: User, appeal_id: int, *, accept: bool, reason: str) -> Appeal:
    """Accept or reject an open appeal with a reason and apply its effect; the caller commits."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or not may_decide(decider, appeal):
        raise AppealNotFound(_l("Keberatan tidak ditemukan."))
    reason = _clean(reason, _l("alasan keputusan"), REASON_MAX)
    if appeal.state != "open":
        raise AppealError(_l("Keberatan ini sudah diputuskan; muat ulang halaman untuk melihat keputusannya."))
    state = "accepted" if accept else "rejected"
    # Decide once even if two deciders press at the same moment: only the request that closes it goes on.
    closed: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(Appeal)
        .where(Appeal.id == appeal.id, Appeal.state == "open")
        .values(state=state, open_subject=None, decided_by_id=decider.id, decided_at=now(), decision_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        raise AppealError(_l("Keberatan ini sudah diputuskan; muat ulang halaman untuk melihat keputusannya."))
    db.session.refresh(appeal)
    effect: dict[str, Any] = {}
    if appeal.kind == "shift" and accept:
        shift = appeal.counter_assignment
        assert shift is not None
        ids = list(db.session.scalars(select(SurveyResponse.id).where(_shift_answers(shift))))
        if ids:
            db.session.execute(
                update(SurveyResponse)
                .where(SurveyResponse.id.in_(ids))
                .values(employee_id=None, attribution_source="none")
                .execution_options(synchronize_session=False)
            )
        effect = {"reattributed_to_unit": ids, "from_employee_id": appeal.employee_id}
    elif appeal.kind == "comment":
        status = "excluded" if accept else "valid"
        db.session.execute(
            update(SurveyResponse)
            .where(SurveyResponse.id == appeal.survey_response_id, SurveyResponse.status == "flagged")
            .values(status=status, status_reason=f"staff_appeal: {reason}"[:200] if accept else None)
            .execution_options(synchronize_session=False)
        )
        effect = {"response_status": status}
    if effect:
        appeal.effect = effect
    record_audit(
        f"appeal.{'accept' if accept else 'reject'}",
        entity="appeal",
        entity_id=appeal.id,
        unit_id=appeal.unit_id,
        before={"state": "open"},
        after={
            "state": state,
            **(
                {"answers_reattributed": len(effect["reattributed_to_unit"])}
                if "reattributed_to_unit" in effect
                else {}
            ),
        },
        reason=reason,
    )
    db.session.flush()
    return appeal


def appeals_of(employee: Employee, limit: int = LIST_LIMIT) -> list[Appeal]:
    """The employee's appeals, newest first (read by index, with a limit)."""
    return list(
        db.session.scalars(
            select(Appeal).where(Appeal.employee_id == employee.id).order_by(Appeal.filed_at.desc()).limit(limit)
        )
    )


def open_appeals_of(employee_id: int, limit: int = 20) -> list[Appeal]:
    """The employee's appeals still awaiting a decision, oldest first: the supervisor's evidence page lists them
    (read by the employee/filed index, with a limit)."""
    return list(
        db.session.scalars(
            select(Appeal)
            .where(Appeal.employee_id == employee_id, Appeal.state == "open")
            .order_by(Appeal.filed_at, Appeal.id)
            .limit(limit)
        )
    )


def appeals_to_decide(user: User, *, state: str = "open", limit: int = LIST_LIMIT) -> list[Appeal]:
    """The appeals ``user`` decides: named as decider, or (admins) those of their units without a decider."""
    mine = []
    if user.employee_id is not None:
        mine.append(Appeal.decider_id == user.employee_id)
    if user.has_role("admin"):
        unowned = Appeal.decider_id.is_(None)
        mine.append(unowned if user.unit_id is None else and_(unowned, Appeal.unit_id == user.unit_id))
    if not mine:
        return []
    query = select(Appeal).where(or_(*mine))
    query = query.where(Appeal.state == "open") if state == "open" else query.where(Appeal.state != "open")
    order = Appeal.filed_at if state == "open" else Appeal.decided_at.desc()
    return list(db.session.scalars(query.order_by(order).limit(limit)))


# --- What runs make of decided appeals (called by compute_score_run) ----------------------------------------------


def _note(appeal: Appeal, **extra: Any) -> dict[str, Any]:
    return {
        "appeal_id": appeal.id,
        "kind": appeal.kind,
        "state": appeal.state,
        "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
        "reason": appeal.decision_reason,
        **extra,
    }


def appeal_notes(unit: Unit, period_start: Any, period_end: Any, period_id: str) -> dict[tuple[int, str], list]:
    """(employee id, indicator code) → the decided appeals a run of this unit and period must name.

    Accepted shift appeals whose shift starts in the period are named on the employee's ikm and ikp; decided
    indicator appeals of the period on the contested indicator. ``period_start``/``period_end`` are UTC instants.
    """
    notes: dict[tuple[int, str], list[dict[str, Any]]] = {}
    shifts = db.session.execute(
        select(Appeal, CounterAssignment.starts_at)
        .join(CounterAssignment, CounterAssignment.id == Appeal.counter_assignment_id)
        .where(
            Appeal.unit_id == unit.id,
            Appeal.kind == "shift",
            Appeal.state == "accepted",
            CounterAssignment.starts_at >= period_start,
            CounterAssignment.starts_at < period_end,
        )
        .order_by(Appeal.id)
    ).all()
    for appeal, starts_at in shifts:
        answers = len((appeal.effect or {}).get("reattributed_to_unit", []))
        note = _note(appeal, shift_start=starts_at.isoformat(), answers_reattributed_to_unit=answers)
        for code in ("ikm", "ikp"):
            notes.setdefault((appeal.employee_id, code), []).append(note)
    indicators = db.session.scalars(
        select(Appeal)
        .where(
            Appeal.unit_id == unit.id,
            Appeal.kind == "indicator",
            Appeal.state != "open",
            Appeal.period_id == period_id,
        )
        .order_by(Appeal.id)
    )
    for appeal in indicators:
        notes.setdefault((appeal.employee_id, str(appeal.indicator_code)), []).append(
            _note(appeal, contested_run_id=appeal.score_run_id)
        )
    return notes


def name_appeals_in_run(run: ScoreRun, notes: dict[tuple[int, str], list]) -> int:
    """Add ``appeals`` (and a note) to the explanation of each indicator row the decided appeals concern."""
    if not notes:
        return 0
    employee_ids = sorted({employee_id for employee_id, _code in notes})
    rows: Sequence[ScoreIndicator] = db.session.scalars(
        select(ScoreIndicator).where(ScoreIndicator.run_id == run.id, ScoreIndicator.employee_id.in_(employee_ids))
    ).all()
    changed = 0
    for row in rows:
        found = notes.get((row.employee_id, row.code)) if row.employee_id is not None else None
        if not found:
            continue
        explanation = json.loads(json.dumps(row.explanation))
        explanation["appeals"] = found
        inner = explanation.setdefault("explanation", {})
        inner.setdefault("notes", [])
        for note in found:
            if note["kind"] == "shift":
                inner["notes"].append(
                    f"Appeal #{note['appeal_id']} accepted: {note['answers_reattributed_to_unit']} answer(s) of the "
                    f"shift starting {note['shift_start']} count for the unit only."
                )
            else:
                inner["notes"].append(f"Appeal #{note['appeal_id']} {note['state']}: {note['reason']}")
        row.explanation = explanation
        changed += 1
    db.session.flush()
    return changed


def contested_comments(items: Sequence[Appeal]) -> dict[int, str]:
    """Appeal id → the contested comment, masked (NIK, phone, e-mail), for the moderator's decision (one query)."""
    wanted = {a.survey_response_id: a.id for a in items if a.kind == "comment" and a.survey_response_id}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(SurveyResponse.id, SurveyResponse.comment).where(SurveyResponse.id.in_(sorted(wanted)))
    )
    return {wanted[response_id]: mask_personal_data(text or "") for response_id, text in rows}
