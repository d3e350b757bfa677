"""A unit admin's token page: create (shown once), list, revoke; scoped to the admin's unit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import ApiToken
from feedback_app.services.api_tokens import create_api_token
from tests.helpers import hidden_fields, login


@pytest.fixture
def unit(build):
    return build.unit(name="Disdukcapil Kota Bogor", slug="kota-bogor")


@pytest.fixture
def admin(client, build, unit):
    user = build.user("admin-bogor", {"admin"}, unit=unit)
    db.session.commit()
    login(client, user)
    return client


def page(client, slug="kota-bogor"):
    response = client.get(f"/admin/unit/{slug}/token-api")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def create(client, name: str, slug="kota-bogor"):
    form = hidden_fields(page(client, slug))
    return client.post(
        f"/admin/unit/{slug}/token-api", data={"csrf_token": form["csrf_token"], "name": name}, follow_redirects=True
    )


def api_status(client, token: str) -> int:
    return client.get("/api/v1/tickets/X", headers={"Authorization": f"Bearer {token}"}).status_code


def tokens() -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))


def test_the_counters_page_links_to_each_units_tokens(admin):
    html = admin.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/unit/kota-bogor/token-api"' in html


def test_a_new_token_is_shown_once_and_works(admin, app, clock):
    response = create(admin, "Mesin lantai 1")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert [r.status_code for r in response.history] == [303]  # post/redirect/get: a refresh creates nothing
    html = response.get_data(as_text=True)
    [token] = re.findall(r'<code id="new-token">(sw_[\w-]+)</code>', html)
    assert "tidak akan ditampilkan lagi" in html
    assert api_status(app.test_client(), token) == 404  # authenticated, no such ticket
    later = page(admin)
    assert token not in later and token[:10] in later and "Mesin lantai 1" in later
    [row] = tokens()
    assert row.last_used_at == clock.now()


def test_revoking_stops_the_token(admin, app):
    token = re.search(r'id="new-token">([^<]+)<', create(admin, "A").get_data(as_text=True)).group(1)
    [row] = tokens()
    form = hidden_fields(page(admin))
    response = admin.post(
        "/admin/unit/kota-bogor/token-api/cabut", data={"csrf_token": form["csrf_token"], "token_id": str(row.id)}
    )
    assert response.status_code == 302
    assert "dicabut" in page(admin)
    assert tokens()[0].revoked_at is not None
    assert api_status(app.test_client(), token) == 401


def test_an_empty_name_or_a_missing_csrf_token_creates_nothing(admin):
    response = create(admin, "  ")
    assert [r.status_code for r in response.history] == [302]
    assert "Beri nama token" in response.get_data(as_text=True)
    assert admin.post("/admin/unit/kota-bogor/token-api", data={"name": "Tanpa CSRF"}).status_code == 400
    assert tokens() == []


def test_another_units_admin_sees_and_touches_nothing(client, build, unit):
    other = build.unit(slug="kab-kassi")
    row, _token = create_api_token(unit, "Mesin Bogor")
    admin_other = build.user("admin-kassi", {"admin"}, unit=other)
    db.session.commit()
    login(client, admin_other)
    assert client.get("/admin/unit/kota-bogor/token-api").status_code == 403
    csrf = hidden_fields(page(client, "kab-kassi"))["csrf_token"]
    # Through the page of their own unit, the other unit's token is not found.
    response = client.post("/admin/unit/kab-kassi/token-api/cabut", data={"csrf_token": csrf, "token_id": str(row.id)})
    assert response.status_code == 404
    assert (
        client.post(
            "/admin/unit/kota-bogor/token-api/cabut", data={"csrf_token": csrf, "token_id": str(row.id)}
        ).status_code
        == 403
    )
    assert tokens()[0].revoked_at is None


def test_only_admins_open_the_page(client, build, unit):
    hr = build.user("sdm", {"hr", "supervisor"}, unit=unit)
    db.session.commit()
    login(client, hr)
    assert client.get("/admin/unit/kota-bogor/token-api").status_code == 403


def test_an_hr_systems_token_gets_the_indicators_scope_over_the_chosen_units(admin, client, unit, build):
    below = build.unit(slug="kec-bogor", name="Kecamatan Bogor", parent_id=unit.id)
    db.session.commit()
    form = hidden_fields(page(client))
    response = client.post(
        "/admin/unit/kota-bogor/token-api",
        data={"csrf_token": form["csrf_token"], "name": "SIASN", "scopes": "indicators:read", "units": [str(unit.id)]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    [row] = tokens()
    assert row.scopes == "indicators:read" and [u.slug for u in row.units] == ["kota-bogor"]
    assert "indicators:read" in response.get_data(as_text=True)
    token = re.search(r'id="new-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/indicators?period=2026-09&unit={below.slug}", headers=headers).status_code == 200
    assert api_status(client, token) == 403  # not a queue machine
    refused = client.post(
        "/admin/unit/kota-bogor/token-api",
        data={
            "csrf_token": form["csrf_token"],
            "name": "Mesin",
            "scopes": "ticket_events:write",
            "units": [str(below.id)],
        },
        follow_redirects=True,
    )
    assert "hanya untuk unitnya sendiri" not in refused.get_data(as_text=True)  # a queue machine's units are ignored
    assert sorted(t.scopes for t in tokens()) == ["indicators:read", "ticket_events:write"]
    assert [u.slug for u in next(t for t in tokens() if t.name == "Mesin").units] == ["kota-bogor"]
