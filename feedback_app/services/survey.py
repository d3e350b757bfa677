"""Storing a citizen's SKM answers: validation of the domain rules, attribution, duplicates, idempotency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    AGE_BANDS,
    EDUCATIONS,
    OCCUPATIONS,
    SEXES,
    UNSUR_CODES,
    Counter,
    SurveyResponse,
)
from .attribution import OnDuty
from .errors import InvalidSubmission

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


@dataclass(frozen=True)
class SubmissionResult:
    response: SurveyResponse
    created: bool  # False when the same form was posted again (a retry): nothing new was stored


def _check(counter: Counter, submission: Submission) -> None:
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
    if submission.comment and len(submission.comment) > current_app.config["SURVEY_COMMENT_MAX_CHARS"]:
        raise InvalidSubmission("comment too long")
    if submission.service_type_id is not None and submission.service_type_id not in {
        service.id for service in counter.service_types
    }:
        raise InvalidSubmission("service type not offered at this counter")
    if not counter.active:
        raise InvalidSubmission("counter is not active")


def _is_duplicate(counter_id: int, fingerprints: tuple[str, ...], at: datetime) -> bool:
    window = timedelta(minutes=current_app.config["SURVEY_DUPLICATE_WINDOW_MINUTES"])
    earlier = db.session.scalar(
        select(SurveyResponse.id)
        .where(
            SurveyResponse.counter_id == counter_id,
            SurveyResponse.client_fingerprint.in_(fingerprints),
            SurveyResponse.submitted_at > at - window,
            SurveyResponse.status == "valid",
        )
        .limit(1)
    )
    return earlier is not None


def submit_response(
    counter: Counter,
    submission: Submission,
    *,
    duty: OnDuty,
    fingerprints: tuple[str, ...],
    at: datetime,
) -> SubmissionResult:
    """Store one counter-QR response in the current transaction (the caller commits).

    ``fingerprints`` are the browser's daily-keyed fingerprints, today's first (see ``security``). A second answer
    from the same browser for the same counter inside the duplicate window is kept as ``duplicate`` for audit.
    """
    _check(counter, submission)
    existing = db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.submission_key == submission.submission_key)
    )
    if existing is not None:
        return SubmissionResult(existing, created=False)

    duplicate = _is_duplicate(counter.id, fingerprints, at)
    response = SurveyResponse(
        unit_id=counter.unit_id,
        counter_id=counter.id,
        service_type_id=submission.service_type_id,
        employee_id=duty.employee_id if duty.source in ("sign_in", "roster") else None,
        counter_assignment_id=duty.assignment_id if duty.source in ("sign_in", "roster") else None,
        attribution_source=duty.source,
        channel="counter_qr",
        comment=(submission.comment or "").strip() or None,
        locale=submission.locale,
        client_fingerprint=fingerprints[0],
        submission_key=submission.submission_key,
        status="duplicate" if duplicate else "valid",
        status_reason="same browser answered for this counter within the duplicate window" if duplicate else None,
        submitted_at=at,
        counted_at=at,
        **submission.answers,
        **{name: value for name, value in submission.profile.items()},
    )
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError:
        # Two copies of one form raced each other: the other copy won, and this one is the retry.
        # The response is the request's only write, so rolling the whole transaction back loses nothing.
        db.session.rollback()
        existing = db.session.scalar(
            select(SurveyResponse).where(SurveyResponse.submission_key == submission.submission_key)
        )
        if existing is None:
            raise
        return SubmissionResult(existing, created=False)
    return SubmissionResult(response, created=True)
