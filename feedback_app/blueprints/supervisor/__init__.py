"""The appraisal desk of the pejabat penilai kinerja (/atasan): the team, the evidence, appraisals and appeals."""

from flask import Blueprint

bp = Blueprint("supervisor", __name__, url_prefix="/atasan")
