"""Kinerja saya (/kinerja): a staff member's own indicators, how each was computed, and their appeals."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/kinerja")

from . import (  # noqa: E402  (route modules register on bp, so they come after it)
    appeals,  # noqa: F401
    pages,  # noqa: F401
    peer,  # noqa: F401
)
