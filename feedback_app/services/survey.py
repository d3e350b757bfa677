"""Storing a citizen's SKM answers: validation of the domain rules, attribution, duplicates, idempotency.

Two channels (spec §2.1): the counter's QR poster (attributed to whoever was on duty) and the ticket's QR
(attributed to the employee who served that ticket, one answer per ticket).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Boolean, Row, bindparam, case, insert, literal, null, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from ..extensions import db
from ..models import (
    AGE_BANDS,
    COMMENT_MAX_CHARS,
    EDUCATIONS,
    OCCUPATIONS,
    SEXES,
    UNSUR_CODES,
    Counter,
    CounterAssignment,
    Employee,
    ServiceType,
    SurveyResponse,
    Ticket,
    Unit,
    UnitFlagParameters,
    counter_service_types,
)
from .attribution import (
    OnDuty,
    decide_duty,
    duty_from_reference,
    oldest_counting_sign_in,
    on_duty_here,
    placed_candidates,
    sign_duty,
    ticket_duty,
)
from .errors import DomainError, InvalidSubmission
from .flags import evaluate_flags, flag_same_browser, flag_thresholds, submission_signals
from .tokens import TicketTokenInvalid, is_retired_poster, verify_counter_token, verify_ticket_token

PROFILE_CHOICES = {
    "respondent_sex": SEXES,
    "age_band": AGE_BANDS,
    "education": EDUCATIONS,
    "occupation": OCCUPATIONS,
}


@dataclass(frozen=True)
class Submission:
    """What the citizen sent, already parsed by the form."""

    answers: dict[str, int]  # "u1".."u9" -> 1..4
    submission_key: str
    comment: str | None = None
    profile: dict[str, str | None] = field(default_factory=dict)
    service_type_id: int | None = None
    locale: str = "id"


class TicketAlreadyAnswered(DomainError):
    """A ticket takes one answer; this one has it already (nothing was stored)."""


@dataclass(frozen=True)
class SubmissionResult:
    response_id: int
    created: bool  # False when the same form was posted again (a retry): nothing new was stored


def _check_answers(submission: Submission) -> None:
    missing = [code for code in UNSUR_CODES if code not in submission.answers]
    if missing:
        raise InvalidSubmission(f"missing answers: {', '.join(missing)}")
    for code in UNSUR_CODES:
        value = submission.answers[code]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
            raise InvalidSubmission(f"{code} must be an integer 1-4, got {value!r}")
    for name, choice in submission.profile.items():
        if name not in PROFILE_CHOICES or (choice is not None and choice not in PROFILE_CHOICES[name]):
            raise InvalidSubmission(f"unknown profile value {name}={choice!r}")
    if submission.comment and len(submission.comment) > COMMENT_MAX_CHARS:
        raise InvalidSubmission("comment too long")


@dataclass(frozen=True)
class SurveyUnit:
    name: str
    timezone: str
    slug: str
    flag_parameters: dict[str, Any] | None = None  # the unit's own flag thresholds, read with the counter


@dataclass(frozen=True)
class SurveyService:
    id: int
    name: str


@dataclass(frozen=True)
class SurveyCounter:
    """What the survey needs to know of a counter; read with one Core query on the hot path.

    It has the attribute names of :class:`~feedback_app.models.Counter`, so either serves the survey.
    """

    id: int
    unit_id: int
    public_code: str
    name: str
    active: bool
    poster_version: int
    unit: SurveyUnit
    service_types: tuple[SurveyService, ...]


_COUNTER_BY_CODE = (
    select(
        Counter.id,
        Counter.unit_id,
        Counter.public_code,
        Counter.name,
        Counter.active,
        Counter.poster_version,
        Unit.name.label("unit_name"),
        Unit.timezone,
        Unit.slug.label("unit_slug"),
        ServiceType.id.label("service_id"),
        ServiceType.name.label("service_name"),
        UnitFlagParameters.parameters.label("flag_parameters"),
    )
    .join(Unit, Unit.id == Counter.unit_id)
    .outerjoin(UnitFlagParameters, UnitFlagParameters.unit_id == Counter.unit_id)
    .outerjoin(counter_service_types, counter_service_types.c.counter_id == Counter.id)
    .outerjoin(ServiceType, ServiceType.id == counter_service_types.c.service_type_id)
    .where(Counter.public_code == bindparam("code"))
    .order_by(ServiceType.name)
)


#: The survey page's one statement: the counter as :data:`_COUNTER_BY_CODE` reads it, each row joined to the
#: assignments that put someone on duty there at ``at`` (service types × candidates: a handful of rows).
_duty = aliased(CounterAssignment)
_duty_employee = aliased(Employee)
_COUNTER_ON_DUTY = (
    _COUNTER_BY_CODE.add_columns(
        _duty.id.label("duty_id"),
        _duty.employee_id.label("duty_employee_id"),
        _duty.source.label("duty_source"),
        _duty_employee.name.label("duty_name"),
    )
    .outerjoin(_duty, on_duty_here(_duty, Counter.id, bindparam("at"), bindparam("oldest_open_sign_in")))
    .outerjoin(_duty_employee, _duty_employee.id == _duty.employee_id)
    .order_by(_duty.starts_at.desc())
)


def find_survey_counter(public_code: str) -> SurveyCounter | None:
    """The counter a QR code names (codes are upper case), with its unit and service types."""
    rows = db.session.connection().execute(_COUNTER_BY_CODE, {"code": public_code.upper()}).all()
    return _survey_counter(rows) if rows else None


def find_survey_counter_on_duty(public_code: str, at: datetime) -> tuple[SurveyCounter, OnDuty] | None:
    """:func:`find_survey_counter` and who is on duty there at ``at`` (:func:`~.attribution.on_duty`), in one
    statement: the blank survey page needs both, and it is the page every citizen opens."""
    rows = (
        db.session.connection()
        .execute(
            _COUNTER_ON_DUTY,
            {"code": public_code.upper(), "at": at, "oldest_open_sign_in": oldest_counting_sign_in(at)},
        )
        .all()
    )
    if not rows:
        return None
    candidates = {
        row.duty_id: SimpleNamespace(
            id=row.duty_id, employee_id=row.duty_employee_id, source=row.duty_source, name=row.duty_name
        )
        for row in rows
        if row.duty_id is not None
    }  # first appearance keeps the newest-first order
    counter = _survey_counter(rows)
    local_day = at.astimezone(ZoneInfo(counter.unit.timezone)).date()
    return counter, decide_duty(placed_candidates(candidates.values(), counter.unit_id, local_day))


class PosterUnknown(DomainError):
    """No counter has this code, or the token was not signed for it (both look the same to the citizen: 404)."""


class PosterRetired(DomainError):
    """A genuine poster of the counter, printed before its posters were revoked ("Cabut poster lama")."""

    def __init__(self, counter: SurveyCounter) -> None:
        super().__init__(counter.public_code)
        self.counter = counter


class CounterClosed(DomainError):
    """The counter is no longer in service."""

    def __init__(self, counter: SurveyCounter) -> None:
        super().__init__(counter.public_code)
        self.counter = counter


def _checked_poster(counter: SurveyCounter | None, token: str) -> SurveyCounter:
    """``counter`` if ``token`` is its current poster and it is in service; else the domain error saying why."""
    if counter is not None and not verify_counter_token(counter, token):
        if is_retired_poster(counter, token):
            raise PosterRetired(counter)
        counter = None
    if counter is None:
        raise PosterUnknown(token)
    if not counter.active:
        raise CounterClosed(counter)
    return counter


def counter_for_poster(public_code: str, token: str) -> SurveyCounter:
    """The counter a QR link names; raises :class:`PosterUnknown`, :class:`PosterRetired` or
    :class:`CounterClosed`."""
    return _checked_poster(find_survey_counter(public_code), token)


@dataclass(frozen=True)
class SurveyPage:
    """What a blank counter survey page shows: the counter, who is on duty, and the signed reference to that."""

    counter: SurveyCounter
    duty: OnDuty
    duty_reference: str


def open_counter_survey(public_code: str, token: str, at: datetime) -> SurveyPage:
    """The blank survey page of a poster (:func:`counter_for_poster`'s errors), with who is on duty at ``at``."""
    found = find_survey_counter_on_duty(public_code, at)
    counter = _checked_poster(found[0] if found else None, token)
    assert found is not None  # _checked_poster refused a missing counter
    duty = found[1]
    return SurveyPage(counter, duty, sign_duty(counter.id, duty))


def _survey_counter(rows: Sequence[Row[*tuple[Any, ...]]]) -> SurveyCounter:
    first = rows[0]
    services = {row.service_id: row.service_name for row in rows if row.service_id is not None}  # by name
    return SurveyCounter(
        id=first.id,
        unit_id=first.unit_id,
        public_code=first.public_code,
        name=first.name,
        active=first.active,
        poster_version=first.poster_version,
        unit=SurveyUnit(first.unit_name, first.timezone, first.unit_slug, first.flag_parameters or {}),
        service_types=tuple(SurveyService(service_id, name) for service_id, name in services.items()),
    )


def _check_counter(counter: Counter | SurveyCounter, submission: Submission) -> None:
    if submission.service_type_id is not None and submission.service_type_id not in {
        service.id for service in counter.service_types
    }:
        raise InvalidSubmission("service type not offered at this counter")
    if not counter.active:
        raise InvalidSubmission("counter is not active")


_RESPONSES = SurveyResponse.__table__
#: A counter-QR answer is a ``duplicate`` when the same browser (any of its recent daily fingerprints) gave a valid
#: answer for the same counter inside the duplicate window; it is still stored, for audit (spec §2.1).
_DUPLICATE_REASON = "same browser answered for this counter within the duplicate window"
_EARLIER_VALID_ANSWER = (
    select(_RESPONSES.c.id)
    .where(
        _RESPONSES.c.counter_id == bindparam("duplicate_counter_id"),
        _RESPONSES.c.client_fingerprint.in_(bindparam("fingerprints", expanding=True)),
        _RESPONSES.c.submitted_at > bindparam("duplicate_since"),
        # Implied by the line above (an answer counts at its submission, or at its ticket's finish, which is at
        # most TICKET_SURVEY_MAX_AGE_DAYS before it): said again on the partition key, so only the latest
        # partitions of survey_responses are searched however many years of answers are kept.
        _RESPONSES.c.counted_at > bindparam("duplicate_counted_since"),
        _RESPONSES.c.status == "valid",
    )
    .limit(1)
    .exists()
)
#: Every column an answer sets itself; ``status`` and ``status_reason`` come from the duplicate check and the flags.
_ANSWER_COLUMNS = tuple(
    c.name for c in _RESPONSES.c if c.name not in ("id", "status", "status_reason", "status_changed_at")
)
#: The write of an answer: the duplicate check runs inside the INSERT (INSERT … SELECT … EXISTS). A duplicate
#: stays ``duplicate`` (it counts nowhere already); otherwise a flag from :func:`~.flags.evaluate_flags` makes it
#: ``flagged`` (``flag_reason`` and ``flag_details`` are stored either way).
_INSERT_RESPONSE = (
    insert(_RESPONSES)
    .from_select(
        [*_ANSWER_COLUMNS, "status", "status_reason"],
        select(
            *(bindparam(name, type_=_RESPONSES.c[name].type) for name in _ANSWER_COLUMNS),
            case(
                (_EARLIER_VALID_ANSWER, literal("duplicate")),
                (bindparam("flagged", type_=Boolean), literal("flagged")),
                else_=literal("valid"),
            ),
            case((_EARLIER_VALID_ANSWER, literal(_DUPLICATE_REASON)), else_=null()),
        ),
    )
    .returning(_RESPONSES.c.id)
)


def find_survey_ticket(token: str) -> Ticket:
    """The ticket a ticket-QR token names, with its counter, unit and employee; raises
    :class:`~.tokens.TicketTokenInvalid` (also for a ticket that no longer exists) or
    :class:`~.tokens.TicketTokenExpired`."""
    ticket_id = verify_ticket_token(token)
    ticket = db.session.scalar(
        select(Ticket)
        .options(selectinload(Ticket.counter).selectinload(Counter.unit), selectinload(Ticket.employee))
        .where(Ticket.id == ticket_id)
    )
    if ticket is None:
        raise TicketTokenInvalid(token)
    return ticket


def ticket_answered(ticket_id: int) -> bool:
    """Whether the ticket's one survey answer has been given."""
    return _answer_for_ticket(ticket_id) is not None


def _answer_for_ticket(ticket_id: int) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.ticket_id == ticket_id))


def _answer_for_key(submission_key: str) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.submission_key == submission_key))


def submit_response(
    counter: Counter | SurveyCounter,
    submission: Submission,
    *,
    duty_reference: str | None = None,
    fingerprints: tuple[str, ...],
    browser_id: str | None,
    at: datetime,
    ticket: Ticket | None = None,
) -> SubmissionResult:
    """Store one response in the current transaction (the caller commits).

    Counter QR (``ticket`` is None): attributed to whoever the page's signed ``duty_reference`` names, or to
    whoever is on duty at ``at`` when it is missing, stale or for another counter
    (:func:`~.attribution.duty_from_reference`). ``fingerprints`` are the browser's daily-keyed
    fingerprints, today's first (see ``security``). A second answer from the same browser for the same counter
    inside the duplicate window is kept as ``duplicate`` for audit.

    Ticket QR: attributed by :func:`~.attribution.ticket_duty` (source ``ticket``), counted in the period of the
    ticket's finish, never a browser duplicate (the ticket itself is the limit); a second answer for the ticket raises
    :class:`TicketAlreadyAnswered`, also when two arrive at once (UNIQUE(ticket_id) decides).

    Either way a retried POST of the same form (same ``submission_key``) stores nothing and returns the first, and
    the flag rules (:mod:`.flags`) look at the answer first: ``browser_id`` is the id in the survey's signed browser
    cookie, None when the POST came without it. A flagged answer is stored and thanked like any other.
    """
    _check_answers(submission)
    if ticket is None:
        _check_counter(counter, submission)
        duty = duty_from_reference(duty_reference, counter.id, at)
    else:
        if ticket.counter_id != counter.id:
            raise InvalidSubmission("the ticket was served at another counter")
        if ticket.finished_at is None:
            raise InvalidSubmission("the ticket has not been finished")
        duty = ticket_duty(ticket)
    # A retried form (same submission_key) is caught by the unique constraint below, not by a query on every POST.
    if ticket is not None and _answer_for_ticket(ticket.id) is not None:
        raise TicketAlreadyAnswered(ticket.external_id)

    # The survey's counter carries its unit's thresholds (read with it); a model counter has them looked up.
    own = counter.unit.flag_parameters if isinstance(counter, SurveyCounter) else None
    thresholds = flag_thresholds(counter.unit_id, own=own)
    flag = evaluate_flags(
        submission_signals(
            unit_id=counter.unit_id,
            timezone=counter.unit.timezone,
            counter_id=counter.id,
            at=at,
            browser_id=browser_id,
            ticket=ticket,
            thresholds=thresholds,
            fingerprints=fingerprints,
        ),
        thresholds,
    )
    attributed = duty.source in ("ticket", "sign_in", "roster")
    duplicate_since = at - timedelta(minutes=current_app.config["SURVEY_DUPLICATE_WINDOW_MINUTES"])
    row = dict(
        unit_id=counter.unit_id,
        counter_id=counter.id,
        ticket_id=ticket.id if ticket is not None else None,
        service_type_id=ticket.service_type_id if ticket is not None else submission.service_type_id,
        employee_id=duty.employee_id if attributed else None,
        counter_assignment_id=duty.assignment_id if duty.source in ("sign_in", "roster") else None,
        attribution_source=duty.source,
        channel="ticket_qr" if ticket is not None else "counter_qr",
        comment=(submission.comment or "").strip() or None,
        locale=submission.locale,
        client_fingerprint=fingerprints[0],
        submission_key=submission.submission_key,
        submitted_at=at,
        counted_at=ticket.finished_at if ticket is not None and ticket.finished_at else at,
        **submission.answers,
        **{name: submission.profile.get(name) for name in PROFILE_CHOICES},  # a profile left out is unanswered
        # The duplicate check, also for a ticket: a browser that already answered this counter's poster is the
        # same visit.
        duplicate_counter_id=counter.id,
        fingerprints=list(fingerprints),
        flagged=flag is not None,
        flag_reason=flag.reason if flag is not None else None,
        flag_details=flag.details if flag is not None else None,
        duplicate_since=duplicate_since,
        duplicate_counted_since=duplicate_since - timedelta(days=current_app.config["TICKET_SURVEY_MAX_AGE_DAYS"] + 1),
    )
    try:
        # Core on the session's connection: the ORM's insert path costs more than the rest of the hot path.
        response_id = db.session.connection().execute(_INSERT_RESPONSE, row).scalar_one()
    except IntegrityError:
        # Two copies of one form raced each other (the other copy won, and this one is the retry), or two answers
        # for one ticket did. The response is the request's only write, so rolling back loses nothing.
        db.session.rollback()
        existing = _answer_for_key(submission.submission_key)
        if existing is not None:
            return SubmissionResult(existing.id, created=False)
        if ticket is not None and _answer_for_ticket(ticket.id) is not None:
            raise TicketAlreadyAnswered(ticket.external_id) from None
        raise
    if flag is not None and "fingerprint_many_counters" in flag.details:
        flag_same_browser(
            fingerprints,
            at=at,
            thresholds=thresholds,
            details=flag.details["fingerprint_many_counters"],
            but=response_id,
        )
    return SubmissionResult(response_id, created=True)
