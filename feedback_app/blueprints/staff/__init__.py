"""Kinerja saya (/kinerja): a staff member's own indicators, how each was computed, and their appeals."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/kinerja")
