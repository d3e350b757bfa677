"""Translation helpers: code that runs both in requests and on the command line, and lazy messages that are safe
to put into a page."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup


def translate(message: str, **values: object) -> str:
    """In the visitor's language during a request; Indonesian (the source language) from the command line."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


class SafeLazyString(LazyString):
    """A lazy translation whose interpolated values are escaped when a template shows it.

    Flask-Babel's ``LazyString.__html__`` hands the whole formatted string to Jinja as trusted markup, so a value
    such as a CSV cell ``<script>`` would reach the page raw. Here only the translated message is trusted; every
    value goes through ``Markup``'s ``%``, which escapes it.
    """

    def __html__(self) -> str:
        message, values = self._args[0], self._kwargs
        translated = Markup(gettext(message))  # noqa: S704  (our own catalogue, never user input)
        return translated % values if values else translated


def lazy_gettext(message: str, **values: object) -> Any:  # a SafeLazyString: str-like, untyped upstream
    """Like Flask-Babel's ``lazy_gettext`` (translated when used), but escaped in templates: use this one."""
    return SafeLazyString(gettext, message, **values)
