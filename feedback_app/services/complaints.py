"""Complaints (pengaduan), suggestions and requests for information, tracked by code (spec §2.4, §7).

A citizen files one from the thank-you page (it carries the survey comment, the counter and the employee who
served them) or from the unit's public page. The unit's complaint handlers (role ``complaints``, and the unit's
admin) verify it, classify it (the class sets the SP4N-LAPOR due dates), answer, forward it to another unit of the
same instansi, reject it with a reason, and close it. Every step by staff leaves one audit row; the citizen's
filing is recorded with actor kind ``citizen``. Answers are mailed when the citizen left an e-mail address and
SMTP is configured. The contact is erased 90 days after the complaint ended (:func:`erase_old_contacts`).
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from scoring import add_working_days

from ..clock import now
from ..extensions import db
from ..identifiers import format_tracking_code, mask_personal_data, new_tracking_code
from ..models import (
    COMMENT_MAX_CHARS,
    COMPLAINT_CATEGORIES,
    COMPLAINT_KINDS,
    Complaint,
    ComplaintEvent,
    Counter,
    Unit,
)
from .audit import record_audit
from .errors import DomainError
from .sufficient_statistics import holidays_between

#: Working days to the first response and to settlement, by category (spec §2.4; a saran is answered like
#: information). A dispute needing examination gets 14 and 60.
DUE_WORKING_DAYS = {"information": (3, 5), "complaint": (3, 5), "dispute": (14, 60)}
#: The category a filing starts with, from what the citizen chose; the desk may reclassify it.
CATEGORY_OF_KIND = {"pengaduan": "complaint", "saran": "information", "informasi": "information"}
#: How long a contact is kept after the complaint ended (UU 27/2022: no longer than needed for the reply).
CONTACT_KEPT_DAYS = 90
#: States in which the desk still owes the citizen something.
OPEN_STATES = ("diterima", "diverifikasi", "ditindaklanjuti", "dijawab", "diteruskan")
#: States that end a complaint; the contact is erased CONTACT_KEPT_DAYS after the step that reached one.
FINAL_STATES = ("selesai", "ditolak")
ANSWER_MAX_CHARS = 4000
CONTACT_MAX_CHARS = 120

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^(\+62|62|0)8\d{7,11}$")


class ComplaintError(DomainError):
    """A complaint cannot be filed or changed as asked; ``code`` names the rule for the view's message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- filing -------------------------------------------------------------------------------------------------------


def normalise_contact(contact: str | None) -> str | None:
    """An e-mail address or an Indonesian mobile number as the citizen typed it (spaces and dashes dropped)."""
    text = (contact or "").strip()
    if not text:
        return None
    if len(text) > CONTACT_MAX_CHARS:
        raise ComplaintError("contact", "The contact is too long.")
    if "@" in text:
        if not _EMAIL.match(text):
            raise ComplaintError("contact", "This is not an e-mail address.")
        return text
    phone = re.sub(r"[\s\-().]", "", text)
    if not _PHONE.match(phone):
        raise ComplaintError("contact", "This is not a mobile number (08…, +628…) nor an e-mail address.")
    return phone


def due_dates(unit: Unit, received_at: datetime, category: str) -> tuple[date, date]:
    """The last local dates for the first response and for settlement (SP4N-LAPOR working days, spec §2.4)."""
    first, settle = DUE_WORKING_DAYS[category]
    received = received_at.astimezone(unit.zone).date()
    holidays = holidays_between(received, received + timedelta(days=settle * 2 + 60), unit.id)
    return add_working_days(received, first, holidays), add_working_days(received, settle, holidays)


def file_complaint(
    unit: Unit,
    *,
    kind: str,
    text: str,
    contact: str | None = None,
    counter: Counter | None = None,
    employee_id: int | None = None,
    survey_response_id: int | None = None,
    locale: str = "id",
    at: datetime | None = None,
) -> Complaint:
    """Store a citizen's complaint, suggestion or request with a fresh tracking code (the caller commits)."""
    if kind not in COMPLAINT_KINDS:
        raise ComplaintError("kind", f"kind must be one of {', '.join(COMPLAINT_KINDS)}")
    body = (text or "").strip()
    if not body:
        raise ComplaintError("text_required", "Say what happened or what you ask.")
    if len(body) > COMMENT_MAX_CHARS:
        raise ComplaintError("text_length", f"At most {COMMENT_MAX_CHARS} characters.")
    if counter is not None and counter.unit_id != unit.id:
        raise ComplaintError("counter", "The counter belongs to another unit.")
    if survey_response_id is not None and db.session.scalar(
        select(Complaint.id).where(Complaint.survey_response_id == survey_response_id)
    ):
        raise ComplaintError("already_filed", "This answer was already turned into a complaint.")
    received_at = at or now()
    category = CATEGORY_OF_KIND[kind]
    first_due, settle_due = due_dates(unit, received_at, category)
    complaint = Complaint(
        unit_id=unit.id,
        tracking_code=_unused_code(),
        survey_response_id=survey_response_id,
        employee_id=employee_id,
        counter_id=counter.id if counter is not None else None,
        kind=kind,
        category=category,
        status="diterima",
        text=body,
        contact=normalise_contact(contact),
        locale=locale if locale in ("id", "en") else "id",
        received_at=received_at,
        first_response_due=first_due,
        settlement_due=settle_due,
    )
    complaint.events.append(ComplaintEvent(at=received_at, step="received", status="diterima", public=True))
    db.session.add(complaint)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # two filings of one answer at once: the unique survey_response_id decides
        raise ComplaintError("already_filed", "This answer was already turned into a complaint.") from None
    record_audit(
        "complaint.file",
        entity="complaint",
        entity_id=complaint.id,
        unit_id=unit.id,
        after={"kind": kind, "category": category, "status": "diterima", "contact_left": complaint.contact is not None},
    )
    return complaint


def _unused_code() -> str:
    for _ in range(8):
        code = new_tracking_code()
        if db.session.scalar(select(Complaint.id).where(Complaint.tracking_code == code)) is None:
            return code
    raise ComplaintError("code", "No free tracking code found; try again.")  # 29⁹ codes: practically never


def find_by_code(code: str) -> Complaint | None:
    """The complaint of a canonical tracking code (see :func:`feedback_app.identifiers.normalise_tracking_code`)."""
    return db.session.scalar(select(Complaint).where(Complaint.tracking_code == code))


# --- the desk -----------------------------------------------------------------------------------------------------

#: step → (the states it may start from, the state it leads to); ``answer`` may be repeated.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "verify": (("diterima", "diteruskan"), "diverifikasi"),
    "classify": (("diverifikasi", "ditindaklanjuti"), "ditindaklanjuti"),
    "answer": (("diverifikasi", "ditindaklanjuti", "dijawab"), "dijawab"),
    "forward": (("diterima", "diverifikasi", "ditindaklanjuti", "diteruskan"), "diteruskan"),
    "reject": (("diterima", "diverifikasi", "diteruskan"), "ditolak"),
    "close": (("dijawab",), "selesai"),
}
STEP_OF_ACTION = {
    "verify": "verified",
    "classify": "classified",
    "answer": "answered",
    "forward": "forwarded",
    "reject": "rejected",
    "close": "closed",
}


def _move(complaint: Complaint, action: str, *, text: str | None, public: bool, reason: str | None = None) -> None:
    allowed, target = TRANSITIONS[action]
    if complaint.status not in allowed:
        raise ComplaintError("state", f"A complaint in state {complaint.status} cannot be given the step {action}.")
    before = {"status": complaint.status}
    at = now()
    complaint.status = target
    complaint.events.append(ComplaintEvent(at=at, step=STEP_OF_ACTION[action], status=target, public=public, text=text))
    record_audit(
        f"complaint.{action}",
        entity="complaint",
        entity_id=complaint.id,
        unit_id=complaint.unit_id,
        before=before,
        after={"status": target},
        reason=reason,
    )


def verify_complaint(complaint: Complaint) -> None:
    """The desk has read it and it is a matter for this unit."""
    _move(complaint, "verify", text=None, public=True)


def classify_complaint(complaint: Complaint, category: str) -> None:
    """Set the class (information, complaint, dispute) and with it the due dates (spec §2.4)."""
    if category not in COMPLAINT_CATEGORIES:
        raise ComplaintError("category", f"category must be one of {', '.join(COMPLAINT_CATEGORIES)}")
    old = complaint.category
    _move(complaint, "classify", text=None, public=False, reason=f"{old} → {category}")
    complaint.category = category
    complaint.first_response_due, complaint.settlement_due = due_dates(complaint.unit, complaint.received_at, category)


def answer_complaint(complaint: Complaint, text: str) -> ComplaintEvent:
    """An answer the citizen sees on the status page (and by mail); the first one is the first response."""
    body = (text or "").strip()
    if not body:
        raise ComplaintError("answer_required", "Write the answer.")
    if len(body) > ANSWER_MAX_CHARS:
        raise ComplaintError("answer_length", f"At most {ANSWER_MAX_CHARS} characters.")
    _move(complaint, "answer", text=body, public=True)
    if complaint.first_response_at is None:
        complaint.first_response_at = complaint.events[-1].at
    return complaint.events[-1]


def forward_complaint(complaint: Complaint, target: Unit) -> None:
    """Hand it to another unit of the same instansi; that unit's desk takes it over (and its deadlines)."""
    if target.id == complaint.unit_id:
        raise ComplaintError("forward_same", "The complaint is already with this unit.")
    if _instansi(target) != _instansi(complaint.unit):
        raise ComplaintError("forward_instansi", "A complaint can only go to a unit of the same instansi.")
    _move(complaint, "forward", text=target.name, public=True, reason=f"→ {target.slug}")
    complaint.forwarded_from_unit_id = complaint.unit_id
    complaint.unit_id = target.id
    complaint.unit = target


def forward_targets(unit: Unit) -> list[Unit]:
    """The other units of the unit's instansi (the tree under its topmost parent)."""
    root = _instansi(unit)
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    return [other for other in units if other.id != unit.id and _instansi(other) == root]


def _instansi(unit: Unit) -> int:
    while unit.parent is not None:
        unit = unit.parent
    return unit.id


def reject_complaint(complaint: Complaint, reason: str) -> None:
    """Not a complaint this desk can handle; the reason is shown to the citizen."""
    body = (reason or "").strip()
    if not body:
        raise ComplaintError("reason_required", "Give the reason.")
    if len(body) > ANSWER_MAX_CHARS:
        raise ComplaintError("reason_length", f"At most {ANSWER_MAX_CHARS} characters.")
    _move(complaint, "reject", text=body, public=True, reason=body)
    complaint.reject_reason = body


def close_complaint(complaint: Complaint) -> None:
    """Settled (selesai): the settlement time ends here."""
    _move(complaint, "close", text=None, public=True)
    complaint.settled_at = complaint.events[-1].at


# --- reading ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskRow:
    complaint: Complaint
    overdue: bool  # a due date has passed with its step not done


def is_overdue(complaint: Complaint, today: date) -> bool:
    """A first response or a settlement whose last day (unit's zone) has passed without it."""
    if complaint.status not in OPEN_STATES:
        return False
    answer_due, settle_due = complaint.first_response_due, complaint.settlement_due
    late_answer = complaint.first_response_at is None and answer_due is not None and answer_due < today
    late_settlement = settle_due is not None and settle_due < today
    return late_answer or late_settlement


def desk_complaints(units: list[Unit], *, include_done: bool = False, limit: int = 200) -> list[DeskRow]:
    """The complaints of these units, overdue first, then the oldest open; ended ones only with ``include_done``."""
    if not units:
        return []
    query = select(Complaint).where(Complaint.unit_id.in_([unit.id for unit in units]))
    if not include_done:
        query = query.where(Complaint.status.in_(OPEN_STATES))
    complaints = db.session.scalars(query.order_by(Complaint.received_at).limit(limit)).all()
    rows = [DeskRow(c, is_overdue(c, now().astimezone(c.unit.zone).date())) for c in complaints]
    return sorted(rows, key=lambda row: (not row.overdue, row.complaint.status in FINAL_STATES))


def public_view(complaint: Complaint) -> dict[str, object]:
    """What the status page may show: the code, kind, state, the masked text and the public timeline."""
    return {
        "code": format_tracking_code(complaint.tracking_code),
        "unit": complaint.unit.name,
        "kind": complaint.kind,
        "status": complaint.status,
        "text": mask_personal_data(complaint.text or ""),
        "events": [event for event in complaint.events if event.public],
        "zone": complaint.unit.timezone,
        "first_response_due": complaint.first_response_due,
        "settlement_due": complaint.settlement_due,
    }


# --- mail and erasure ---------------------------------------------------------------------------------------------


def mail_answer(complaint: Complaint, event: ComplaintEvent, status_url: str) -> bool:
    """Mail an answer to the citizen when they left an e-mail address and SMTP is configured; True if sent.

    A mail server that is down does not undo the answer: it stays on the status page, and the failure is logged.
    """
    server = current_app.config.get("MAIL_SERVER")
    if not server or not complaint.contact or "@" not in complaint.contact:
        return False
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = complaint.contact
    code = format_tracking_code(complaint.tracking_code)
    if complaint.locale == "en":
        message["Subject"] = f"Answer to your complaint {code} – {complaint.unit.name}"
        intro = f"{complaint.unit.name} has answered your complaint {code}:"
        outro = f"The whole timeline: {status_url}"
    else:
        message["Subject"] = f"Jawaban atas pengaduan {code} – {complaint.unit.name}"
        intro = f"{complaint.unit.name} telah menjawab pengaduan Anda {code}:"
        outro = f"Seluruh riwayatnya: {status_url}"
    message.set_content(f"{intro}\n\n{event.text}\n\n{outro}\n")
    try:
        with smtplib.SMTP(server, int(current_app.config.get("MAIL_PORT", 25)), timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("complaint %s: the answer could not be mailed: %s", complaint.id, error)
        return False
    return True


def erase_old_contacts(at: datetime | None = None) -> int:
    """Erase the contact of every complaint that ended (selesai or ditolak) more than 90 days ago; the count.

    One audit row for the whole erasure (spec §7: a bulk action is one row with its counts). The caller commits.
    """
    cutoff = (at or now()) - timedelta(days=CONTACT_KEPT_DAYS)
    ended = (
        select(ComplaintEvent.complaint_id)
        .where(ComplaintEvent.step.in_(("closed", "rejected")))
        .group_by(ComplaintEvent.complaint_id)
        .having(func.max(ComplaintEvent.at) <= cutoff)
    )
    complaints = db.session.scalars(
        select(Complaint).where(
            Complaint.status.in_(FINAL_STATES), Complaint.contact.is_not(None), Complaint.id.in_(ended)
        )
    ).all()
    erased_at = at or now()
    for complaint in complaints:
        complaint.contact = None
        complaint.contact_erased_at = erased_at
    if complaints:
        record_audit(
            "complaint.erase_contacts",
            entity="complaint",
            after={"erased": len(complaints), "ended_before": cutoff},
            reason=f"contacts are kept {CONTACT_KEPT_DAYS} days after a complaint ends",
        )
    db.session.flush()
    return len(complaints)
