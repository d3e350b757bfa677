"""One guard against hostile input, before any view reads it (issue 9.6).

PostgreSQL refuses NUL characters in text, Python's JSON parser recurses once per nesting level, and no citizen,
clerk or queue machine sends either: a NUL in a path segment is a 404, a NUL in a query or form value (or name),
in an uploaded file's name or in a JSON string, or JSON nested deeper than :data:`MAX_JSON_DEPTH`, is a 400 in
the visitor's language (JSON under ``/api/v1``). The API calls :func:`reject_hostile_input` itself, after its
token check, so a bad token stays a 401 whatever the body.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, abort, request

NUL = "\x00"
#: Deeper than any real body (an event batch is 3 levels); far below the parser's recursion limit.
MAX_JSON_DEPTH = 20
API_PREFIX = "/api/v1/"


def _has_nul(values: Any) -> bool:
    return any(NUL in key or NUL in value for key, value in values.items(multi=True))


def _json_is_hostile(document: Any) -> bool:
    """A NUL in any key or string, or nesting deeper than MAX_JSON_DEPTH (walked without recursion)."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return True
        elif isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return True
            if isinstance(value, dict):
                if any(NUL in key for key in value):
                    return True
                value = value.values()
            stack.extend((item, depth + 1) for item in value)
    return False


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
        except RecursionError:
            abort(400)
        except ValueError:
            return  # not JSON at all: the view answers that with its own 400
        if _json_is_hostile(document):
            abort(400)
        return
    form_body = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if form_body and (_has_nul(request.form) or any(NUL in (file.filename or "") for file in request.files.values())):
        abort(400)


def _guard_pages() -> None:
    if not request.path.startswith(API_PREFIX):
        reject_hostile_input()


def init_request_guard(app: Flask) -> None:
    app.before_request(_guard_pages)
