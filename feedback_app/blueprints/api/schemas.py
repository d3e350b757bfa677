"""marshmallow 4 schemas of the queue-machine API: what a machine sends and what it gets back.

Messages are Indonesian first (English with ``?lang=en``), like the rest of the application.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from ...i18n import lazy_gettext as _l
from ...models import TICKET_EVENTS, TICKET_OUTCOMES, Ticket
from ...services.tickets import MAX_BATCH
from ...services.tokens import ticket_survey_url

EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
RESULT_STATUSES = ("stored", "already_stored", "error")

REQUIRED = {"required": _l("Wajib diisi."), "null": _l("Tidak boleh null.")}
TEXT = {**REQUIRED, "invalid": _l("Harus berupa teks.")}


class StrictSchema(Schema):
    """Refuses fields it does not know, so a misspelt ``employee_nip`` is an error, not a silent loss."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": _l("Kolom tidak dikenal."), "type": _l("Harus berupa objek JSON.")}


class TicketEventSchema(StrictSchema):
    """One ticket event (spec §6). Its idempotency key is (your unit, external_id, event, at)."""

    external_id = fields.String(
        required=True,
        error_messages=TEXT,
        validate=validate.Regexp(
            EXTERNAL_ID_PATTERN, error=_l("1–64 huruf, angka, titik, titik dua, garis bawah atau tanda hubung.")
        ),
        metadata={
            "description": "The ticket's id, unique in your unit (queue machines reset their numbers "
            "daily, so include the date).",
            "example": "2026-10-14-A012",
        },
    )
    counter = fields.String(
        required=True,
        error_messages=TEXT,
        validate=validate.Length(min=1, max=12, error=_l("1–12 karakter.")),
        metadata={
            "description": "The counter's public code (as on its QR poster), case-insensitive.",
            "example": "BGR01",
        },
    )
    service_type = fields.String(
        required=True,
        error_messages=TEXT,
        validate=validate.Length(min=1, max=120, error=_l("1–120 karakter.")),
        metadata={
            "description": "The name of one of your unit's service types, as configured in Suara Warga "
            "(exact, or case-insensitive when that is unambiguous).",
            "example": "KTP-el",
        },
    )
    event = fields.String(
        required=True,
        error_messages=TEXT,
        validate=validate.OneOf(TICKET_EVENTS, error=_l("Harus salah satu dari: {choices}.")),
        metadata={"description": "What happened to the ticket.", "enum": list(TICKET_EVENTS)},
    )
    at = fields.AwareDateTime(
        required=True,
        error_messages={
            **REQUIRED,
            "invalid": _l("Bukan waktu ISO 8601 yang sah, mis. 2026-10-14T09:30:00+07:00."),
            "invalid_awareness": _l("Waktu harus memuat zona waktu, mis. 2026-10-14T09:30:00+07:00."),
        },
        metadata={
            "description": "When it happened, ISO 8601 with a zone offset; at most 5 minutes ahead of the "
            "server's clock.",
            "example": "2026-10-14T09:30:00+07:00",
        },
    )
    employee_nip = fields.String(
        load_default=None,
        allow_none=True,
        error_messages=TEXT,
        validate=validate.Regexp(r"^\d{18}$", error=_l("NIP terdiri dari 18 angka.")),
        metadata={
            "description": "NIP (or NI PPPK) of the employee who handled the event; the employee of the "
            "finished, else started, else called event is the one who served the ticket.",
            "example": "199204212013072002",  # Siti Rahmawati of the demo data (petugas.bogor),
        },
    )


class TicketEventBatchSchema(StrictSchema):
    """Up to 1,000 events in one request; each is stored or refused on its own."""

    # Items are any JSON value here: each is checked against TicketEvent on its own, and one that fails is an
    # `error` result of a 200 answer (the others are stored), not a refused request. The document says so.
    events = fields.List(
        fields.Raw(metadata={"description": "A `TicketEvent` object; an invalid item becomes an `error` result."}),
        required=True,
        validate=validate.Length(min=1, max=MAX_BATCH),
        metadata={"description": f"1–{MAX_BATCH} events (`TicketEvent` objects), in any order."},
    )


def _batch_size(events: list[Any]) -> None:
    if not 1 <= len(events) <= MAX_BATCH:
        raise ValidationError(
            _("Kirim 1 sampai %(max)d kejadian per permintaan; diterima %(count)d.", max=MAX_BATCH, count=len(events))
        )


class BatchEnvelopeSchema(StrictSchema):
    """The batch envelope alone; its items are checked one by one so that good items are stored."""

    events = fields.List(
        fields.Raw(),
        required=True,
        validate=_batch_size,
        error_messages={**REQUIRED, "invalid": _l("Harus berupa daftar kejadian.")},
    )


class TicketSchema(Schema):
    """A ticket with the times derived from its events (spec §2.3) and the survey URL to print as a QR code."""

    external_id = fields.String(required=True)
    counter = fields.String(required=True, metadata={"description": "Counter code."})
    service_type = fields.String(required=True, metadata={"description": "Service type name."})
    employee_nip = fields.String(allow_none=True, metadata={"description": "NIP of the employee who served it."})
    issued_at = fields.AwareDateTime(
        required=True, metadata={"description": "The issued event; until it arrives, the ticket's earliest event."}
    )
    called_at = fields.AwareDateTime(allow_none=True, metadata={"description": "First call."})
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.String(required=True, metadata={"enum": list(TICKET_OUTCOMES)})
    returned = fields.Boolean(required=True, metadata={"description": "Sent back for correction at least once."})
    survey_url = fields.String(
        required=True,
        metadata={
            "description": "Print as a QR code on the ticket: the citizen's survey for this visit, answerable once, "
            "after the ticket is finished, for TICKET_SURVEY_MAX_AGE_DAYS (default 7) after issue. "
            "The same ticket always gives the same URL."
        },
    )


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    """The values :class:`TicketSchema` dumps."""
    return {
        "external_id": ticket.external_id,
        "counter": ticket.counter.public_code,
        "service_type": ticket.service_type.name,
        "employee_nip": ticket.employee.nip if ticket.employee else None,
        "issued_at": ticket.issued_at,
        "called_at": ticket.called_at,
        "started_at": ticket.started_at,
        "finished_at": ticket.finished_at,
        "outcome": ticket.outcome,
        "returned": ticket.returned,
        "survey_url": ticket_survey_url(ticket),
    }


class TicketEventResultSchema(Schema):
    """What became of one event."""

    index = fields.Integer(required=True, metadata={"description": "Position of the event in the request (0-based)."})
    status = fields.String(
        required=True,
        metadata={
            "enum": list(RESULT_STATUSES),
            "description": "`stored`: new and stored. `already_stored`: this (external_id, event, at) was stored "
            "before; nothing changed. `error`: refused, nothing stored for this event.",
        },
    )
    external_id = fields.Raw(allow_none=True, metadata={"description": "Echoed from the event, if it had one."})
    event = fields.Raw(allow_none=True, metadata={"description": "Echoed from the event, if it had one."})
    code = fields.Integer(metadata={"description": "For errors: 422, or 403 for a counter of another unit."})
    field = fields.String(allow_none=True, metadata={"description": "For errors: the event field at fault."})
    message = fields.String(metadata={"description": "For errors: what is wrong, in Indonesian (`?lang=en`: English)."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "For errors: every message per field."},
    )
    ticket = fields.Nested(
        TicketSchema,
        allow_none=True,
        metadata={
            "description": "For a stored or already stored `issued` event in a batch, and for any accepted single "
            "event: the ticket as it is now."
        },
    )


class TicketEventBatchResultSchema(Schema):
    """One result per event, in request order, and the totals."""

    results = fields.List(fields.Nested(TicketEventResultSchema), required=True)
    stored = fields.Integer(required=True)
    already_stored = fields.Integer(required=True)
    errors = fields.Integer(required=True)


class ApiErrorSchema(Schema):
    """Every error the API answers with."""

    code = fields.Integer(required=True, metadata={"description": "HTTP status code."})
    status = fields.String(required=True, metadata={"description": "HTTP status phrase."})
    message = fields.String(
        required=True, metadata={"description": "What is wrong, in Indonesian (`?lang=en`: English)."}
    )
    field = fields.String(allow_none=True, metadata={"description": "The field at fault, when there is one."})
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), metadata={"description": "Every message per field."}
    )


# --- Indicators for HR systems (issue 14 item 2) ---------------------------------------------------------------------


class IndicatorQuerySchema(Schema):
    """The query of ``GET /api/v1/indicators`` (other parameters, such as ``lang``, are ignored)."""

    class Meta:
        unknown = EXCLUDE

    period = fields.String(
        required=True,
        error_messages=TEXT,
        validate=validate.Regexp(
            r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|S[12]))?$", error=_l("Tulis 2026-10, 2026-Q3, 2026-S2 atau 2026.")
        ),
        metadata={"description": "Month `2026-10`, quarter `2026-Q3`, semester `2026-S2` or year `2026`."},
    )
    unit = fields.String(
        validate=validate.Length(min=1, max=60, error=_l("1–60 karakter.")),
        metadata={"description": "One unit's slug; without it, every unit the token may read."},
    )
    cursor = fields.String(
        validate=validate.Length(min=1, max=100, error=_l("1–100 karakter.")),
        metadata={"description": "`next_cursor` of the previous page."},
    )
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=500, error=_l("Antara 1 dan 500.")),
        error_messages={"invalid": _l("Harus bilangan bulat.")},
        metadata={"description": "Employees per page (1–500, default 100)."},
    )


class IndicatorFigureSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "insufficient_data", "not_available"]})
    value = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The headline figure as exact decimal text with 2 places (shrunk toward the unit for ikp "
            "and ikm); null unless status is ok.",
            "pattern": r"^-?\d+\.\d{2}$",
        },
    )
    raw = fields.String(required=True, allow_none=True, metadata={"description": "The unshrunk figure (ikp, ikm)."})
    n = fields.Integer(required=True, allow_none=True)
    explanation_url = fields.String(
        required=True, allow_none=True, metadata={"description": "The stable page explaining how it was computed."}
    )


class IndicatorAppraisalSchema(Schema):
    rating_hasil_kerja = fields.String(required=True, allow_none=True)
    rating_perilaku_kerja = fields.String(required=True, allow_none=True)
    predikat = fields.String(required=True, allow_none=True)
    confirmed_at = fields.AwareDateTime(required=True, allow_none=True)


class IndicatorRecordSchema(Schema):
    """One employee's indicators from the unit's latest final run, and their confirmed appraisal."""

    unit = fields.String(required=True)
    period = fields.String(required=True)
    run_id = fields.Integer(required=True)
    nip = fields.String(required=True, allow_none=True, metadata={"description": "18 digits, text; null for non-ASN."})
    name = fields.String(required=True)
    employment_type = fields.String(required=True, metadata={"enum": ["PNS", "PPPK", "non-ASN"]})
    indicators = fields.Dict(keys=fields.String(), values=fields.Nested(IndicatorFigureSchema), required=True)
    appraisal = fields.Nested(IndicatorAppraisalSchema, required=True, allow_none=True)


class IndicatorPageSchema(Schema):
    items = fields.List(fields.Nested(IndicatorRecordSchema), required=True)
    next_cursor = fields.String(
        required=True, allow_none=True, metadata={"description": "Pass as `cursor` for the next page; null at the end."}
    )
