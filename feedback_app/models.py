"""The domain model. Times are stored in UTC and shown in the unit's own zone (spec §5)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from .clock import now
from .extensions import db
from .identifiers import validate_nip

UNSUR_CODES = tuple(f"u{i}" for i in range(1, 10))
# spec §7: complaints handles the unit's complaints; head (kepala unit) reads the inbox, publishes runs, signs reports.
ROLES = ("admin", "hr", "supervisor", "staff", "complaints", "head")
JOB_STATES = ("queued", "running", "done", "failed")
AUDIT_ACTOR_KINDS = ("user", "cli", "token", "system", "citizen")
EMPLOYMENT_TYPES = ("PNS", "PPPK", "non-ASN")
UNIT_KINDS = ("dukcapil", "puskesmas", "other")
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
ATTRIBUTION_SOURCES = ("ticket", "sign_in", "roster", "ambiguous", "none")
RESPONSE_STATUSES = ("valid", "duplicate", "flagged", "excluded")
#: Why a response is (or was) ``flagged`` (spec §7); the flags module (services/flags.py) raises and decides them.
FLAG_REASONS = ("burst", "fingerprint_many_counters", "self_rating", "short_visit", "no_browser_cookie", "staff_appeal")
#: How an answer arrived: the counter poster, a queue ticket, or a paper questionnaire an admin typed in (which
#: counts for the unit's SKM only, never for an employee: it has no attribution).
CHANNELS = ("counter_qr", "ticket_qr", "paper")
TICKET_EVENTS = ("issued", "called", "started", "finished", "returned", "no_show")
TICKET_OUTCOMES = ("waiting", "called", "serving", "finished", "no_show")
ACTING_KINDS = ("plt", "plh")
SEXES = ("L", "P")
AGE_BANDS = ("<=19", "20-29", "30-39", "40-49", "50-59", ">=60")
EDUCATIONS = ("SD", "SMP", "SMA", "D1-D4", "S1", "S2+")
OCCUPATIONS = ("PNS", "TNI", "POLRI", "Swasta", "Wirausaha", "Lainnya")
COMMENT_MAX_CHARS = 2000


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both backends (SQLite keeps no zone, so it is stored naive in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if getattr(dialect, "name", "") == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Unit(db.Model):
    """A service unit (a Dukcapil office, a Puskesmas); ``parent`` is the instansi it belongs to."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),
        CheckConstraint("peer_min_answers IS NULL OR peer_min_answers >= 3", name="peer_min_answers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(40))  # IANA name, e.g. Asia/Makassar
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Days after a period ends before its runs are computed by themselves; None = PERIOD_CLOSE_GRACE_DAYS (3).
    period_close_grace_days: Mapped[int | None] = mapped_column(Integer)
    # The unit head's choice: show each employee's published ikp on the public unit page (n >= threshold only).
    public_employee_ratings: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Answers a colleague's 360° feedback needs before anyone sees it (issue 16); None = PEER_MIN_ANSWERS (3).
    peer_min_answers: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])
    counters: Mapped[list[Counter]] = relationship(back_populates="unit", order_by="Counter.public_code")
    service_types: Mapped[list[ServiceType]] = relationship(back_populates="unit", order_by="ServiceType.name")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_abbreviation(self) -> str:
        return ZONE_ABBREVIATIONS.get(self.timezone, self.timezone)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)


class ServiceType(db.Model):
    """A service offered by a unit, with its standards (spec §4)."""

    __tablename__ = "service_types"
    __table_args__ = (
        UniqueConstraint("unit_id", "name"),
        CheckConstraint("counter_standard_minutes > 0", name="counter_standard_positive"),
        CheckConstraint("fee_rupiah >= 0", name="fee_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The visit at the counter; a ticket is on time when finished - issued <= this (spec §2.3).
    counter_standard_minutes: Mapped[int] = mapped_column(Integer)
    # When the document or result is ready; informational, e.g. "3 hari kerja".
    completion_standard: Mapped[str] = mapped_column(String(80))
    fee_rupiah: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship(back_populates="service_types")


counter_service_types = Table(
    "counter_service_types",
    db.metadata,
    Column("counter_id", ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True),
    Column("service_type_id", ForeignKey("service_types.id", ondelete="CASCADE"), primary_key=True),
)


class Counter(db.Model):
    """A loket: the place a citizen is served and the QR poster hangs."""

    __tablename__ = "counters"
    __table_args__ = (CheckConstraint("poster_version >= 1", name="poster_version_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # Short code printed in the QR URL; unique across all units.
    public_code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the QR signature: raising it revokes every poster printed before.
    poster_version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship(back_populates="counters")
    service_types: Mapped[list[ServiceType]] = relationship(
        secondary=counter_service_types, order_by="ServiceType.name"
    )


class Employee(db.Model):
    """A person who serves citizens; ASN have a NIP (or NI PPPK), non-ASN staff do not (spec §5)."""

    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint(_in("employment_type", EMPLOYMENT_TYPES), name="employment_type"),
        CheckConstraint("nip IS NULL OR length(nip) = 18", name="nip_length"),
        CheckConstraint("employment_type = 'non-ASN' OR nip IS NOT NULL", name="asn_has_nip"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str | None] = mapped_column(String(18), unique=True)  # text, never a number
    name: Mapped[str] = mapped_column(String(200))
    employment_type: Mapped[str] = mapped_column(String(10))

    assignments: Mapped[list[EmployeeAssignment]] = relationship(
        back_populates="employee",
        foreign_keys="EmployeeAssignment.employee_id",
        order_by="EmployeeAssignment.valid_from",
    )

    @validates("nip")
    def _check_nip(self, _key: str, nip: str | None) -> str | None:
        return None if nip in (None, "") else validate_nip(nip)


class EmployeeAssignment(db.Model):
    """Where an employee works and who appraises them, for [valid_from, valid_until) in local dates.

    An acting supervisor (Plt: pelaksana tugas, Plh: pelaksana harian) is named in ``supervisor_id`` like a
    definitive one, on assignments that run for as long as the acting appointment; ``supervisor_acting`` says so.
    """

    __tablename__ = "employee_assignments"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="valid_range"),
        CheckConstraint("supervisor_id IS NULL OR supervisor_id <> employee_id", name="not_own_supervisor"),
        CheckConstraint(f"supervisor_acting IS NULL OR {_in('supervisor_acting', ACTING_KINDS)}", name="acting"),
        CheckConstraint("supervisor_acting IS NULL OR supervisor_id IS NOT NULL", name="acting_needs_supervisor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    position: Mapped[str] = mapped_column(String(120))
    # The pejabat penilai kinerja for this stretch of time.
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    # "plt" or "plh" when the supervisor named here is only acting in the post; NULL for the definitive holder.
    supervisor_acting: Mapped[str | None] = mapped_column(String(3))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    employee: Mapped[Employee] = relationship(back_populates="assignments", foreign_keys=[employee_id])
    supervisor: Mapped[Employee | None] = relationship(foreign_keys=[supervisor_id])
    unit: Mapped[Unit] = relationship()


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    """A login. Roles are a set; ``unit`` limits what an admin, HR or supervisor sees (None = every unit)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Part of every session's user id ("<id>:<epoch>"): raising it ends every session of the account at once
    # (logout, a new password, deactivation), including a session cookie copied elsewhere.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    unit: Mapped[Unit | None] = relationship()
    employee: Mapped[Employee | None] = relationship()

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    @roles.setter
    def roles(self, roles: set[str] | frozenset[str]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        self.role_rows = [UserRole(role=role) for role in sorted(roles)]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def set_password(self, password: str) -> None:
        """A new password; every session opened with the old one ends."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """End every session of this account (the caller commits)."""
        self.session_epoch = (self.session_epoch or 0) + 1

    @validates("active")
    def _deactivation_ends_sessions(self, _key: str, active: bool) -> bool:
        if self.active and not active:
            self.end_sessions()
        return active

    def get_id(self) -> str:
        """The session's user id: the account and its session epoch (see ``auth.load_user``)."""
        return f"{self.id}:{self.session_epoch or 0}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active


class CounterAssignment(db.Model):
    """An employee on a counter for [starts_at, ends_at): planned (roster) or live (sign_in, open until sign-out)."""

    __tablename__ = "counter_assignments"
    __table_args__ = (
        CheckConstraint("source IN ('roster', 'sign_in')", name="source"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="time_range"),
        Index("ix_counter_assignments_lookup", "counter_id", "source", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    counter: Mapped[Counter] = relationship()
    employee: Mapped[Employee] = relationship()


class Ticket(db.Model):
    """One service transaction; the times are derived from its events (spec §2.3)."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("unit_id", "external_id"),
        CheckConstraint(_in("outcome", TICKET_OUTCOMES), name="outcome"),
        Index("ix_tickets_unit_finished", "unit_id", "finished_at"),
        Index("ix_tickets_unit_issued", "unit_id", "issued_at"),  # service-time statistics select by issue time
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # Unique per unit, e.g. "2026-10-01-A012" (queue machines reset their numbers daily).
    external_id: Mapped[str] = mapped_column(String(64))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id"), index=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)  # who served it
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first call
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10), default="waiting")
    returned: Mapped[bool] = mapped_column(Boolean, default=False)  # sent back for correction at least once

    counter: Mapped[Counter] = relationship()
    service_type: Mapped[ServiceType] = relationship()
    employee: Mapped[Employee | None] = relationship()


class TicketEvent(db.Model):
    """Append-only log of what happened to a ticket; (ticket, event, at) is the idempotency key (spec §6)."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "event", "at"),
        CheckConstraint(_in("event", TICKET_EVENTS), name="event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    event: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class SurveyResponse(db.Model):
    """One citizen's SKM answers, attributed per spec §2.1. Only ``status == 'valid'`` counts in any index."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        *(CheckConstraint(f"{code} BETWEEN 1 AND 4", name=f"{code}_range") for code in UNSUR_CODES),
        CheckConstraint(_in("status", RESPONSE_STATUSES), name="status"),
        CheckConstraint(_in("attribution_source", ATTRIBUTION_SOURCES), name="attribution_source"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(f"comment IS NULL OR length(comment) <= {COMMENT_MAX_CHARS}", name="comment_length"),
        CheckConstraint(f"respondent_sex IS NULL OR {_in('respondent_sex', SEXES)}", name="respondent_sex"),
        CheckConstraint(f"age_band IS NULL OR {_in('age_band', AGE_BANDS)}", name="age_band"),
        CheckConstraint(f"education IS NULL OR {_in('education', EDUCATIONS)}", name="education"),
        CheckConstraint(f"occupation IS NULL OR {_in('occupation', OCCUPATIONS)}", name="occupation"),
        CheckConstraint(
            "(attribution_source IN ('ambiguous', 'none')) = (employee_id IS NULL)", name="attributed_iff_employee"
        ),
        Index("ix_survey_responses_unit_period", "unit_id", "status", "counted_at"),
        Index("ix_survey_responses_employee_period", "employee_id", "status", "counted_at"),
        Index("ix_survey_responses_duplicates", "counter_id", "client_fingerprint", "submitted_at"),
        Index("ix_survey_responses_counter_submitted", "counter_id", "submitted_at", "status"),  # the burst rule
        # The fingerprint_many_counters rule: one browser's answers of the last day, whatever the counter.
        Index("ix_survey_responses_fingerprint_submitted", "client_fingerprint", "submitted_at"),
        # "berubah sejak perhitungan terakhir": a unit's status changes after a run (spec §7).
        Index("ix_survey_responses_unit_status_changed", "unit_id", "status_changed_at"),
        CheckConstraint(f"flag_reason IS NULL OR {_in('flag_reason', FLAG_REASONS)}", name="flag_reason"),
        CheckConstraint("status <> 'flagged' OR flag_reason IS NOT NULL", name="flagged_has_reason"),
        # Only a paper questionnaire may lack a counter (attributed to the unit only), and it is never an employee's.
        CheckConstraint("counter_id IS NOT NULL OR channel = 'paper'", name="counter_unless_paper"),
        CheckConstraint("channel <> 'paper' OR employee_id IS NULL", name="paper_never_attributed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))  # None: a paper sheet for the unit
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)
    service_type_id: Mapped[int | None] = mapped_column(ForeignKey("service_types.id"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    counter_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("counter_assignments.id"))
    attribution_source: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(12))

    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)

    comment: Mapped[str | None] = mapped_column(Text)  # saran; raw text, escaped and masked on display
    respondent_sex: Mapped[str | None] = mapped_column(String(1))
    age_band: Mapped[str | None] = mapped_column(String(6))
    education: Mapped[str | None] = mapped_column(String(6))
    occupation: Mapped[str | None] = mapped_column(String(10))
    locale: Mapped[str] = mapped_column(String(5), default="id")

    # HMAC of the browser id under a key that changes every day: spots repeats, identifies nobody.
    client_fingerprint: Mapped[str] = mapped_column(String(32))
    # Random per rendered form: a retried POST of the same form stores nothing new.
    submission_key: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="valid")
    # Why the status is what it is: the duplicate rule's wording, or the moderator's reason for a release, an
    # exclusion or a flag by hand. A flag raised at submission leaves it empty (flag_reason says why).
    status_reason: Mapped[str | None] = mapped_column(String(200))
    # The rule that flagged the response (FLAG_REASONS); kept after a release or exclusion as its history.
    flag_reason: Mapped[str | None] = mapped_column(String(30))
    # The numbers that raised it, one entry per rule that fired, e.g. {"short_visit": {"visit_seconds": 14, ...}}.
    flag_details: Mapped[dict | None] = mapped_column(JSON)
    # When a moderator (or a later rule) last changed the status; a run older than this is out of date (spec §7).
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The instant that decides the period: the ticket's finish when there is a ticket, else submitted_at.
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    counter: Mapped[Counter | None] = relationship()
    employee: Mapped[Employee | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    @property
    def answers(self) -> dict[str, int]:
        return {code.upper(): getattr(self, code) for code in UNSUR_CODES}


# --- Machine clients and the counter console (queue-machine API, spec §6) ---------------------------------------


#: What a token may do (space-separated in ``ApiToken.scopes``): a queue machine sends its unit's ticket events;
#: an HR system reads the indicators of the units it is given.
API_SCOPES = ("ticket_events:write", "indicators:read")

api_token_units = Table(
    "api_token_units",
    db.metadata,
    Column("api_token_id", ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class ApiToken(db.Model):
    """A bearer token of a machine client; only its SHA-256 is stored, the token is shown once.

    ``unit`` is the unit that owns it (its admin manages it; ticket events are stored for it); ``units`` are the
    units it may read (with the units below them in the instansi tree); ``scopes`` what it may do there.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, to recognise a token in lists and logs
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Space-separated API_SCOPES; tokens made before scopes existed are queue machines (migration 0014).
    scopes: Mapped[str] = mapped_column(
        String(100), default="ticket_events:write", server_default="ticket_events:write"
    )

    unit: Mapped[Unit] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary=api_token_units, order_by="Unit.name")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_set


class ConsoleAction(db.Model):
    """One button press on the counter console; the form's idempotency key makes a double click count once."""

    __tablename__ = "console_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


# --- Inputs of the score runs that come from people rather than machines (spec §2.4, §3) --------------------------

BERAKHLAK_VALUES = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")
RATINGS = ("di_bawah", "sesuai", "di_atas")
COMPLAINT_CATEGORIES = ("information", "complaint", "dispute")
COMPLAINT_KINDS = ("pengaduan", "saran", "informasi")  # what the citizen chose when filing
# spec §7: diterima → diverifikasi → ditindaklanjuti → dijawab → selesai, plus diteruskan and ditolak.
COMPLAINT_STATES = ("diterima", "diverifikasi", "ditindaklanjuti", "dijawab", "selesai", "diteruskan", "ditolak")
COMPLAINT_STEPS = ("received", "verified", "classified", "answered", "forwarded", "rejected", "closed")


class Holiday(db.Model):
    """A public holiday (not a working day for SP4N-LAPOR deadlines); maintained by the admin."""

    __tablename__ = "holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class UnitHoliday(db.Model):
    """A regional holiday (hari libur daerah) of one unit: not a working day there, on top of the national list."""

    __tablename__ = "unit_holidays"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


#: The aspects of an SKP target in the national form (PermenPANRB 6/2022): quantity, quality, time, cost.
TARGET_ASPECTS = ("kuantitas", "kualitas", "waktu", "biaya")
#: Codes of a score run's employee indicators that can fill a target's realisation (see services/appraisals.py).
TARGET_INDICATOR_CODES = (
    "tickets_finished",
    "on_time_rate",
    "tickets_per_working_day",
    "ikp",
    "wait_median_minutes",
    "service_median_minutes",
    "error_rate",
)


class EmployeeTarget(db.Model):
    """One SKP target of an employee for a period in the national shape, and its realisation (spec §3 capaian).

    ``work_plan`` is the rencana hasil kerja, ``name`` the indikator kinerja individu under it. Where a score
    run measures the indicator (``indicator_code``), the appraisal desk fills the realisation from the run.
    """

    __tablename__ = "employee_targets"
    __table_args__ = (
        UniqueConstraint("employee_id", "period_id", "name"),
        CheckConstraint("target <> 0", name="target_not_zero"),
        CheckConstraint(_in("aspect", TARGET_ASPECTS), name="aspect"),
        CheckConstraint(
            f"indicator_code IS NULL OR {_in('indicator_code', TARGET_INDICATOR_CODES)}", name="indicator_code"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    period_id: Mapped[str] = mapped_column(String(10))  # "2026-Q3", "2026"
    work_plan: Mapped[str | None] = mapped_column(String(300))  # rencana hasil kerja
    name: Mapped[str] = mapped_column(String(200))  # indikator kinerja individu
    aspect: Mapped[str] = mapped_column(String(10), default="kuantitas", server_default="kuantitas")
    target: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    realisation: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    lower_is_better: Mapped[bool] = mapped_column(Boolean, default=False)
    measure_unit: Mapped[str | None] = mapped_column(String(40))  # satuan: "berkas", "menit", "%"
    indicator_code: Mapped[str | None] = mapped_column(String(40))


class Complaint(db.Model):
    """A citizen's complaint, suggestion or request for information, tracked by code (spec §2.4, §7 lifecycle).

    ``category`` is the desk's classification (it sets the due dates); ``kind`` is what the citizen chose. The
    contact is shown unmasked only to the unit's complaint handlers and erased 90 days after ``selesai``.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(_in("category", COMPLAINT_CATEGORIES), name="category"),
        CheckConstraint(_in("kind", COMPLAINT_KINDS), name="kind"),
        CheckConstraint(_in("status", COMPLAINT_STATES), name="status"),
        CheckConstraint("settled_at IS NULL OR status = 'selesai'", name="settled_iff_done"),
        Index("ix_complaints_unit_status", "unit_id", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)  # canonical, no dashes; see complaints.py
    survey_response_id: Mapped[int | None] = mapped_column(ForeignKey("survey_responses.id"), unique=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    kind: Mapped[str] = mapped_column(String(12), default="pengaduan", server_default="pengaduan")
    category: Mapped[str] = mapped_column(String(12), default="complaint")
    status: Mapped[str] = mapped_column(String(16), default="diterima", server_default="diterima")
    text: Mapped[str | None] = mapped_column(Text)  # the citizen's words; masked on every page but the desk's
    # A phone number or e-mail address for the reply (optional); NULL again once erased.
    contact: Mapped[str | None] = mapped_column(String(120))
    contact_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str] = mapped_column(String(5), default="id", server_default="id")  # the language mails go out in
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Local dates in the unit's zone, from received_at and the category (SP4N-LAPOR working days, spec §2.4).
    first_response_due: Mapped[date | None] = mapped_column(Date)
    settlement_due: Mapped[date | None] = mapped_column(Date)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first answer the citizen sees
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forwarded_from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # the desk it came from
    reject_reason: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    forwarded_from: Mapped[Unit | None] = relationship(foreign_keys=[forwarded_from_unit_id])
    employee: Mapped[Employee | None] = relationship()
    counter: Mapped[Counter | None] = relationship()
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan"
    )


class ComplaintEvent(db.Model):
    """One step of a complaint's timeline; ``public`` steps (and their text) are shown on the status page."""

    __tablename__ = "complaint_events"
    __table_args__ = (CheckConstraint(_in("step", COMPLAINT_STEPS), name="step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    step: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16))  # the complaint's status after this step
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    text: Mapped[str | None] = mapped_column(Text)  # an answer, a reason, the unit it went to

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class BehaviourRating(db.Model):
    """A supervisor's rating of work behaviour on the seven BerAKHLAK values for one period (spec §3)."""

    __tablename__ = "behaviour_ratings"
    __table_args__ = (
        UniqueConstraint("employee_id", "period_id"),
        *(CheckConstraint(_in(value, RATINGS), name=value) for value in BERAKHLAK_VALUES),
        CheckConstraint(f"overall IS NULL OR {_in('overall', RATINGS)}", name="overall"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    period_id: Mapped[str] = mapped_column(String(10))
    berorientasi_pelayanan: Mapped[str] = mapped_column(String(8))
    akuntabel: Mapped[str] = mapped_column(String(8))
    kompeten: Mapped[str] = mapped_column(String(8))
    harmonis: Mapped[str] = mapped_column(String(8))
    loyal: Mapped[str] = mapped_column(String(8))
    adaptif: Mapped[str] = mapped_column(String(8))
    kolaboratif: Mapped[str] = mapped_column(String(8))
    overall: Mapped[str | None] = mapped_column(String(8))  # the supervisor's confirmed or overridden rating
    override_reason: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)  # umpan balik berkelanjutan
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


# --- Appraisals (spec §3): the supervisor's decision, with the evidence it was based on ---------------------------

APPRAISAL_STATUSES = ("draft", "confirmed")
#: Stored predikat codes → scoring's Predikat names.
PREDIKAT_CODES = ("sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang")


class Appraisal(db.Model):
    """One employee's appraisal for one period by their pejabat penilai kinerja (spec §3, §7).

    Suggested ratings are kept beside the confirmed ones; a confirmed rating that differs from its suggestion
    carries the supervisor's reason. ``version`` rises with every save, so a form read before someone else saved
    is refused instead of overwriting their work.
    """

    __tablename__ = "appraisals"
    __table_args__ = (
        UniqueConstraint("employee_id", "period_id"),
        CheckConstraint(_in("status", APPRAISAL_STATUSES), name="status"),
        *(
            CheckConstraint(f"{column} IS NULL OR {_in(column, RATINGS)}", name=column)
            for column in ("suggested_hasil", "confirmed_hasil", "suggested_perilaku", "confirmed_perilaku")
        ),
        CheckConstraint(f"predikat IS NULL OR {_in('predikat', PREDIKAT_CODES)}", name="predikat"),
        CheckConstraint(
            "status = 'draft' OR (confirmed_hasil IS NOT NULL AND confirmed_perilaku IS NOT NULL "
            "AND predikat IS NOT NULL AND confirmed_at IS NOT NULL)",
            name="confirmed_is_complete",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_appraisals_unit_period", "unit_id", "period_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the employee's unit at the period's end
    period_id: Mapped[str] = mapped_column(String(10))
    appraiser_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # who saved it last
    # The score run whose evidence the supervisor saw; a newer run of the period makes the page warn.
    score_run_id: Mapped[int | None] = mapped_column(ForeignKey("score_runs.id"))
    suggested_hasil: Mapped[str | None] = mapped_column(String(8))
    confirmed_hasil: Mapped[str | None] = mapped_column(String(8))
    hasil_reason: Mapped[str | None] = mapped_column(Text)  # required when confirmed differs from suggested
    average_capaian: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    suggested_perilaku: Mapped[str | None] = mapped_column(String(8))
    confirmed_perilaku: Mapped[str | None] = mapped_column(String(8))
    perilaku_reason: Mapped[str | None] = mapped_column(Text)
    predikat: Mapped[str | None] = mapped_column(String(16))  # the matrix of the two confirmed ratings
    status: Mapped[str] = mapped_column(String(10), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which evidence the form showed when it was last saved: the run, n of the citizens' U7 answers and the
    # colleagues' 360° round(s) with their n (issue 16); shown as the appraisal's explanation.
    evidence_shown: Mapped[dict | None] = mapped_column(JSON)

    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])
    appraiser: Mapped[Employee] = relationship(foreign_keys=[appraiser_id])
    score_run: Mapped[ScoreRun | None] = relationship()

    # Every save sets version + 1 itself; the UPDATE also requires the old version, so two saves racing on the
    # same version cannot both land (the second raises StaleDataError).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


# --- Score runs (spec §6): every computed indicator, kept with its explanation for audit ---------------------------


class UnitScoringParameters(db.Model):
    """A unit's own scoring parameters (spec defaults where absent); copied into every run."""

    __tablename__ = "unit_scoring_parameters"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    parameters: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class UnitFlagParameters(db.Model):
    """A unit's own flag thresholds (services/flags.py), over the ``FLAG_*`` settings where absent."""

    __tablename__ = "unit_flag_parameters"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    parameters: Mapped[dict] = mapped_column(JSON)  # only the thresholds the unit has set, e.g. {"burst_factor": 4}
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class PeriodPopulation(db.Model):
    """The number of service users of a period as the unit admin entered it: Krejcie–Morgan's N (spec §1.4, §7).

    The next run of that period uses it; without an entry a run takes the unit's finished tickets.
    """

    __tablename__ = "period_populations"
    __table_args__ = (
        UniqueConstraint("unit_id", "period_id"),
        CheckConstraint("population >= 1", name="population_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period_id: Mapped[str] = mapped_column(String(10))  # 2026-Q3, 2026-07, 2026-S2, 2026
    population: Mapped[int] = mapped_column(Integer)
    entered_by: Mapped[str] = mapped_column(String(80))  # the login at the time
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ScoreRun(db.Model):
    """One computation of a unit's indicators for a period. A newer run supersedes it; old runs stay readable."""

    __tablename__ = "score_runs"
    __table_args__ = (Index("ix_score_runs_unit_period", "unit_id", "period_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period_id: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)  # local dates, [start, end)
    period_end: Mapped[date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)  # the period had not ended yet
    parameters: Mapped[dict] = mapped_column(JSON)
    code_version: Mapped[str] = mapped_column(String(64))
    # sha256 of the sufficient statistics read, the parameters and the code version (issue 15); NULL before 0017
    input_digest: Mapped[str | None] = mapped_column(String(71))
    input_counts: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("score_runs.id"))
    # Set when the unit head or an admin publishes a final run; the public page shows only these (spec §7).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(80))  # the login at the time
    follow_up_plan: Mapped[str | None] = mapped_column(Text)  # rencana tindak lanjut, shown with the published run

    unit: Mapped[Unit] = relationship()
    indicators: Mapped[list[ScoreIndicator]] = relationship(back_populates="run", cascade="all, delete-orphan")


class ScoreIndicator(db.Model):
    """One indicator of one employee (or of the unit when employee_id is NULL) in a run, with its explanation."""

    __tablename__ = "score_indicators"
    __table_args__ = (
        Index("ix_score_indicators_run_employee", "run_id", "employee_id"),
        CheckConstraint("status IN ('ok', 'insufficient_data', 'not_available')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id", ondelete="CASCADE"))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    code: Mapped[str] = mapped_column(String(40))  # ikm, ikp, wait_p50_minutes, on_time_rate, ...
    status: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))  # the headline figure (shrunk where that applies)
    n: Mapped[int | None] = mapped_column(Integer)
    explanation: Mapped[dict] = mapped_column(JSON)  # inputs, formula, parameters, result (scoring's to_dict())

    run: Mapped[ScoreRun] = relationship(back_populates="indicators")


class DailySecret(db.Model):
    """The random key of one UTC day's browser fingerprints; deleted after two days, so old ones cannot be linked."""

    __tablename__ = "daily_secrets"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))


class SkmReport(db.Model):
    """The unit's own parts of its SKM report for one period (spec §1.5): what the unit writes and signs.

    Kept per period, not per score run: a recomputed run must not lose the follow-up plan or the signature. Any
    change to the text after signing removes the signature, so a signed report is always the text that was signed.
    """

    __tablename__ = "skm_reports"
    __table_args__ = (UniqueConstraint("unit_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period_id: Mapped[str] = mapped_column(String(10))
    follow_up_plan: Mapped[str | None] = mapped_column(Text)  # rencana tindak lanjut
    conclusion_note: Mapped[str | None] = mapped_column(Text)  # the unit's words added to the generated Kesimpulan
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_by: Mapped[str] = mapped_column(String(80))  # the login at the time
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_name: Mapped[str | None] = mapped_column(String(200))  # the head's name and NIP as signed
    signed_nip: Mapped[str | None] = mapped_column(String(18))
    signed_on: Mapped[date | None] = mapped_column(Date)  # the local date of signing

    unit: Mapped[Unit] = relationship()


# --- The audit trail (spec §7): one append-only row per write by a person, a machine or the system ------------------


class AuditEvent(db.Model):
    """One action that changed something, written in the same transaction as the change (services/audit.py).

    On PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE (migration 0005), so the trail is append-only.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(_in("actor_kind", AUDIT_ACTOR_KINDS), name="actor_kind"),
        Index("ix_audit_events_unit_at", "unit_id", "at"),
        Index("ix_audit_events_entity", "entity", "entity_id"),
        Index("ix_audit_events_actor", "actor_kind", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(Integer)  # users.id or api_tokens.id; no FK, the trail outlives them
    actor_login: Mapped[str | None] = mapped_column(String(80))  # the login (or token prefix) at the time
    unit_id: Mapped[int | None] = mapped_column(Integer)  # no FK either: an audit row must never block a change
    action: Mapped[str] = mapped_column(String(60))  # a dotted verb: appraisal.override, counter.rotate_qr
    entity: Mapped[str] = mapped_column(String(40))  # what was changed: appraisal, counter, response ...
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)  # the changed fields only, personal data masked
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(32))  # ties the rows of one HTTP request or CLI call


# --- Background jobs (spec §7): score runs per unit, run by Celery in production or a thread in make run/tests -----


class ScoreJob(db.Model):
    """One unit's score run for one period, queued from the HR page or a period close, with its progress.

    The partial unique index over queued and running jobs is what refuses a second start of the same unit and period.
    """

    __tablename__ = "score_jobs"
    __table_args__ = (
        CheckConstraint(_in("state", JOB_STATES), name="state"),
        CheckConstraint("done >= 0 AND total >= done", name="progress"),
        Index(
            "uq_score_jobs_active",
            "unit_id",
            "period_id",
            unique=True,
            sqlite_where=text("state IN ('queued', 'running')"),
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
        Index("ix_score_jobs_requested", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period_id: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)  # steps of the run completed
    total: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("score_runs.id"))
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(80))  # a login, "cli:<user>" or "system:period-close"
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the instant the run is computed as of
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker's last sign of life; a running job whose heartbeat is old belonged to a dead worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship()
    run: Mapped[ScoreRun | None] = relationship()


class StaffBrowserMark(db.Model):
    """A browser that held a staff session or a counter sign-in of a unit on one local day (the ``self_rating`` flag).

    Only a keyed HMAC of the browser's id (its signed survey cookie) is kept, per unit and day, never the cookie;
    rows are deleted two days later.
    """

    __tablename__ = "staff_browser_marks"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # local date in the unit's zone
    browser_mark: Mapped[str] = mapped_column(String(32), primary_key=True)


# --- Staff: appeals, development suggestions and account safety (issue 12) ---------------------------------------

APPEAL_KINDS = ("shift", "comment", "indicator", "predikat")
APPEAL_STATES = ("open", "accepted", "rejected")
#: Why a shift is contested (spec §7); comments are contested as abusive, indicators and predikat by statement.
APPEAL_GROUNDS = ("not_on_duty", "served_by_colleague", "abusive", "statement")
STAFF_UNSUR = ("U3", "U6", "U7")


class Appeal(db.Model):
    """A keberatan of an employee against a shift, a comment, an indicator or a predikat (spec §7).

    ``subject_key`` names what is contested (``shift:12``, ``comment:345``, ``indicator:7:2026-Q3:ikp:3``,
    ``predikat:3:2026-Q3``); ``open_subject`` repeats it while the appeal is open, so a unique constraint allows
    one open appeal per subject (NULLs never collide) and any number of decided ones.
    """

    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint(_in("kind", APPEAL_KINDS), name="kind"),
        CheckConstraint(_in("state", APPEAL_STATES), name="state"),
        CheckConstraint(_in("ground", APPEAL_GROUNDS), name="ground"),
        CheckConstraint("(state = 'open') = (open_subject IS NOT NULL)", name="open_subject_iff_open"),
        CheckConstraint("state = 'open' OR (decision_reason IS NOT NULL AND decided_at IS NOT NULL)", name="decided"),
        Index("ix_appeals_employee_filed", "employee_id", "filed_at"),
        Index("ix_appeals_unit_state", "unit_id", "state", "filed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(10))
    subject_key: Mapped[str] = mapped_column(String(80), index=True)
    open_subject: Mapped[str | None] = mapped_column(String(80), unique=True)
    ground: Mapped[str] = mapped_column(String(20))
    statement: Mapped[str] = mapped_column(Text)  # the employee's own words
    period_id: Mapped[str | None] = mapped_column(String(10))  # indicator and predikat appeals
    counter_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("counter_assignments.id"), index=True)
    # survey_responses is becoming a partitioned table (composite key): the id is kept without a foreign key.
    survey_response_id: Mapped[int | None] = mapped_column(Integer, index=True)
    score_run_id: Mapped[int | None] = mapped_column(ForeignKey("score_runs.id"))
    indicator_code: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default="open")
    # Who decides, fixed when it is filed: the supervisor (of the supervisor, for a predikat) on the subject's
    # date; NULL means an admin of the unit (no supervisor, and comments, which are moderated).
    decider_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # What an accepted shift appeal changed (the re-attributed answers and who they named), kept for audit.
    effect: Mapped[dict | None] = mapped_column(JSON)

    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])
    decider: Mapped[Employee | None] = relationship(foreign_keys=[decider_id])
    unit: Mapped[Unit] = relationship()
    counter_assignment: Mapped[CounterAssignment | None] = relationship()
    score_run: Mapped[ScoreRun | None] = relationship()


class TrainingTopic(db.Model):
    """A unit's development suggestion (topik pelatihan) for a weak staff-attributable unsur; defaults in code."""

    __tablename__ = "training_topics"
    __table_args__ = (CheckConstraint(_in("unsur", STAFF_UNSUR), name="unsur"),)

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    unsur: Mapped[str] = mapped_column(String(3), primary_key=True)
    topic: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class LoginThrottle(db.Model):
    """Failed logins per account name or per network, each keyed by an HMAC (never a raw login or IP address)."""

    __tablename__ = "login_throttles"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    key: Mapped[str] = mapped_column(String(48), primary_key=True)  # "acct:<hmac>" or "net:<hmac>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(db.Model):
    """A one-time password reset link made by an admin; only the token's SHA-256 is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


# --- 360° peer feedback (issue 16): colleagues rate each other's work behaviour, anonymously -------------------------

PEER_ROUND_STATES = ("open", "closed")
#: A colleague's answer to one BerAKHLAK value: the three ratings of spec §3, or "tidak tahu".
PEER_CHOICES = (*RATINGS, "tidak_tahu")
PEER_SENTENCE_MAX = 300


class PeerRound(db.Model):
    """One round of 360° feedback for a supervisor's team and a period, open until its closing date.

    One round per team and period (a retried form opens nothing twice). ``invited_count`` and ``answered_count``
    are frozen when the round closes, because the rater links they were counted from are deleted then.
    """

    __tablename__ = "peer_rounds"
    __table_args__ = (
        UniqueConstraint("team_supervisor_id", "period_id"),
        CheckConstraint(_in("state", PEER_ROUND_STATES), name="state"),
        CheckConstraint("min_answers >= 3", name="min_answers"),
        CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="closed_iff_closed_at"),
        Index("ix_peer_rounds_unit_state", "unit_id", "state", "closes_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period_id: Mapped[str] = mapped_column(String(10))
    # The pejabat penilai whose team (at the period's end) rates each other.
    team_supervisor_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    closes_on: Mapped[date] = mapped_column(Date)  # the last local day answers are taken
    min_answers: Mapped[int] = mapped_column(Integer)  # the unit's threshold when the round opened (never below 3)
    state: Mapped[str] = mapped_column(String(10), default="open")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(80))  # a login, or "system:peer-close"
    invited_count: Mapped[int | None] = mapped_column(Integer)
    answered_count: Mapped[int | None] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship()
    team_supervisor: Mapped[Employee] = relationship()


class PeerRater(db.Model):
    """The rater link: who is asked to rate whom in a round, with their draft until they submit.

    Kept only so that a colleague answers once; every row of a round is deleted when the round closes, so the
    database no longer knows who took part beside whom.
    """

    __tablename__ = "peer_raters"
    __table_args__ = (
        UniqueConstraint("round_id", "rater_id", "ratee_id"),
        CheckConstraint("rater_id <> ratee_id", name="not_self"),
        Index("ix_peer_raters_rater", "rater_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("peer_rounds.id", ondelete="CASCADE"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    ratee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    draft: Mapped[dict | None] = mapped_column(JSON)  # the rater's unsent answers; emptied when they submit
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)  # no time: it would line up with the answer

    round: Mapped[PeerRound] = relationship()
    rater: Mapped[Employee] = relationship(foreign_keys=[rater_id])
    ratee: Mapped[Employee] = relationship(foreign_keys=[ratee_id])


class PeerAnswer(db.Model):
    """One colleague's submitted answer about one employee: no rater, no time, immutable once written."""

    __tablename__ = "peer_answers"
    __table_args__ = (
        *(CheckConstraint(_in(value, PEER_CHOICES), name=value) for value in BERAKHLAK_VALUES),
        Index("ix_peer_answers_round_ratee", "round_id", "ratee_id"),
        Index("ix_peer_answers_ratee", "ratee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("peer_rounds.id"))
    ratee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    berorientasi_pelayanan: Mapped[str] = mapped_column(String(10))
    akuntabel: Mapped[str] = mapped_column(String(10))
    kompeten: Mapped[str] = mapped_column(String(10))
    harmonis: Mapped[str] = mapped_column(String(10))
    loyal: Mapped[str] = mapped_column(String(10))
    adaptif: Mapped[str] = mapped_column(String(10))
    kolaboratif: Mapped[str] = mapped_column(String(10))
    does_well: Mapped[str | None] = mapped_column(Text)  # one optional sentence: what they do well
    could_improve: Mapped[str | None] = mapped_column(Text)  # one optional sentence: what could improve
