"""Database down: 503 with Retry-After, a page in the visitor's language or JSON under /api/v1, never a bare 500,
and nothing half-written (the make-proof faults section)."""

from __future__ import annotations

import sqlite3
import time

import psycopg
import pytest
from sqlalchemy import event, func, select

from feedback_app import create_app
from feedback_app.access import LAST_SEEN
from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.tokens import counter_survey_url
from tests.conftest import TEST_CONFIG
from tests.helpers import hidden_fields

ALL_GOOD = {f"u{i}": "4" for i in range(1, 10)}
DOWN = {
    "sqlite": lambda tmp_path: f"sqlite:///{tmp_path / 'no-such-directory' / 'db.sqlite'}",
    "postgresql": lambda tmp_path: "postgresql+psycopg://postgres@127.0.0.1:5999/nowhere?connect_timeout=2",
}


@pytest.fixture(params=sorted(DOWN))
def down(request, tmp_path):
    """A client of an app whose database cannot be reached (nothing listens there)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": DOWN[request.param](tmp_path)})
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    return app.test_client()


def test_pages_say_unavailable_in_the_visitors_language(down):
    response = down.get("/s/BGR01/1ABCDEFGH")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert '<html lang="id">' in html and "Layanan sedang tidak tersedia" in html and "kirim lagi" in html
    english = down.get("/s/BGR01/1ABCDEFGH?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Service temporarily unavailable" in english


def test_a_login_waits_for_the_database(down):
    form = hidden_fields(down.get("/masuk").get_data(as_text=True))
    response = down.post("/masuk", data={**form, "login": "siti", "password": "x" * 12})
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"


def test_the_api_answers_json(down):
    response = down.get("/api/v1/tickets/A001", headers={"Authorization": "Bearer sw_x"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    body = response.get_json()
    assert body["code"] == 503 and body["status"] == "Service Unavailable" and body["message"]


def test_a_database_failing_mid_answer_stores_nothing(app, build, clock):
    counter = build.counter()
    db.session.commit()
    path = counter_survey_url(counter).removeprefix("http://survey.test")
    failing = create_app({**app.config, "PROPAGATE_EXCEPTIONS": False})  # a 503 would fail the fixture's app
    failing.test_client_class = type(app.test_client())
    lost = psycopg.OperationalError if db.engine.dialect.name == "postgresql" else sqlite3.OperationalError
    with failing.app_context():
        engine = db.engine

        def lose_the_database(cursor, statement, parameters, context):
            if statement.startswith("INSERT INTO survey_responses"):
                raise lost("disk I/O error")

        event.listen(engine, "do_execute", lose_the_database)
        try:
            client = failing.test_client()
            form = hidden_fields(client.get(path).get_data(as_text=True))
            response = client.post(path, data={**form, **ALL_GOOD, "comment": "setengah"})
        finally:
            event.remove(engine, "do_execute", lose_the_database)
            db.session.remove()
            engine.dispose()
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    # Once the database is back, the same form goes through.
    assert app.test_client().post(path, data={**form, **ALL_GOOD}).status_code in (303, 400)


def test_a_logged_in_page_is_a_503_too_when_the_database_goes_away(down):
    """make proof found staff pages answering 500 while PostgreSQL was down: the 503 page loaded the account."""
    with down.session_transaction() as session:  # a staff member's session from before the outage
        session["_user_id"] = "1:0"
        session["_fresh"] = True
        session[LAST_SEEN] = int(time.time())
    response = down.get("/akun")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "Layanan sedang tidak tersedia" in response.get_data(as_text=True)
