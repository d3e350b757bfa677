"""HR (/sdm): score runs started as background jobs for the units in scope, their progress, and the runs kept;
exports (indicators, raw responses, appraisal summaries, e-Kinerja sheets) and the explained page of an indicator."""

from flask import Blueprint

bp = Blueprint("hr", __name__, url_prefix="/sdm")

from . import bias, exports, runs  # noqa: E402,F401  (route modules register on bp, so they come after it)
