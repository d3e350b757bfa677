"""Translation for code that runs both in requests and on the command line."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def translate(message: str, **values: object) -> str:
    """In the visitor's language during a request; Indonesian (the source language) from the command line."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message
