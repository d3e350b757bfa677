"""Security headers (issue 9.3 and 9.7): no script may run on any page, no page may be framed, none sniffed, and the
survey and ticket URLs (which carry tokens) never leave in a Referer."""

from __future__ import annotations

import re

import pytest

from feedback_app.extensions import db
from feedback_app.services.tokens import counter_survey_url
from tests.helpers import login

BASE = "http://survey.test"


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";") if part.strip())}


@pytest.fixture
def pages(client, build):
    """A page of every kind: the survey, the login page, a staff page, the error page, the API."""
    unit = build.unit(slug="kota-bogor")
    counter = build.counter(unit, public_code="BGR01")
    user = build.user("admin-bogor", {"admin"}, unit=unit)
    db.session.commit()
    survey = counter_survey_url(counter).removeprefix(BASE)
    login(client, user)
    return {
        "survey": survey,
        "login": "/masuk",
        "admin": "/admin/",
        "roster": "/admin/unit/kota-bogor/jadwal",
        "not found": "/tidak-ada",
        "api": "/api/v1/tickets/x",
        "openapi": "/api/v1/openapi.json",
    }


def test_no_page_may_run_a_script_or_be_framed(client, pages):
    for name, path in pages.items():
        response = client.get(path)
        policy = directives(response)
        assert policy["default-src"] == ["'none'"], name
        assert "script-src" not in policy, name  # default-src 'none': no script at all
        assert policy["frame-ancestors"] == ["'none'"], name
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"], name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name


def test_inline_styles_carry_this_responses_nonce(client, pages):
    for name in ("survey", "login", "admin", "roster", "not found"):
        first, second = client.get(pages[name]), client.get(pages[name])
        nonces = []
        for response in (first, second):
            [source] = directives(response)["style-src"]
            nonce = re.fullmatch(r"'nonce-([\w-]+)'", source).group(1)
            html = response.get_data(as_text=True)
            assert re.findall(r"<style([^>]*)>", html), name
            assert all(attrs == f' nonce="{nonce}"' for attrs in re.findall(r"<style([^>]*)>", html)), name
            nonces.append(nonce)
        assert nonces[0] != nonces[1], "a nonce is used once"


def test_token_pages_send_no_referrer_and_staff_pages_only_to_their_own_site(client, pages):
    assert client.get(pages["survey"]).headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/s/t/not-a-token").headers["Referrer-Policy"] == "no-referrer"
    assert client.get(pages["api"]).headers["Referrer-Policy"] == "no-referrer"
    # Same-origin, not none: Flask-WTF's CSRF check needs the Referer on HTTPS form posts.
    assert client.get(pages["admin"]).headers["Referrer-Policy"] == "same-origin"


def test_only_the_api_reference_runs_scripts_and_only_its_own(client):
    response = client.get("/api/v1/docs")
    policy = directives(response)
    [nonce] = [source for source in policy["script-src"] if source.startswith("'nonce-")]
    assert policy["script-src"] == ["'self'", nonce]
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script([^>]*)>(?!</script>)", html)
    assert inline == [f' nonce="{nonce[7:-1]}"'], "one inline script, carrying the nonce"
