"""The bias audit on the supervisor desk: check a gap before using a figure in an appraisal (issue 15)."""

from __future__ import annotations

from feedback_app.access import roles_required

from ..bias_audit import audit_page
from . import bp


@bp.get("/audit-bias")
@roles_required("supervisor", "hr", "admin")
def show_bias_audit() -> str | tuple[str, int]:
    """The stored audit of the unit's current run for the period asked for (groups of five or more only)."""
    return audit_page("supervisor/bias_audit.html", "supervisor.show_bias_audit")
