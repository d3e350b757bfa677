"""The suite-wide audit check (spec §7): every successful non-GET request by an admin, supervisor or HR user that
changed something in the database writes exactly one audit row, and no request writes two.

It watches every request of every test (the ``app`` fixture installs it), so a write route added tomorrow is
covered by its own tests without anyone listing it here. It counts, per request, the statements that changed rows
and the audit rows inserted, and keeps only what was committed; a request that ends in 4xx or 5xx is not checked
(its transaction is rolled back). It sends no SQL of its own, so statement-counting tests are unaffected.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, request, request_started
from flask_login import current_user
from sqlalchemy import event

from feedback_app.extensions import db

AUDITED_ROLES = ("admin", "hr", "supervisor")
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "COPY")
AUDIT_TABLE = "audit_events"
#: Endpoints that are not an act of the admin, supervisor or HR role even when such a user calls them.
EXEMPT_ENDPOINTS = {
    "auth.login": "signing in is the account's own act, before any role applies",
    "auth.logout": "signing out changes nothing but the browser's session",
}
#: Blueprints whose writes are not audited by spec §7, whoever makes them.
EXEMPT_BLUEPRINTS = {
    "survey": "citizens' answers are append-only themselves",
    "api": "queue machines' ticket events are append-only themselves",
    "console": "a staff member's own counter work (ticket events, sign-ins) is append-only itself",
}


class AuditProbe:
    """Installed on one test's app; ``problems`` lists every request that broke the rule."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.problems: list[str] = []

    def install(self) -> None:
        request_started.connect(self._start, self.app)
        event.listen(db.engine, "after_cursor_execute", self._statement)
        event.listen(db.engine, "commit", self._commit)
        event.listen(db.engine, "rollback", self._rollback)
        self.app.after_request(self._check)

    def remove(self) -> None:
        request_started.disconnect(self._start, self.app)
        event.remove(db.engine, "after_cursor_execute", self._statement)
        event.remove(db.engine, "commit", self._commit)
        event.remove(db.engine, "rollback", self._rollback)

    @staticmethod
    def _state() -> dict[str, int] | None:
        return g.get("_audit_probe") if has_request_context() else None

    def _start(self, sender: Flask, **_: Any) -> None:
        g._audit_probe = {"writes": 0, "audits": 0, "pending_writes": 0, "pending_audits": 0}

    def _statement(self, _conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        state = self._state()
        if state is None:
            return
        words = statement.lstrip().split(None, 3)
        if not words or words[0].upper() not in WRITE_VERBS or cursor.rowcount == 0:
            return
        if AUDIT_TABLE in " ".join(words[1:3]).lower():
            state["pending_audits"] += max(cursor.rowcount, 1)
        else:
            state["pending_writes"] += 1

    def _commit(self, _conn: Any) -> None:
        state = self._state()
        if state is not None:
            state["writes"] += state.pop("pending_writes")
            state["audits"] += state.pop("pending_audits")
            state["pending_writes"] = state["pending_audits"] = 0

    def _rollback(self, _conn: Any) -> None:
        state = self._state()
        if state is not None:
            state["pending_writes"] = state["pending_audits"] = 0

    def _check(self, response: Any) -> Any:
        state = g.pop("_audit_probe", None)
        endpoint = request.endpoint or ""
        if (
            state is None
            or request.method in ("GET", "HEAD", "OPTIONS")
            or response.status_code >= 400
            or endpoint in EXEMPT_ENDPOINTS
            or endpoint.split(".")[0] in EXEMPT_BLUEPRINTS
            or not current_user.is_authenticated
            or not current_user.has_role(*AUDITED_ROLES)
        ):
            return response
        writes, audits = state["writes"], state["audits"]
        if (writes and audits != 1) or audits > 1:
            self.problems.append(
                f"{request.method} {request.path} ({endpoint}) by {current_user.login}: "
                f"{writes} committed write statement(s) but {audits} audit row(s); expected exactly one"
            )
        return response
