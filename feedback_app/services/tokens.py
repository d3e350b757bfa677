"""Every signed token the application hands out, in one place: what it names, who signs it, how long it lives.

* **Counter QR** (``/s/<code>/<token>``): one character of key id and eight base32 characters of an HMAC-SHA256
  over the public code and the counter's poster version, keyed with ``QR_SIGNING_KEY`` (never ``SECRET_KEY``).
  Raising the poster version revokes every poster printed before; a new key id lets the key rotate while posters
  signed with a retired key (``QR_RETIRED_KEYS``) keep working until they are reprinted.
* **Ticket QR** (``/s/t/<token>``): the ticket id, stamped with the ticket's issue time, valid for
  ``TICKET_SURVEY_MAX_AGE_DAYS``.
* **Duty reference**: the survey page's record of who was on duty when it was shown, valid for
  ``DUTY_REFERENCE_MAX_AGE_MINUTES`` (what it means is :mod:`.attribution`'s business; this module only signs it).
* **Answer reference**: the thank-you page's link to a just-stored answer, for turning it into a complaint.

The timed tokens take their time from the application clock (:class:`ClockSigner`), so their ages are testable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from ..clock import now
from .errors import DomainError

if TYPE_CHECKING:
    from ..models import Ticket

SIGNATURE_CHARS = 8
#: How long the thank-you page's "turn this into a complaint" link stays valid.
ANSWER_REFERENCE_MAX_AGE = 24 * 3600


class Poster(Protocol):
    """What a counter's poster token is signed over (a :class:`~feedback_app.models.Counter` or the survey's
    lighter ``SurveyCounter``)."""

    @property
    def public_code(self) -> str: ...

    @property
    def poster_version(self) -> int: ...


class ClockSigner(TimestampSigner):
    """Timestamps from the application clock, so the age rules (30 minutes, 7 days) are testable."""

    def get_timestamp(self) -> int:
        return int(now().timestamp())


# --- the counter's QR poster -------------------------------------------------------------------------------------


def _keys() -> dict[str, str]:
    config = current_app.config
    keys = dict(config.get("QR_RETIRED_KEYS") or {})
    keys[config["QR_SIGNING_KEY_ID"]] = config["QR_SIGNING_KEY"]
    return keys


def _signature(key: str, code: str, poster_version: int) -> str:
    digest = hmac.new(key.encode(), f"{code}:{poster_version}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_CHARS].lower()


def counter_token(counter: Poster) -> str:
    """The token printed on the counter's current poster, signed with the current key."""
    key_id = current_app.config["QR_SIGNING_KEY_ID"]
    if len(key_id) != 1 or not key_id.isalnum():
        raise RuntimeError("QR_SIGNING_KEY_ID must be a single letter or digit")
    return key_id + _signature(current_app.config["QR_SIGNING_KEY"], counter.public_code, counter.poster_version)


def verify_counter_token(counter: Poster, token: str) -> bool:
    """Whether ``token`` was issued for this counter's current poster by a key we still honour."""
    if len(token) != 1 + SIGNATURE_CHARS or not token.isascii():
        return False
    key = _keys().get(token[0])
    if key is None:
        return False
    expected = _signature(key, counter.public_code, counter.poster_version)
    return hmac.compare_digest(expected, token[1:].lower())


def is_retired_poster(counter: Poster, token: str) -> bool:
    """Whether ``token`` was a genuine poster of this counter before its posters were revoked (an old print)."""
    if len(token) != 1 + SIGNATURE_CHARS or not token.isascii():
        return False
    key = _keys().get(token[0])
    if key is None:
        return False
    return any(
        hmac.compare_digest(_signature(key, counter.public_code, version), token[1:].lower())
        for version in range(1, counter.poster_version)
    )


def counter_survey_url(counter: Poster) -> str:
    """The absolute URL a citizen reaches by scanning the counter's poster."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/s/{counter.public_code}/{counter_token(counter)}"


# --- the ticket's QR code ----------------------------------------------------------------------------------------


class TicketTokenInvalid(DomainError):
    """A ticket survey token that was not signed by us (tampered, truncated, or for another purpose)."""


class TicketTokenExpired(DomainError):
    """A genuine ticket survey token older than ``TICKET_SURVEY_MAX_AGE_DAYS``."""


class _TicketSigner(ClockSigner):
    """Stamps a ticket's token with the ticket's issue time, so one ticket always prints the same URL (a retried
    ``issued`` answers exactly as before) and the token's age counts from the visit, not from the last request."""

    def __init__(self, *args: Any, stamp: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stamp = stamp

    def get_timestamp(self) -> int:
        return self._stamp if self._stamp is not None else super().get_timestamp()


def _ticket_serializer(stamp: int | None = None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="ticket-survey", signer=_TicketSigner, signer_kwargs={"stamp": stamp}
    )


def ticket_survey_token(ticket: Ticket) -> str:
    """A short signed token naming only the ticket id; single use because a ticket takes one answer."""
    return _ticket_serializer(int(ticket.issued_at.timestamp())).dumps(ticket.id)


def ticket_survey_url(ticket: Ticket) -> str:
    """The absolute URL the queue machine prints as a QR code on the ticket."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/s/t/{ticket_survey_token(ticket)}"


def verify_ticket_token(token: str) -> int:
    """The ticket id a survey token names; raises :class:`TicketTokenInvalid` or :class:`TicketTokenExpired`.

    The age counts from the ticket's issue; ``TICKET_SURVEY_MAX_AGE_DAYS`` (default 7) sets the limit. A stamp a
    little in the future (a queue machine's clock runs ahead) is not an error.
    """
    try:
        ticket_id, signed_at = _ticket_serializer().loads(token, return_timestamp=True)
    except (BadSignature, ValueError, TypeError, UnicodeError):
        raise TicketTokenInvalid(token) from None
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
        raise TicketTokenInvalid(token)
    max_age = timedelta(days=current_app.config["TICKET_SURVEY_MAX_AGE_DAYS"])
    if now() - signed_at > max_age:
        raise TicketTokenExpired(token)
    return ticket_id


# --- the survey page's duty reference ----------------------------------------------------------------------------

#: What a duty reference carries: counter id, source, employee id, assignment id, employee name.
DutyFields = tuple[int, str, int | None, int | None, str | None]


def _duty_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="on-duty", signer=ClockSigner)


def duty_reference(fields: DutyFields) -> str:
    """The signed reference the survey page carries to its submission (see :func:`.attribution.sign_duty`)."""
    return _duty_serializer().dumps(list(fields))


def read_duty_reference(reference: str | None) -> DutyFields | None:
    """The fields of an intact reference at most ``DUTY_REFERENCE_MAX_AGE_MINUTES`` old; None otherwise."""
    if not reference:
        return None
    max_age = current_app.config["DUTY_REFERENCE_MAX_AGE_MINUTES"] * 60
    try:
        counter_id, source, employee_id, assignment_id, name = _duty_serializer().loads(reference, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    return counter_id, source, employee_id, assignment_id, name


# --- the thank-you page's answer reference -----------------------------------------------------------------------


def _answer_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="complaint-from-answer")


def answer_reference(response_id: int) -> str:
    """A signed, expiring reference to a just-stored survey answer, for the thank-you page's complaint link."""
    return _answer_serializer().dumps(response_id)


def answer_from_reference(token: str | None) -> int | None:
    """The answer id of a reference made by :func:`answer_reference`; None when missing, altered or expired."""
    if not token:
        return None
    try:
        value = _answer_serializer().loads(token, max_age=ANSWER_REFERENCE_MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    return value if isinstance(value, int) else None
