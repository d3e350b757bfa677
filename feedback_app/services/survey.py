"""Storing a citizen's SKM answers: validation of the domain rules, attribution, duplicates, idempotency.

Two channels (spec §2.1): the counter's QR poster (attributed to whoever was on duty) and the ticket's QR
(attributed to the employee who served that ticket, one answer per ticket).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    AGE_BANDS,
    COMMENT_MAX_CHARS,
    EDUCATIONS,
    OCCUPATIONS,
    SEXES,
    UNSUR_CODES,
    Counter,
    ServiceType,
    SurveyResponse,
    Ticket,
    Unit,
    counter_service_types,
)
from .attribution import OnDuty, on_duty
from .errors import DomainError, InvalidSubmission

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
    for name, value in submission.profile.items():
        if name not in PROFILE_CHOICES or (value is not None and value not in PROFILE_CHOICES[name]):
            raise InvalidSubmission(f"unknown profile value {name}={value!r}")
    if submission.comment and len(submission.comment) > COMMENT_MAX_CHARS:
        raise InvalidSubmission("comment too long")


@dataclass(frozen=True)
class SurveyUnit:
    name: str
    timezone: str


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
    select(Counter.id, Counter.unit_id, Counter.public_code, Counter.name, Counter.active, Counter.poster_version,
           Unit.name.label("unit_name"), Unit.timezone, ServiceType.id.label("service_id"),
           ServiceType.name.label("service_name"))
    .join(Unit, Unit.id == Counter.unit_id)
    .outerjoin(counter_service_types, counter_service_types.c.counter_id == Counter.id)
    .outerjoin(ServiceType, ServiceType.id == counter_service_types.c.service_type_id)
    .where(Counter.public_code == bindparam("code"))
    .order_by(ServiceType.name)
)


def find_survey_counter(public_code: str) -> SurveyCounter | None:
    """The counter a QR code names (codes are upper case), with its unit and service types."""
    rows = db.session.connection().execute(_COUNTER_BY_CODE, {"code": public_code.upper()}).all()
    if not rows:
        return None
    first = rows[0]
    return SurveyCounter(
        id=first.id, unit_id=first.unit_id, public_code=first.public_code, name=first.name, active=first.active,
        poster_version=first.poster_version, unit=SurveyUnit(first.unit_name, first.timezone),
        service_types=tuple(SurveyService(row.service_id, row.service_name) for row in rows
                            if row.service_id is not None),
    )


def _check_counter(counter: Counter | SurveyCounter, submission: Submission) -> None:
    if submission.service_type_id is not None and submission.service_type_id not in {
        service.id for service in counter.service_types
    }:
        raise InvalidSubmission("service type not offered at this counter")
    if not counter.active:
        raise InvalidSubmission("counter is not active")


_EARLIER_VALID_ANSWER = (
    select(SurveyResponse.id)
    .where(
        SurveyResponse.counter_id == bindparam("counter_id"),
        SurveyResponse.client_fingerprint.in_(bindparam("fingerprints", expanding=True)),
        SurveyResponse.submitted_at > bindparam("since"),
        SurveyResponse.status == "valid",
    )
    .limit(1)
)
_INSERT_RESPONSE = insert(SurveyResponse.__table__).returning(SurveyResponse.__table__.c.id)


def _is_duplicate(counter_id: int, fingerprints: tuple[str, ...], at: datetime) -> bool:
    window = timedelta(minutes=current_app.config["SURVEY_DUPLICATE_WINDOW_MINUTES"])
    earlier = db.session.connection().scalar(
        _EARLIER_VALID_ANSWER, {"counter_id": counter_id, "fingerprints": list(fingerprints), "since": at - window}
    )
    return earlier is not None


def ticket_duty(ticket: Ticket) -> OnDuty:
    """Whom a ticket's answer belongs to: the employee who served the ticket, else whoever was on duty at its
    counter when it finished, else the unit (spec §2.1)."""
    if ticket.employee_id is not None:
        return OnDuty(source="ticket", employee_id=ticket.employee_id,
                      employee_name=ticket.employee.name if ticket.employee else None)
    return on_duty(ticket.counter_id, ticket.finished_at or ticket.issued_at)


def _answer_for_ticket(ticket_id: int) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.ticket_id == ticket_id))


def _answer_for_key(submission_key: str) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.submission_key == submission_key))


def submit_response(
    counter: Counter | SurveyCounter,
    submission: Submission,
    *,
    duty: OnDuty | None = None,
    fingerprints: tuple[str, ...],
    at: datetime,
    ticket: Ticket | None = None,
) -> SubmissionResult:
    """Store one response in the current transaction (the caller commits).

    Counter QR (``ticket`` is None): attributed by ``duty``. ``fingerprints`` are the browser's daily-keyed
    fingerprints, today's first (see ``security``). A second answer from the same browser for the same counter
    inside the duplicate window is kept as ``duplicate`` for audit.

    Ticket QR: attributed by :func:`ticket_duty` (source ``ticket``), counted in the period of the ticket's finish,
    never a browser duplicate (the ticket itself is the limit); a second answer for the ticket raises
    :class:`TicketAlreadyAnswered`, also when two arrive at once (UNIQUE(ticket_id) decides).

    Either way a retried POST of the same form (same ``submission_key``) stores nothing and returns the first.
    """
    _check_answers(submission)
    if ticket is None:
        _check_counter(counter, submission)
        if duty is None:
            raise TypeError("a counter-QR response needs the duty it is attributed to")
    else:
        if ticket.counter_id != counter.id:
            raise InvalidSubmission("the ticket was served at another counter")
        if ticket.finished_at is None:
            raise InvalidSubmission("the ticket has not been finished")
        duty = ticket_duty(ticket)
    # A retried form (same submission_key) is caught by the unique constraint below, not by a query on every POST.
    if ticket is not None and _answer_for_ticket(ticket.id) is not None:
        raise TicketAlreadyAnswered(ticket.external_id)

    # Also for a ticket: a browser that already answered this counter's poster is the same visit.
    duplicate = _is_duplicate(counter.id, fingerprints, at)
    attributed = duty.source in ("ticket", "sign_in", "roster")
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
        status="duplicate" if duplicate else "valid",
        status_reason="same browser answered for this counter within the duplicate window" if duplicate else None,
        submitted_at=at,
        counted_at=ticket.finished_at if ticket is not None and ticket.finished_at else at,
        **submission.answers,
        **{name: value for name, value in submission.profile.items()},
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
    return SubmissionResult(response_id, created=True)
