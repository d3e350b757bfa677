"""``flask responses list --flagged | release ID | exclude ID``: the admin decides flagged answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, SurveyResponse


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["responses", *args])


@pytest.fixture
def answers(build):
    unit = build.unit(slug="kota-bogor")
    counter = build.counter(unit, public_code="BGR01")
    employee = build.employee(unit, name="Siti Rahmawati")
    other = build.counter(build.unit(slug="kassi"), public_code="KSK01")
    at = datetime(2026, 10, 14, 3, 0, tzinfo=UTC)
    rows = []
    for n, (where, status, reason, details) in enumerate(
        [
            (counter, "flagged", "short_visit", {"short_visit": {"visit_seconds": 6, "minimum_seconds": 120}}),
            (counter, "valid", None, None),
            (other, "flagged", "no_browser_cookie", {"no_browser_cookie": {"browser_cookie": 0}}),
        ]
    ):
        attributed = where is counter
        rows.append(
            SurveyResponse(
                unit_id=where.unit_id,
                counter_id=where.id,
                employee_id=employee.id if attributed else None,
                attribution_source="sign_in" if attributed else "none",
                channel="counter_qr",
                client_fingerprint="f" * 32,
                submission_key=f"{n:032x}",
                status=status,
                flag_reason=reason,
                flag_details=details,
                submitted_at=at,
                counted_at=at,
                **{f"u{i}": 4 for i in range(1, 10)},
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return rows


def test_list_shows_the_flagged_answers_with_their_reason_and_numbers(run, answers):
    result = run("list", "--flagged")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "id\tunit\tcounter\tsubmitted\tattributed to\treason\tnumbers"
    assert len(lines) == 3
    first = lines[1].split("\t")
    assert first[0] == str(answers[0].id) and first[2] == "BGR01" and first[4] == "Siti Rahmawati"
    assert first[5] == "short_visit"
    assert json.loads(first[6]) == {"short_visit": {"minimum_seconds": 120, "visit_seconds": 6}}
    only_bogor = run("list", "--flagged", "--unit", "kota-bogor").output.splitlines()
    assert len(only_bogor) == 2
    assert "No such option" not in run("list").output and run("list").exit_code != 0  # --flagged is required


def test_release_and_exclude_decide_with_a_reason(run, answers):
    released = run("release", str(answers[0].id), "--reason", "Legalisir memang cepat")
    assert released.exit_code == 0 and f"Released answer {answers[0].id}: valid." in released.output
    excluded = run("exclude", str(answers[2].id), "--reason", "Skrip tanpa cookie")
    assert excluded.exit_code == 0, excluded.output
    db.session.expire_all()
    assert [
        (r.status, r.status_reason) for r in db.session.scalars(db.select(SurveyResponse).order_by(SurveyResponse.id))
    ] == [
        ("valid", "Legalisir memang cepat"),
        ("valid", None),
        ("excluded", "Skrip tanpa cookie"),
    ]
    assert run("list", "--flagged").output.strip() == "No flagged answers."
    # Each decision is one audit row, by the command line, with the changed fields and the reason.
    audit = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.entity, e.entity_id, e.actor_kind) for e in audit] == [
        ("response.release", "response", str(answers[0].id), "cli"),
        ("response.exclude", "response", str(answers[2].id), "cli"),
    ]
    assert audit[0].before == {"status": "flagged", "status_reason": None}
    assert audit[0].after == {"status": "valid", "status_reason": "Legalisir memang cepat"}
    assert audit[0].reason == "Legalisir memang cepat" and audit[0].unit_id == answers[0].unit_id


def test_a_decision_that_is_not_possible_says_why_and_changes_nothing(run, answers):
    again = run("release", str(answers[1].id), "--reason", "x")
    assert again.exit_code == 1 and "berstatus valid" in again.output
    assert run("exclude", "999", "--reason", "x").exit_code == 1
    assert run("release", str(answers[0].id)).exit_code == 2  # --reason is required
    db.session.expire_all()
    assert db.session.get(SurveyResponse, answers[0].id).status == "flagged"
    assert db.session.scalars(db.select(AuditEvent)).all() == []
