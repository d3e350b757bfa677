"""Log lines that keep no personal data (issue 9.8): no client address, no token, no fingerprint, no comment.

SQL parameters (comments, fingerprints) never reach a message: every engine has ``hide_parameters=True`` (see
``config.py``). What remains is scrubbed by :class:`RedactFilter`, set on the Flask app's logger and, under
gunicorn, on the one handler of the error log (``gunicorn.conf.py``): IPv4 and IPv6 addresses, the token part of
survey URLs (``/s/<code>/<token>``, ``/s/t/<token>``), API tokens (``sw_…``) and 32-hex values (fingerprints,
browser ids, submission keys).
"""

from __future__ import annotations

import logging
import re

from flask import Flask

_PATTERNS = (
    # Survey links: the code of a counter is public, its token and a ticket's token are not.
    (re.compile(r"(/s/t/)[^\s/?\"']+"), r"\1[token]"),
    (re.compile(r"(/s/[A-Za-z0-9]+/)(?!terima-kasih)[^\s/?\"']+"), r"\1[token]"),
    (re.compile(r"\bsw_[A-Za-z0-9_-]+"), "sw_[token]"),
    (re.compile(r"\b[0-9a-fA-F]{32,}\b"), "[hex]"),
    (re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"), "[address]"),
    # IPv6: at least two groups around "::", or eight full groups.
    (re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])"), "[address]"),
    (
        re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{0,4}:){1,6}:(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?(?![\w:])"),
        "[address]",
    ),
    (re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{0,4}:){2,6}\[address\]"), "[address]"),  # ::ffff:192.0.2.1
)


def redact(text: str) -> str:
    """``text`` without addresses, tokens or fingerprints.

    >>> redact("Invalid request from ip=203.0.113.7: bad line; peer ::ffff:10.0.0.1 and 2001:db8::1")
    'Invalid request from ip=[address]: bad line; peer [address] and [address]'
    >>> redact("Exception on /s/t/AbC.dEf-123 [POST], then /s/BGR01/1ABCDEFGH/terima-kasih")
    'Exception on /s/t/[token] [POST], then /s/BGR01/[token]/terima-kasih'
    >>> redact("Bearer sw_x1-Y2_z3 fingerprint 0123456789abcdef0123456789abcdef at 09:30:00")
    'Bearer sw_[token] fingerprint [hex] at 09:30:00'
    """
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Rewrites a record's message and traceback through :func:`redact` (it never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "redacted", False):
            return True
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record.redacted = True
        return True


def redact_logs(app: Flask) -> None:
    """Scrub what the app logs itself ("Exception on /s/t/<token> [POST]") and the development server's lines."""
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(existing, RedactFilter) for existing in logger.filters):
            logger.addFilter(RedactFilter())
