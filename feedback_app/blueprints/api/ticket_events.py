"""``POST /api/v1/ticket-events``: one event or a batch of up to 1,000 (spec §6)."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from ...access import public
from ...clock import now
from ...extensions import db
from ...models import Unit
from ...services.tickets import TicketEventInput, TicketEventResult, record_ticket_events
from . import bp, error_response, field_errors, first_error, require_scope
from .schemas import (
    BatchEnvelopeSchema,
    TicketEventBatchResultSchema,
    TicketEventResultSchema,
    TicketEventSchema,
    ticket_data,
)

_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"$ref": "#/components/schemas/TicketEvent"},
                    {"$ref": "#/components/schemas/TicketEventBatch"},
                ]
            },
            "examples": {
                "single": {
                    "summary": "One event",
                    "value": {
                        "external_id": "2026-10-14-A012",
                        "counter": "BGR01",
                        "service_type": "KTP-el",
                        "event": "issued",
                        "at": "2026-10-14T09:30:00+07:00",
                    },
                },
                "batch": {
                    "summary": "A batch",
                    "value": {
                        "events": [
                            {
                                "external_id": "2026-10-14-A012",
                                "counter": "BGR01",
                                "service_type": "KTP-el",
                                "event": "called",
                                "at": "2026-10-14T09:41:00+07:00",
                                "employee_nip": "199204212013072002",
                            },
                            {
                                "external_id": "2026-10-14-A012",
                                "counter": "BGR01",
                                "service_type": "KTP-el",
                                "event": "finished",
                                "at": "2026-10-14T09:52:30+07:00",
                                "employee_nip": "199204212013072002",
                            },
                        ]
                    },
                },
            },
        }
    },
}

_OK = {
    "oneOf": [
        {"$ref": "#/components/schemas/TicketEventResult"},
        {"$ref": "#/components/schemas/TicketEventBatchResult"},
    ]
}


@bp.route("/ticket-events", methods=["POST"], tags=["ticket events"])
@public
@bp.doc(requestBody=_REQUEST_BODY, operationId="postTicketEvents")
@bp.response(
    200,
    _OK,
    description="One event: its result (`TicketEventResult`). A batch: one result per event "
    "in request order, and totals (`TicketEventBatchResult`), also when some "
    "events were refused.",
)
@bp.alt_response(400, response="BAD_REQUEST")
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@require_scope("ticket_events:write")
def post_ticket_events() -> Response:
    """Record ticket events

    Send one event object, or `{"events": [...]}` with 1–1,000 events in any order. Idempotent: an event already
    stored (same external_id, event and at) answers `already_stored` and changes nothing. One event that is
    refused is `422` (`403` for another unit's counter) naming the field; in a batch each refused event is a
    result with `status: "error"` and the others are stored.
    """
    body = request.get_json(force=True, silent=True)
    if body is None:
        return error_response(400, _('Isi permintaan harus JSON: satu objek kejadian atau {"events": [...]}.'))
    unit: Unit = g.api_token.unit
    if isinstance(body, dict) and "events" in body:
        events = BatchEnvelopeSchema().load(body)["events"]
        results = _ingest(unit, events, with_ticket=lambda item: item.get("event") == "issued")
        db.session.commit()
        counts = {
            status: sum(1 for r in results if r["status"] == status) for status in ("stored", "already_stored", "error")
        }
        return jsonify(
            TicketEventBatchResultSchema().dump(
                {
                    "results": results,
                    "stored": counts["stored"],
                    "already_stored": counts["already_stored"],
                    "errors": counts["error"],
                }
            )
        )
    if not isinstance(body, dict):
        return error_response(422, _('Kirim satu objek kejadian atau {"events": [...]}.'))
    [result] = _ingest(unit, [body], with_ticket=lambda item: True)
    db.session.commit()  # also records the token's last use when the event was refused
    if result["status"] == "error":
        return error_response(result["code"], result["message"], field=result["field"], errors=result["errors"])
    return jsonify(TicketEventResultSchema().dump(result))


def _ingest(unit: Unit, raw_items: list[Any], *, with_ticket: Any) -> list[dict[str, Any]]:
    """Check each raw item against the schema, hand the good ones to the service in one call, merge the results."""
    schema = TicketEventSchema()
    results: list[dict[str, Any] | None] = [None] * len(raw_items)
    accepted: list[tuple[int, TicketEventInput]] = []
    for index, raw in enumerate(raw_items):
        try:
            data = schema.load(raw)
        except ValidationError as error:
            field, message = first_error(error.messages)
            results[index] = _echo(index, raw) | {
                "status": "error",
                "code": 422,
                "field": field,
                "message": message,
                "errors": field_errors(error.messages),
            }
            continue
        accepted.append(
            (
                index,
                TicketEventInput(
                    external_id=data["external_id"],
                    counter_code=data["counter"],
                    service_type_name=data["service_type"],
                    event=data["event"],
                    at=data["at"],
                    employee_nip=data["employee_nip"],
                ),
            )
        )
    outcomes = record_ticket_events(unit, [item for _index, item in accepted], now()) if accepted else []
    for (index, _item), outcome in zip(accepted, outcomes, strict=True):
        results[index] = _echo(index, raw_items[index]) | _result(outcome, raw_items[index], with_ticket)
    return [result for result in results if result is not None]


def _echo(index: int, raw: Any) -> dict[str, Any]:
    """The item's position, and its ticket and event when it named them, so a machine can match results."""
    named = raw if isinstance(raw, dict) else {}
    return {"index": index, "external_id": named.get("external_id"), "event": named.get("event")}


def _result(outcome: TicketEventResult, raw: dict[str, Any], with_ticket: Any) -> dict[str, Any]:
    if not outcome.ok:
        field = outcome.field
        message = outcome.message or ""
        return {
            "status": "error",
            "code": outcome.code or 422,
            "field": field,
            "message": message,
            "errors": {field: [message]} if field else {},
        }
    assert outcome.ticket is not None
    return {"status": outcome.status, "ticket": ticket_data(outcome.ticket) if with_ticket(raw) else None}
