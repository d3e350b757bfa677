"""Unit administration: counters and QR posters, queue-machine tokens, rosters."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import counters  # noqa: E402,F401  (route modules register on bp)
from . import roster  # noqa: E402,F401
from . import tokens  # noqa: E402,F401
