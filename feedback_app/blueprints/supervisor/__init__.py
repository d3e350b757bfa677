"""The appraisal desk of the pejabat penilai kinerja (/atasan): the team, the evidence, appraisals and appeals."""

from flask import Blueprint

bp = Blueprint("supervisor", __name__, url_prefix="/atasan")

from . import appeals, bias, desk, peer  # noqa: E402, F401  (route modules register on bp, so they come after it)
