"""Helpers for tests: logging in, reading forms, finding system tools."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from feedback_app.extensions import db
from feedback_app.models import User

IN_CI = bool(os.environ.get("CI"))
PASSWORD = "a-long-test-password"


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Every SQL statement sent inside the block, including a ``COPY`` on PostgreSQL (which bypasses SQLAlchemy)."""
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    copy = psycopg.Cursor.copy

    def recording_copy(cursor, statement, *args, **kwargs):
        statements.append(str(statement))
        return copy(cursor, statement, *args, **kwargs)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with patch.object(psycopg.Cursor, "copy", recording_copy):
            yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def need_tool(name: str) -> str:
    """The path of a system tool a test needs: a skip on a developer's machine, a failure in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (make system-deps installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    page = client.get("/masuk")
    token = hidden_fields(page.get_data(as_text=True))["csrf_token"]
    response = client.post("/masuk", data={"login": user.login, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a rendered form (csrf_token, duty, submission_key)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def run_checked(args: list[str]) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def need_service(description: str, available: bool) -> None:
    """A service a test needs (Redis, ...): a skip on a developer's machine, a failure in CI."""
    if not available:
        message = f"{description} is not configured"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
