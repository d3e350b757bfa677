"""The bias audit for HR: the ikp by employee group, counter and service type of a unit and period (issue 15)."""

from __future__ import annotations

from feedback_app.access import roles_required

from ..bias_audit import audit_page
from . import bp


@bp.get("/audit-bias")
@roles_required("hr", "admin")
def show_bias_audit() -> str | tuple[str, int]:
    """The stored audit of the unit's current run for the period asked for."""
    return audit_page("hr/bias_audit.html", "hr.show_bias_audit")
