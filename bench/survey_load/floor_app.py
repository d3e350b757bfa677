"""The floor for ``bench/survey_load``: the least a web app must do to serve the survey.

A bare Flask app (no extensions) with the survey's two routes:

* ``GET /s/<code>/<token>`` returns the page the real app rendered for that counter, byte for byte the same size,
  with a fresh 32-hex ``submission_key`` spliced in (so every citizen can post a distinct row);
* ``POST /s/<code>/<token>`` reads the nine answers and the key from the form and inserts one row with the same
  columns as the real app into ``survey_responses`` of the same database (SQLAlchemy Core, one transaction per
  request, the same SQLite pragmas as the app), then answers ``303`` to ``.../terima-kasih`` like the app.

It checks nothing the app checks (CSRF, QR signature, rate limits, duplicates, attribution): that is the point.
Configuration is a JSON file written by ``survey_load.py``, named by ``FLOOR_CONFIG``::

    {"database_url": "...",
     "counters": {"BGR01": {"page_prefix": "...", "page_suffix": "...",
                            "row": {"unit_id": 1, "counter_id": 1, "employee_id": 2, ...}}}}

Serve it with ``gunicorn 'bench.survey_load.floor_app:create_app()'`` from the repository root.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, abort, redirect, request
from sqlalchemy import MetaData, Table, create_engine, event, insert

UNSUR_CODES = tuple(f"u{i}" for i in range(1, 10))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The pragmas ``feedback_app.extensions`` sets, so both apps write with the same durability."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def create_app(config_path: str | None = None) -> Flask:
    with open(config_path or os.environ["FLOOR_CONFIG"], encoding="utf-8") as handle:
        config = json.load(handle)

    engine = create_engine(config["database_url"])
    event.listen(engine, "connect", _sqlite_pragmas)
    naive_times = engine.dialect.name == "sqlite"  # the app stores naive UTC on SQLite, aware UTC on PostgreSQL
    responses = Table("survey_responses", MetaData(), autoload_with=engine)
    statement = insert(responses)
    counters: dict[str, dict[str, Any]] = config["counters"]

    app = Flask(__name__)

    @app.get("/s/<code>/<token>")
    def show_form(code: str, token: str) -> Response:
        counter = counters.get(code) or abort(404)
        page = counter["page_prefix"] + secrets.token_hex(16) + counter["page_suffix"]
        return Response(page, mimetype="text/html", headers={"Cache-Control": "no-store"})

    @app.post("/s/<code>/<token>")
    def submit_form(code: str, token: str) -> Response:
        counter = counters.get(code) or abort(404)
        form = request.form
        try:
            answers = {name: int(form[name]) for name in UNSUR_CODES}
        except (KeyError, ValueError):
            abort(400)
        key = form.get("submission_key", "")
        if len(key) != 32:
            abort(400)
        at = datetime.now(UTC)
        if naive_times:
            at = at.replace(tzinfo=None)
        row = {
            **counter["row"],
            **answers,
            "ticket_id": None,
            "service_type_id": None,
            "channel": "counter_qr",
            "comment": None,
            "respondent_sex": None,
            "age_band": None,
            "education": None,
            "occupation": None,
            "locale": "id",
            "client_fingerprint": hashlib.sha256(key.encode()).hexdigest()[:32],
            "submission_key": key,
            "status": "valid",
            "status_reason": None,
            "submitted_at": at,
            "counted_at": at,
        }
        with engine.begin() as connection:
            connection.execute(statement, row)
        return redirect(f"/s/{code}/{token}/terima-kasih", code=303)

    return app
