"""Flags (spec §7): the rules that hold back a suspicious answer, and the one place that changes a response's status.

A ``flagged`` response counts nowhere until a moderator releases it (spec §2.1); nothing is refused or lost. At
submission :func:`evaluate_flags` applies every rule to the :class:`Signals` of one answer and returns the reason
code and the numbers that raised it (:class:`Flag`), stored with the response (``flag_reason``, ``flag_details``).
The rules, in the order that picks the reason when several fire (every one that fired is kept in the details):

- ``self_rating``: the browser held a staff session of the counter's unit, or a counter sign-in there, that local
  day (:func:`mark_staff_browser` keeps a keyed HMAC of its id per unit and day, never the cookie).
- ``short_visit``: a ticket answer whose visit (finished − issued) is under ``short_visit_seconds``.
- ``burst``: more answers at the counter inside the window than its plausible tickets (visits of at least
  ``short_visit_seconds`` finished in the window) and its usual rate explain, see :func:`evaluate_flags`.
- ``fingerprint_many_counters``: one browser (its signed cookie's daily fingerprints) answered more than
  ``fingerprint_max_counters`` different counters inside ``fingerprint_window_hours``; its earlier answers of that
  window that still count are flagged too (:func:`flag_same_browser`), so a scripted run loses every answer.
- ``no_browser_cookie``: the POST came without the survey page's own signed browser cookie.

``staff_appeal`` is raised by an accepted comment appeal through :func:`flag_response`. Every threshold is a unit
parameter read through :func:`flag_thresholds`: the unit's own value (:func:`set_flag_thresholds`, audited) over the
``FLAG_*`` setting. After submission a status changes only through :func:`release_response`,
:func:`exclude_response` and :func:`flag_response` (the caller commits); each change stamps
``status_changed_at`` so pages can say a stored run is older than it (spec §7).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, bindparam, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from ..clock import now
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models import FLAG_REASONS, StaffBrowserMark, SurveyResponse, Ticket, Unit, UnitFlagParameters
from .audit import Actor, acting_as, changed_fields, record_audit
from .errors import DomainError
from .sufficient_statistics import epoch_seconds

#: When several rules fire, the first of these names the flag.
RULE_ORDER = ("self_rating", "short_visit", "burst", "fingerprint_many_counters", "no_browser_cookie")
#: Staff browser marks are kept this many days after their local day, then deleted.
MARK_KEEP_DAYS = 2


@dataclass(frozen=True)
class FlagThresholds:
    """The numbers the rules compare with; README "Flags" explains each one."""

    short_visit_seconds: int
    burst_window_minutes: int
    burst_min_answers: int
    burst_factor: float
    burst_baseline_days: int
    burst_service_hours_per_day: int
    fingerprint_max_counters: int = 3
    fingerprint_window_hours: int = 24


#: Each threshold: its ``FLAG_*`` setting (the default of every unit), its type and its smallest allowed value.
THRESHOLD_SETTINGS: dict[str, tuple[str, type, float]] = {
    "short_visit_seconds": ("FLAG_SHORT_VISIT_SECONDS", int, 0),
    "burst_window_minutes": ("FLAG_BURST_WINDOW_MINUTES", int, 1),
    "burst_min_answers": ("FLAG_BURST_MIN_ANSWERS", int, 1),
    "burst_factor": ("FLAG_BURST_FACTOR", float, 1),
    "burst_baseline_days": ("FLAG_BURST_BASELINE_DAYS", int, 0),
    "burst_service_hours_per_day": ("FLAG_BURST_SERVICE_HOURS_PER_DAY", int, 1),
    "fingerprint_max_counters": ("FLAG_FINGERPRINT_MAX_COUNTERS", int, 1),
    "fingerprint_window_hours": ("FLAG_FINGERPRINT_WINDOW_HOURS", int, 1),
}
#: No threshold may exceed this (a typo of 10⁹ minutes would switch a rule off without anyone noticing).
THRESHOLD_MAXIMUM = 100_000


def default_thresholds() -> FlagThresholds:
    """The ``FLAG_*`` settings: what a unit that has set nothing of its own uses."""
    config = current_app.config
    return FlagThresholds(
        **{name: kind(config[setting]) for name, (setting, kind, _minimum) in THRESHOLD_SETTINGS.items()}
    )


def flag_thresholds(unit_id: int, *, own: dict[str, Any] | None = None) -> FlagThresholds:
    """The thresholds of the flag rules for ``unit_id``: the unit's own values over the ``FLAG_*`` settings.

    ``own`` is the unit's stored thresholds when the caller read them already (the survey reads them with the
    counter, so an answer costs no extra statement); None looks them up.
    """
    defaults = default_thresholds()
    if own is None:
        own = own_thresholds(unit_id)
    if not own:
        return defaults
    values = {name: THRESHOLD_SETTINGS[name][1](value) for name, value in own.items() if name in THRESHOLD_SETTINGS}
    return FlagThresholds(**{**defaults.__dict__, **values})


def own_thresholds(unit_id: int) -> dict[str, Any]:
    """The thresholds the unit has set itself (the others follow the settings)."""
    row = db.session.get(UnitFlagParameters, unit_id)
    return dict(row.parameters) if row is not None and row.parameters else {}


def set_flag_thresholds(unit: Unit, changes: dict[str, Any]) -> FlagThresholds:
    """Change some of a unit's flag thresholds; an empty value (``""`` or None) goes back to the setting.

    Audited as ``unit.set_flag_thresholds`` with the changed values only; the next answer at the unit uses them.
    Raises :class:`FlagError` naming the threshold that is unknown or out of range. The caller commits.
    """
    stored = own_thresholds(unit.id)
    before_all = dict(stored)
    for name, value in changes.items():
        if name not in THRESHOLD_SETTINGS:
            raise FlagError(_l("Ambang %(name)s tidak dikenal.", name=name))
        _setting, kind, minimum = THRESHOLD_SETTINGS[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            stored.pop(name, None)
            continue
        try:
            number = kind(str(value).strip().replace(",", ".")) if isinstance(value, str) else kind(value)
        except (TypeError, ValueError):
            raise FlagError(_l("Ambang %(name)s harus berupa angka.", name=name)) from None
        if not minimum <= number <= THRESHOLD_MAXIMUM:
            raise FlagError(
                _l(
                    "Ambang %(name)s harus antara %(low)s dan %(high)s.",
                    name=name,
                    low=int(minimum) if kind is int else minimum,
                    high=THRESHOLD_MAXIMUM,
                )
            )
        stored[name] = number
    before, after = changed_fields(before_all, stored)
    if not (before or after):
        return flag_thresholds(unit.id)  # nothing changed: nothing written
    if before or after:
        record_audit(
            "unit.set_flag_thresholds", entity="unit", entity_id=unit.id, unit_id=unit.id, before=before, after=after
        )
    row = db.session.get(UnitFlagParameters, unit.id)
    if row is None:
        db.session.add(UnitFlagParameters(unit_id=unit.id, parameters=stored, updated_at=now()))
    else:
        row.parameters = stored
        row.updated_at = now()
    db.session.flush()
    return flag_thresholds(unit.id)


@dataclass(frozen=True)
class Signals:
    """What the rules look at for one answer, gathered by :func:`submission_signals`."""

    has_browser_cookie: bool
    staff_browser: bool  # the browser holds a staff mark of the counter's unit for today
    visit_seconds: int | None  # a ticket answer: finished − issued; None for a counter-QR answer
    answers_in_window: int  # the counter's answers already stored inside the burst window
    plausible_tickets: int  # the counter's tickets finished inside the window after a visit that is not short
    baseline_answers: int  # the counter's valid answers over the baseline days before the window
    other_counters: int = 0  # other counters this browser (with its own cookie) answered inside the fingerprint window


@dataclass(frozen=True)
class Flag:
    """Why an answer is flagged: ``reason`` (a FLAG_REASONS code) and, per rule that fired, its numbers."""

    reason: str
    details: dict[str, dict[str, Any]]


def evaluate_flags(signals: Signals, thresholds: FlagThresholds) -> Flag | None:
    """Every submission-time rule on one answer's signals; None when none fires. Pure: no database, no request.

    ``burst``: with W = ``burst_window_minutes``, the answer is the n-th at its counter inside the last W minutes;
    the usual rate is the counter's valid answers over the baseline days spread over their service hours, per W;
    n is allowed up to max(``burst_min_answers``, ``burst_factor`` × max(plausible tickets, usual rate)).
    A run of implausibly short tickets therefore explains no answers at all. ``fingerprint_many_counters``: this
    counter and the browser's other counters of the window exceed ``fingerprint_max_counters``.
    """
    fired: dict[str, dict[str, Any]] = {}
    if signals.staff_browser:
        fired["self_rating"] = {"staff_session_today": 1}
    if signals.visit_seconds is not None and signals.visit_seconds < thresholds.short_visit_seconds:
        fired["short_visit"] = {
            "visit_seconds": signals.visit_seconds,
            "minimum_seconds": thresholds.short_visit_seconds,
        }
    windows = (
        thresholds.burst_baseline_days * thresholds.burst_service_hours_per_day * 60 / thresholds.burst_window_minutes
    )
    usual = signals.baseline_answers / windows if windows > 0 else 0.0
    allowed = max(
        thresholds.burst_min_answers,
        int(thresholds.burst_factor * max(signals.plausible_tickets, usual)),
    )
    answers = signals.answers_in_window + 1  # this one
    if answers > allowed:
        fired["burst"] = {
            "window_minutes": thresholds.burst_window_minutes,
            "answers_in_window": answers,
            "plausible_tickets": signals.plausible_tickets,
            "usual_per_window": round(usual, 2),
            "allowed": allowed,
        }
    counters = signals.other_counters + 1  # this one
    if counters > thresholds.fingerprint_max_counters:
        fired["fingerprint_many_counters"] = {
            "window_hours": thresholds.fingerprint_window_hours,
            "counters": counters,
            "allowed": thresholds.fingerprint_max_counters,
        }
    if not signals.has_browser_cookie:
        fired["no_browser_cookie"] = {"browser_cookie": 0}
    if not fired:
        return None
    return Flag(reason=next(rule for rule in RULE_ORDER if rule in fired), details=fired)


# --- gathering the signals: one statement per answer ----------------------------------------------------------------

_RESPONSES = SurveyResponse.__table__
_TICKETS = Ticket.__table__
_MARKS = StaffBrowserMark.__table__
_SIGNALS: dict[str, Select[Any]] = {}  # per dialect: epoch_seconds differs


def _signals_statement() -> Select[Any]:
    """The counts the rules need, in one SELECT of scalar subqueries, each answered by an index
    (``ix_survey_responses_counter_submitted``, ``ix_tickets_unit_finished``, the marks' primary key)."""
    dialect = db.engine.dialect.name
    if dialect not in _SIGNALS:
        in_window = (
            select(func.count())
            .select_from(_RESPONSES)
            .where(
                _RESPONSES.c.counter_id == bindparam("counter_id"),
                _RESPONSES.c.submitted_at > bindparam("window_start"),
            )
            .scalar_subquery()
        )
        baseline = (
            select(func.count())
            .select_from(_RESPONSES)
            .where(
                _RESPONSES.c.counter_id == bindparam("counter_id"),
                _RESPONSES.c.submitted_at > bindparam("baseline_start"),
                _RESPONSES.c.submitted_at <= bindparam("window_start"),
                _RESPONSES.c.status == "valid",
            )
            .scalar_subquery()
        )
        plausible = (
            select(func.count())
            .select_from(_TICKETS)
            .where(
                _TICKETS.c.unit_id == bindparam("unit_id"),
                _TICKETS.c.finished_at > bindparam("window_start"),
                _TICKETS.c.finished_at <= bindparam("at"),
                _TICKETS.c.counter_id == bindparam("counter_id"),
                epoch_seconds(_TICKETS.c.finished_at) - epoch_seconds(_TICKETS.c.issued_at)
                >= bindparam("short_visit_seconds"),
            )
            .scalar_subquery()
        )
        other_counters = (
            select(func.count(func.distinct(_RESPONSES.c.counter_id)))
            .where(
                _RESPONSES.c.client_fingerprint.in_(bindparam("fingerprints", expanding=True)),
                _RESPONSES.c.submitted_at > bindparam("fingerprint_since"),
                # Said again on the partition key (an answer counts at or before its submission), so that only
                # the latest partitions are searched.
                _RESPONSES.c.counted_at > bindparam("fingerprint_counted_since"),
                _RESPONSES.c.counter_id != bindparam("counter_id"),
            )
            .scalar_subquery()
        )
        marked = exists().where(
            _MARKS.c.unit_id == bindparam("unit_id"),
            _MARKS.c.day == bindparam("day"),
            _MARKS.c.browser_mark == bindparam("mark"),
        )
        _SIGNALS[dialect] = select(
            in_window.label("answers_in_window"),
            plausible.label("plausible_tickets"),
            baseline.label("baseline_answers"),
            marked.label("staff_browser"),
            other_counters.label("other_counters"),
        )
    return _SIGNALS[dialect]


def submission_signals(
    *,
    unit_id: int,
    timezone: str,
    counter_id: int,
    at: datetime,
    browser_id: str | None,
    ticket: Ticket | None,
    thresholds: FlagThresholds,
    fingerprints: tuple[str, ...] = (),
) -> Signals:
    """The signals of one answer about to be stored at ``counter_id`` at ``at`` (one SQL statement).

    ``fingerprints`` are the browser's recent daily fingerprints; they are looked up only when the POST carried the
    survey's own browser cookie (without it the fingerprint is the network's and would join strangers).
    """
    window_start = at - timedelta(minutes=thresholds.burst_window_minutes)
    fingerprint_since = at - timedelta(hours=thresholds.fingerprint_window_hours)
    day = at.astimezone(ZoneInfo(timezone)).date()
    row = (
        db.session.connection()
        .execute(
            _signals_statement(),
            {
                "counter_id": counter_id,
                "unit_id": unit_id,
                "at": at,
                "window_start": window_start,
                "baseline_start": window_start - timedelta(days=thresholds.burst_baseline_days),
                "short_visit_seconds": thresholds.short_visit_seconds,
                "day": day,
                # Without a browser id no mark can match; "" is never a mark.
                "mark": staff_browser_mark(browser_id, unit_id, day) if browser_id else "",
                "fingerprints": list(fingerprints) if browser_id else [""],
                "fingerprint_since": fingerprint_since,
                "fingerprint_counted_since": fingerprint_since
                - timedelta(days=current_app.config["TICKET_SURVEY_MAX_AGE_DAYS"] + 1),
            },
        )
        .one()
    )
    visit = None
    if ticket is not None and ticket.finished_at is not None:
        visit = int(ticket.finished_at.timestamp()) - int(ticket.issued_at.timestamp())
    return Signals(
        has_browser_cookie=browser_id is not None,
        staff_browser=bool(row.staff_browser),
        visit_seconds=visit,
        answers_in_window=row.answers_in_window,
        plausible_tickets=row.plausible_tickets,
        baseline_answers=row.baseline_answers,
        other_counters=row.other_counters,
    )


# --- staff browser marks (the self_rating rule) ----------------------------------------------------------------------


def _mark_key() -> bytes:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"staff-browser-mark", hashlib.sha256).digest()


def staff_browser_mark(browser_id: str, unit_id: int, day: date) -> str:
    """The stored form of "this browser held a staff session of this unit on this local day": a keyed HMAC."""
    message = f"{unit_id}:{day.isoformat()}:{browser_id}".encode()
    return hmac.new(_mark_key(), message, hashlib.sha256).hexdigest()[:32]


def mark_staff_browser(browser_id: str, unit_ids: Iterable[int], at: datetime) -> None:
    """Remember that this browser held a staff session (a login, a counter sign-in) of these units today.

    It survives logout: an answer from this browser to these units on the same local day is flagged
    ``self_rating``. Marks older than :data:`MARK_KEEP_DAYS` days are deleted. The caller commits.
    """
    ids = sorted(set(unit_ids))
    if not ids:
        return
    rows = []
    for unit_id, timezone in db.session.execute(select(Unit.id, Unit.timezone).where(Unit.id.in_(ids))):
        day = at.astimezone(ZoneInfo(timezone)).date()
        rows.append({"unit_id": unit_id, "day": day, "browser_mark": staff_browser_mark(browser_id, unit_id, day)})
    if not rows:
        return
    connection = db.session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(_MARKS).values(rows).on_conflict_do_nothing())
    connection.execute(delete(_MARKS).where(_MARKS.c.day < at.date() - timedelta(days=MARK_KEEP_DAYS)))


# --- changing a response's status after submission -------------------------------------------------------------------


class FlagError(DomainError):
    """A status change that is not possible; ``message`` says why in the user's language."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class StatusChange:
    """What one decision changed on a response: the changed fields only, as its audit row has them."""

    response_id: int
    unit_id: int
    before: dict[str, Any]
    after: dict[str, Any]


def _tracked(response: SurveyResponse) -> dict[str, Any]:
    return {
        "status": response.status,
        "status_reason": response.status_reason,
        "flag_reason": response.flag_reason,
    }


def _change(
    response_id: int, *, action: str, allowed_from: tuple[str, ...], status: str, reason: str, **fields: Any
) -> StatusChange:
    """The one place a stored response's status changes, audited as ``action`` (spec §7) in the same transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise FlagError(_l("Alasan wajib diisi."))
    if len(reason) > 200:
        raise FlagError(_l("Alasan paling banyak 200 karakter."))
    response = db.session.get(SurveyResponse, response_id, with_for_update=True)
    if response is None:
        raise FlagError(_l("Tidak ada jawaban dengan nomor %(id)d.", id=response_id))
    if response.status not in allowed_from:
        raise FlagError(
            _l(
                "Jawaban %(id)d berstatus %(status)s; tindakan ini hanya untuk status %(allowed)s.",
                id=response_id,
                status=response.status,
                allowed=", ".join(allowed_from),
            )
        )
    before = _tracked(response)
    response.status = status
    response.status_reason = reason
    for name, value in fields.items():
        setattr(response, name, value)
    response.status_changed_at = now()
    db.session.flush()
    changed_before, changed_after = changed_fields(before, _tracked(response))
    record_audit(
        action,
        entity="response",
        entity_id=response.id,
        unit_id=response.unit_id,
        before=changed_before,
        after=changed_after,
        reason=reason,
    )
    return StatusChange(response.id, response.unit_id, changed_before, changed_after)


def release_response(response_id: int, *, reason: str) -> StatusChange:
    """A moderator finds a flagged (or earlier excluded) answer genuine: it becomes ``valid`` and counts from the next
    run (spec §7). This is also how an exclusion is undone."""
    return _change(
        response_id, action="response.release", allowed_from=("flagged", "excluded"), status="valid", reason=reason
    )


def exclude_response(response_id: int, *, reason: str) -> StatusChange:
    """A moderator rejects a flagged (or valid) answer: ``excluded`` counts nowhere, and stays stored for audit."""
    return _change(
        response_id, action="response.exclude", allowed_from=("flagged", "valid"), status="excluded", reason=reason
    )


def flag_response(response_id: int, *, code: str, reason: str, details: dict[str, Any] | None = None) -> StatusChange:
    """Flag a valid answer by hand or from a later rule (``fingerprint_many_counters``, ``staff_appeal``)."""
    if code not in FLAG_REASONS:
        raise FlagError(_l("Kode tanda %(code)s tidak dikenal.", code=code))
    response = db.session.get(SurveyResponse, response_id)
    earlier = dict(response.flag_details or {}) if response is not None else {}
    return _change(
        response_id,
        action="response.flag",
        allowed_from=("valid",),
        status="flagged",
        reason=reason,
        flag_reason=code,
        flag_details={**earlier, code: details or {}},
    )


def flag_same_browser(
    fingerprints: tuple[str, ...], *, at: datetime, thresholds: FlagThresholds, details: dict[str, Any], but: int
) -> list[StatusChange]:
    """Flag ``fingerprint_many_counters`` on the browser's earlier answers of the window that still count.

    Called when the rule fired on a new answer (``but``, flagged already): the answers that came before it from the
    same browser are the same scripted run. Each is one audited change by the system (actor ``system``).
    """
    since = at - timedelta(hours=thresholds.fingerprint_window_hours)
    earlier = db.session.scalars(
        select(SurveyResponse.id)
        .where(
            SurveyResponse.client_fingerprint.in_(list(fingerprints)),
            SurveyResponse.submitted_at > since,
            SurveyResponse.counted_at > since - timedelta(days=current_app.config["TICKET_SURVEY_MAX_AGE_DAYS"] + 1),
            SurveyResponse.status == "valid",
            SurveyResponse.id != but,
        )
        .order_by(SurveyResponse.id)
    ).all()
    reason = (
        f"Peramban yang sama menjawab {details.get('counters')} loket dalam {thresholds.fingerprint_window_hours} jam"
    )
    with acting_as(Actor("system", None, "flags")):
        return [
            flag_response(response_id, code="fingerprint_many_counters", reason=reason, details=details)
            for response_id in earlier
        ]


def flagged_responses(unit_id: int | None = None, limit: int = 200) -> list[SurveyResponse]:
    """The flagged answers awaiting a decision, oldest first (``unit_id`` None: every unit)."""
    query = (
        select(SurveyResponse)
        .options(selectinload(SurveyResponse.counter), selectinload(SurveyResponse.employee))
        .where(SurveyResponse.status == "flagged")
    )
    if unit_id is not None:
        query = query.where(SurveyResponse.unit_id == unit_id)
    return list(db.session.scalars(query.order_by(SurveyResponse.submitted_at, SurveyResponse.id).limit(limit)))
