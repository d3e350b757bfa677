"""The smallest pieces of ``make proof`` (``bench/proof/``), so a broken harness is caught by ``make test``.

The reconciliation must count what is lost, duplicated and half-written (and nothing else); every 5xx counts
against the app except a clear 503 while PostgreSQL itself is down; the form discovery must find the app's real
forms, with their CSRF tokens, and the hypothesis poster must post them (here through the test client, where the
``app`` fixture fails the test on any 5xx). The full harness needs its own PostgreSQL and Redis: ``make proof``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.proof import forms, report
from bench.proof.client import Answer
from bench.proof.hostile import SchemaRun, parse_events
from bench.proof.load import LoadRun, Record, Window, clear_503, event_key, judge
from bench.proof.receipts import BatchReceipt, SurveyReceipt, reconcile_events, reconcile_surveys
from feedback_app.extensions import db
from feedback_app.services.tokens import counter_survey_url
from tests.helpers import PASSWORD


class ClientBrowser:
    """The harness's ``Browser`` interface over Flask's test client (same cookies, no HTTP server)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        body: bytes | None = None,
        content_type: str = "",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        if form is not None:
            response = self.client.open(path, method=method, data=form, headers=headers)
        else:
            response = self.client.open(path, method=method, data=body, content_type=content_type, headers=headers)
        return Answer(
            method, path, response.status_code, response.get_data(), {k.lower(): v for k, v in response.headers}
        )

    def get(self, path: str, **kw: Any) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict[str, str], **kw: Any) -> Answer:
        return self.request("POST", path, form=form, **kw)


# --- reconciliation -------------------------------------------------------------------------------------------


def test_surveys_reconcile_lost_duplicated_and_unknown_apart() -> None:
    receipts = [
        SurveyReceipt("a" * 32, accepted=True),  # stored once: fine
        SurveyReceipt("b" * 32, accepted=True),  # lost
        SurveyReceipt("c" * 32, accepted=True),  # stored twice: one duplicate
        SurveyReceipt("d" * 32, accepted=False),  # never acknowledged, stored: fine
        SurveyReceipt("e" * 32, accepted=False),  # never acknowledged, absent: fine
    ]
    result = reconcile_surveys(receipts, ["a" * 32, "c" * 32, "c" * 32, "d" * 32, "f" * 32])
    assert (result.receipts, result.accepted, result.stored) == (5, 3, 3)
    assert (result.lost, result.unknown_stored, result.unknown_absent) == (1, 1, 1)
    assert result.duplicated == 2  # the second "c" and the "f" no client posted
    assert not result.ok
    assert reconcile_surveys(receipts[:1], ["a" * 32]).ok


def test_events_reconcile_lost_duplicated_and_half_written_batches() -> None:
    one, two, three = (
        event_key("proof-x-1-0", e, "2026-10-14T09:30:00+07:00") for e in ("issued", "called", "started")
    )
    acknowledged = BatchReceipt([one, two], acknowledged={one, two})
    lost = BatchReceipt([three], acknowledged={three})
    unanswered = BatchReceipt([event_key("proof-x-2-0", "issued", "2026-10-14T02:30:00Z"), one])
    result = reconcile_events([acknowledged, lost, unanswered], [one, two])
    assert (result.lost, result.duplicated, result.half_written) == (1, 0, 1)
    assert event_key("t", "issued", "2026-10-14T09:30:00.5+07:00") == ("t", "issued", "2026-10-14T02:30:00+00:00")
    resent = BatchReceipt([one], acknowledged={one})
    assert reconcile_events([resent, resent], [one]).ok  # the same batch sent twice, stored once
    assert reconcile_events([resent], [one, one]).duplicated == 1


# --- judging the answers --------------------------------------------------------------------------------------


def _answer(status: int, at: float, *, body: str = "", headers: dict[str, str] | None = None) -> Answer:
    return Answer("POST", "/s/BGR01/token", status, body.encode(), headers or {}, started=at, ms=5)


def test_only_a_clear_503_while_postgresql_is_down_is_counted_apart() -> None:
    page = "<!doctype html><title>Sedang pemeliharaan</title>" + "<p>Silakan coba lagi sebentar lagi.</p>" * 5
    clear = {"retry-after": "5", "content-type": "text/html; charset=utf-8"}
    run = LoadRun("t", windows=[Window("pg_down", 100.0, 110.0), Window("redis_down", 200.0, 205.0)])
    run.records = [
        Record("survey_post", _answer(503, 101, body=page, headers=clear), False),  # counted apart
        Record("survey_post", _answer(503, 102, body=page, headers={"content-type": "text/html"}), False),
        Record("survey_post", _answer(500, 103, body=page, headers=clear), False),  # a bare 500: fails
        Record("survey_post", _answer(503, 150, body=page, headers=clear), False),  # no outage then: fails
        Record("survey_post", _answer(500, 201), False),  # Redis down is no excuse
        Record("survey_post", _answer(0, 202), False),
        Record("survey_post", _answer(303, 300), False),
        Record("survey_post", _answer(429, 301), False),
    ]
    verdict = judge(run)
    assert verdict.db_down_503 == 2
    assert len(verdict.bad_503) == 1 and "Retry-After" in verdict.bad_503[0]
    assert len(verdict.server_errors) == 3
    assert "during redis_down" in verdict.server_errors[-1]
    assert (verdict.connection_errors, verdict.connection_errors_outside_faults) == (1, 0)
    assert verdict.unexpected == {"survey_post 429": 1}


def test_a_json_503_needs_a_message() -> None:
    headers = {"retry-after": "5", "content-type": "application/json"}
    assert (
        clear_503(_answer(503, 0, body=json.dumps({"message": "Basis data sedang tidak tersedia"}), headers=headers))
        == ""
    )
    assert "message" in clear_503(_answer(503, 0, body="{}", headers=headers))
    assert "traceback" in clear_503(
        _answer(503, 0, body='{"message": "Traceback (most recent call last)"}', headers=headers)
    )


def test_schemathesis_failures_are_counted_once_per_operation_and_check() -> None:
    failed = {"name": "response_schema_conformance", "status": "failure", "failure_info": {"failure": {"title": "Bad"}}}
    server = {"name": "not_a_server_error", "status": "failure", "failure_info": {"failure": {"title": "500"}}}
    scenario = {
        "recorder": {
            "label": "POST /api/v1/ticket-events",
            "cases": {"1": {}, "2": {}},
            "checks": {"1": [failed, server], "2": [failed, {"name": "not_a_server_error", "status": "success"}]},
        }
    }
    run = SchemaRun("st run", 1)
    parse_events("\n".join([json.dumps({"ScenarioFinished": scenario}), "not json", "{}"]), run)
    assert (run.operations, run.cases, run.server_errors, run.conformance_failures) == (1, 2, 1, 1)
    assert not run.ok


def test_the_section_has_its_markers_and_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "reliability.md"
    path.write_text("# Reliability\n\n<!-- bench:proof -->\nfull figures\n<!-- /bench:proof -->\n", encoding="utf-8")
    section = report.markdown("proof_quick", object(), None, None, None, ["faults: 3 5xx answers"], {})
    report.write(section, path)
    text = path.read_text(encoding="utf-8")
    assert "full figures" in text and "**FAILED**" in text and "- faults: 3 5xx answers" in text
    assert text.count("<!-- bench:proof_quick -->") == 1 and text.rstrip().endswith("<!-- /bench:proof_quick -->")


# --- forms, against the test app ------------------------------------------------------------------------------


def test_walk_finds_the_real_forms_with_their_csrf_tokens(client, build) -> None:
    counter = build.counter()
    build.user("walker", {"admin"}, unit=counter.unit)
    db.session.commit()
    survey = counter_survey_url(counter).removeprefix("http://survey.test")
    browser = ClientBrowser(client)
    visitor = forms.walk(browser, "visitor", ["/masuk", survey], max_pages=5)
    by_route = {signature[1]: form for signature, form in visitor.forms.items()}
    assert {"/masuk", "/s/<code>/<token>"} <= set(by_route)
    login = {f.name: f for f in by_route["/masuk"].fields}
    assert {"csrf_token", "login", "password"} <= set(login) and login["csrf_token"].value
    questions = {f.name: f for f in by_route["/s/<code>/<token>"].fields}
    assert questions["u1"].kind == "radio" and questions["u1"].options == ["1", "2", "3", "4"]
    assert len(questions["submission_key"].value) == 32

    assert forms.log_in(browser, "walker", PASSWORD)
    admin = forms.walk(browser, "walker", ["/admin/"], max_pages=40)
    assert "/keluar" not in admin.pages  # logging out is never followed
    assert any(route.endswith("/cabut-poster") for _method, route, _fields in admin.forms)
    assert not admin.server_errors


def test_hypothesis_posts_hostile_values_to_a_form_and_counts_the_answers(client, build) -> None:
    build.user("target")
    db.session.commit()
    browser = ClientBrowser(client)
    login_form = next(f for f in forms.walk(browser, "visitor", ["/masuk"], max_pages=1).forms.values())
    result = forms.fuzz_form(browser, login_form, examples=6, seed=1)
    assert result.posts == 6 and sum(result.statuses.values()) == 6
    assert not result.server_errors  # and the app fixture fails the test on any 5xx


@pytest.mark.parametrize(
    ("action", "route"),
    [
        ("/loket/BGR01/masuk", "/loket/<code>/masuk"),
        ("/s/KSK02/2abcdefgh", "/s/<code>/<token>"),
        ("/s/t/x.y", "/s/t/<token>"),
    ],
)
def test_forms_of_one_route_are_one_form(action: str, route: str) -> None:
    assert forms.Form("/", action, "POST", "").signature[1] == route
