"""One guard against hostile input, before any view reads it (issue 9.6).

PostgreSQL refuses NUL characters in text, Python's JSON parser recurses once per nesting level, and no citizen,
clerk or queue machine sends either: a NUL in a path segment is a 404, a NUL in a query or form value (or name),
in an uploaded file's name or in a JSON string, or JSON nested deeper than :data:`MAX_JSON_DEPTH`, is a 400 in
the visitor's language (JSON under ``/api/v1``, where a NUL in a string of a well-formed body is a 422 naming the
field, like any other invalid value). The API calls :func:`reject_hostile_input` itself, after its
token check, so a bad token stays a 401 whatever the body.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, abort, request
from werkzeug.exceptions import BadRequest

NUL = "\x00"
#: Deeper than any real body (an event batch is 3 levels); far below the parser's recursion limit.
MAX_JSON_DEPTH = 20
API_PREFIX = "/api/v1/"


def _has_nul(values: Any) -> bool:
    return any(NUL in key or NUL in value for key, value in values.items(multi=True))


class TooDeep(Exception):
    """JSON nested deeper than MAX_JSON_DEPTH."""


def _nul_in_json(document: Any) -> str | None:
    """The dotted path of the first key or string holding a NUL ("" for the top level), else None; raises
    :class:`TooDeep` past MAX_JSON_DEPTH (walked without recursion)."""
    stack: list[tuple[Any, int, str]] = [(document, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return path
        elif isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise TooDeep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and NUL in key:
                    return path
                stack.append((item, depth + 1, where))
    return None


class NulInJson(BadRequest):
    """A JSON string with a NUL: 400 on a page; the API answers it as a 422 naming ``field``."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field


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
            field = _nul_in_json(document)
        except (RecursionError, TooDeep):
            abort(400)
        except ValueError:
            return  # not JSON at all: the view answers that with its own 400
        if field is not None:
            raise NulInJson(field)
        return
    form_body = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if form_body and (_has_nul(request.form) or any(NUL in (file.filename or "") for file in request.files.values())):
        abort(400)


def _guard_pages() -> None:
    if not request.path.startswith(API_PREFIX):
        reject_hostile_input()


def init_request_guard(app: Flask) -> None:
    app.before_request(_guard_pages)
