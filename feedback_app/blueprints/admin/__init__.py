"""Unit administration: setting up units, counters and QR posters, queue-machine tokens, rosters, paper
questionnaires, the SKM report, the comment inbox and moderation, publishing, the audit trail."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import (  # noqa: E402  (route modules register on bp, so they come after it)
    audit,  # noqa: F401  (route modules register on bp)
    counters,  # noqa: F401
    holidays,  # noqa: F401
    imports,  # noqa: F401
    inbox,  # noqa: F401
    paper,  # noqa: F401
    parameters,  # noqa: F401
    publishing,  # noqa: F401
    roster,  # noqa: F401
    setup,  # noqa: F401
    skm_report,  # noqa: F401
    tokens,  # noqa: F401
    topics,  # noqa: F401
    users,  # noqa: F401
)
