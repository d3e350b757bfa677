"""``GET /api/v1/tickets/{external_id}``: a ticket's derived times and its survey URL (to reprint a QR)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import gettext as _

from ...access import public
from ...extensions import db
from ...services.tickets import find_ticket
from . import bp, error_response, require_scope
from .schemas import TicketSchema, ticket_data


@bp.route("/tickets/<external_id>", tags=["tickets"])
@public
@bp.doc(operationId="getTicket")
@bp.response(200, TicketSchema)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(404, response="NOT_FOUND")
@require_scope("ticket_events:write")
def get_ticket(external_id: str) -> Any:
    """Read a ticket

    The ticket of your unit with this `external_id`: its times derived from its events, its outcome, who served
    it, and the survey URL to print as a QR code (the same URL the `issued` event answered with). Tickets of
    other units are not found.
    """
    ticket = find_ticket(g.api_token.unit, external_id)
    data = ticket_data(ticket) if ticket is not None else None
    db.session.commit()  # the token's last use
    if data is None:
        return error_response(
            404, _("Tiket %(ticket)s tidak ada di unit ini.", ticket=external_id), field="external_id"
        )
    return data
