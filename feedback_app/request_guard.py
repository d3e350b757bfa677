"""One guard against hostile input, before any view reads it (issue 9.6).

PostgreSQL refuses NUL characters in text, no database driver can encode a lone UTF-16 surrogate (JSON's
``"\ud800"`` parses to one), Python's JSON parser recurses once per nesting level, and no citizen, clerk or queue
machine sends any of them: a NUL in a path segment is a 404, a NUL in a query or form value (or name), in an
uploaded file's name, a NUL or lone surrogate in a JSON string, or JSON nested deeper than :data:`MAX_JSON_DEPTH`,
is a 400 in the visitor's language (JSON under ``/api/v1``, where such a string in a well-formed body is a 422
naming the field, like any other invalid value). Form and query values cannot carry a surrogate: werkzeug decodes
them as UTF-8 with replacement. The API calls :func:`reject_hostile_input` itself, after its
token check, so a bad token stays a 401 whatever the body.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, abort, request
from werkzeug.exceptions import BadRequest

NUL = "\x00"
#: A code point in U+D800–U+DFFF: text no encoder (UTF-8 for the database, the logs) can write.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Deeper than any real body (an event batch is 3 levels); far below the parser's recursion limit.
MAX_JSON_DEPTH = 20
API_PREFIX = "/api/v1/"


def _has_nul(values: Any) -> bool:
    return any(NUL in key or NUL in value for key, value in values.items(multi=True))


class TooDeep(Exception):
    """JSON nested deeper than MAX_JSON_DEPTH."""


def _unstorable(text: str) -> str | None:
    """``"nul"`` or ``"surrogate"`` when ``text`` cannot be stored as text, else None."""
    if NUL in text:
        return "nul"
    return "surrogate" if _SURROGATE.search(text) else None


def _unstorable_in_json(document: Any) -> tuple[str, str] | None:
    """(dotted path, ``"nul"`` or ``"surrogate"``) of the first key or string that cannot be stored ("" for the
    top level), else None; raises :class:`TooDeep` past MAX_JSON_DEPTH (walked without recursion)."""
    stack: list[tuple[Any, int, str]] = [(document, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if reason := _unstorable(value):
                return path, reason
        elif isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise TooDeep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and (reason := _unstorable(key)):
                    return path, reason
                stack.append((item, depth + 1, where))
    return None


class NulInJson(BadRequest):
    """A JSON string with a NUL or a lone surrogate (``reason``): 400 on a page; the API answers it as a 422
    naming ``field``."""

    def __init__(self, field: str, reason: str = "nul") -> None:
        super().__init__()
        self.field = field
        self.reason = reason


def reject_hostile_input() -> None:
    """Abort with 404/400 before a view sees a NUL or a pathologically nested JSON body."""
    if NUL in request.path:
        abort(404)
    if _has_nul(request.args):
        abort(400)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        try:
            document = json.loads(request.get_data(cache=True))
            found = _unstorable_in_json(document)
        except (RecursionError, TooDeep):
            abort(400)
        except ValueError:
            return  # not JSON at all: the view answers that with its own 400
        if found is not None:
            raise NulInJson(*found)
        return
    form_body = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if form_body and (_has_nul(request.form) or any(NUL in (file.filename or "") for file in request.files.values())):
        abort(400)


def _guard_pages() -> None:
    if not request.path.startswith(API_PREFIX):
        reject_hostile_input()


def init_request_guard(app: Flask) -> None:
    app.before_request(_guard_pages)
