"""Staff logging in and out: the form, where it leads, what it refuses, and the account page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import User
from tests.helpers import PASSWORD, hidden_fields, login

WRONG = "Nama pengguna atau kata sandi salah."


def login_form(client, **query) -> dict[str, str]:
    page = client.get("/masuk", query_string=query)
    assert page.status_code == 200
    return hidden_fields(page.get_data(as_text=True))


def post_login(client, login_name: str, password: str = PASSWORD, **query):
    form = login_form(client, **query)
    return client.post("/masuk", data={**form, "login": login_name, "password": password})


def is_logged_in(client) -> bool:
    response = client.get("/akun")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk"), response.status_code
    return False


def test_login_page_is_indonesian(client):
    response = client.get("/masuk")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="id">' in html
    assert "Masuk untuk petugas" in html
    assert "Nama pengguna" in html and "Kata sandi" in html
    assert 'autocomplete="current-password"' in html


def test_good_login_leads_to_the_account_page(client, build):
    build.user("siti", {"hr"})
    db.session.commit()
    assert not is_logged_in(client)
    response = post_login(client, "siti")
    assert response.status_code == 302
    assert response.headers["Location"] == "/akun"
    assert is_logged_in(client)


def test_login_returns_to_the_page_that_asked_for_it(client, build):
    user = build.user("admin", {"admin"})
    db.session.commit()
    asked = client.get("/admin/")
    assert asked.status_code == 302
    form = hidden_fields(client.get(asked.headers["Location"]).get_data(as_text=True))
    assert form["next"] == "/admin/"
    response = client.post("/masuk", data={**form, "login": user.login, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("target", ["/admin/", "/akun?tab=peran"])
def test_a_safe_next_is_followed(client, build, target):
    build.user("admin", {"admin"})
    db.session.commit()
    response = post_login(client, "admin", next=target)
    assert response.status_code == 302 and response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/masuk",
        "https://evil.example",
        "http://evil.example/akun",
        "/\\evil.example",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
def test_a_next_leading_off_site_is_ignored(client, build, target):
    build.user("admin", {"admin"})
    db.session.commit()
    response = post_login(client, "admin", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/akun"
    assert is_logged_in(client)


def test_wrong_password_is_refused_without_a_session(client, build):
    build.user("siti", {"hr"})
    db.session.commit()
    response = post_login(client, "siti", password="not-the-password")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert WRONG in html
    assert 'value="not-the-password"' not in html  # the password is not echoed back
    assert not is_logged_in(client)


def test_unknown_login_gets_the_same_answer_as_a_wrong_password(client, build):
    response = post_login(client, "tidak-ada")
    assert response.status_code == 400 and WRONG in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_inactive_account_cannot_log_in(client, build):
    user = build.user("pensiun", {"admin"})
    user.active = False
    db.session.commit()
    response = post_login(client, "pensiun")
    assert response.status_code == 400 and WRONG in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_deactivating_an_account_ends_its_open_sessions(client, build):
    user = build.user("dipecat", {"admin"})
    db.session.commit()
    login(client, user)
    assert is_logged_in(client)
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert not is_logged_in(client)
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(client, build):
    build.user("siti", {"hr"})
    db.session.commit()
    client.get("/masuk")  # the session exists, only the token is missing
    response = client.post("/masuk", data={"login": "siti", "password": PASSWORD})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_empty_login_form_asks_for_both_fields(client):
    form = login_form(client)
    response = client.post("/masuk", data={**form, "login": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Isi nama pengguna." in html and "Isi kata sandi." in html


def test_logout_needs_a_post_with_csrf_token(client, build):
    user = build.user("siti", {"hr"})
    db.session.commit()
    login(client, user)
    assert client.get("/keluar").status_code == 405
    assert client.post("/keluar").status_code == 400  # no token: a forged cross-site form cannot log anyone out
    assert is_logged_in(client)
    token = hidden_fields(client.get("/akun").get_data(as_text=True))["csrf_token"]
    response = client.post("/keluar", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/masuk"
    assert "Anda sudah keluar." in client.get("/masuk").get_data(as_text=True)
    after = client.get("/akun")
    assert after.status_code == 302 and after.headers["Location"].startswith("/masuk?next=")


def test_password_is_stored_as_a_salted_hash(app, build):
    first = build.user("satu", {"hr"})
    second = build.user("dua", {"hr"})
    db.session.commit()
    stored = db.session.scalar(select(User.password_hash).where(User.id == first.id))
    assert PASSWORD not in stored
    assert stored != db.session.scalar(select(User.password_hash).where(User.id == second.id))
    assert first.check_password(PASSWORD)
    assert not first.check_password(PASSWORD + "x")
    assert not first.check_password(stored)


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_guessing_passwords_is_slowed_down(client, build):
    # Different names each time, so this is the per-network request limit, not the per-account throttle
    # (tests/blueprints/test_accounts.py).
    form = login_form(client)
    codes = [
        client.post("/masuk", data={**form, "login": f"siti{i}", "password": f"tebakan-{i}"}).status_code
        for i in range(21)
    ]
    assert codes == [400] * 20 + [429]


@pytest.mark.config(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6390/2")
def test_with_redis_down_staff_still_log_in_and_guessing_is_still_slowed(client, build, caplog):
    """Issue 9.4: with Redis stopped every login answered 500."""
    from feedback_app.extensions import limiter

    user = build.user("siti")
    db.session.commit()
    try:
        login(client, user)  # a 302 to the account page, not a 500
        form = login_form(client)
        codes = {client.post("/masuk", data={**form, "password": f"tebakan-{i}"}).status_code for i in range(21)}
        assert codes == {400, 429}  # counted in this process's memory meanwhile
    finally:
        limiter._storage_dead = False  # the limiter is shared by every app of the test run


def test_account_page_shows_roles_and_unit(client, build):
    unit = build.unit(name="Disdukcapil Kota Makassar", timezone="Asia/Makassar")
    user = build.user("ani", {"admin", "hr"}, unit=unit)
    db.session.commit()
    login(client, user)
    html = client.get("/akun").get_data(as_text=True)
    assert "Selamat datang, ani" in html
    assert "Admin unit, Kepegawaian (SDM)" in html
    assert "Atasan / pejabat penilai" not in html and "Petugas layanan" not in html
    assert "Disdukcapil Kota Makassar (WITA)" in html
    # An admin is led to the unit's counters and posters.
    assert f"/admin/unit/{unit.slug}/poster" in html


def test_account_page_of_staff_without_unit(client, build):
    employee = build.employee(name="Budi Santoso")
    user = build.user("budi", {"staff"}, employee=employee)
    db.session.commit()
    login(client, user)
    html = client.get("/akun").get_data(as_text=True)
    assert "Petugas layanan" in html and "Admin unit" not in html
    assert "Budi Santoso" in html and f"NIP {employee.nip}" in html
    assert "Semua unit" in html
    assert "/admin/" not in html  # no link to pages a staff account cannot open


# --- sessions end (issue 9.7) -----------------------------------------------------------------------------------


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie (as stolen from a shared PC)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def logged_in_pair(app, client, build):
    user = build.user("siti", {"hr"})
    db.session.commit()
    login(client, user)
    thief = copy_of(app, client)
    assert is_logged_in(thief)
    return user, thief


def test_logout_ends_a_copied_session_cookie_too(app, client, build):
    _user, thief = logged_in_pair(app, client, build)
    token = hidden_fields(client.get("/akun").get_data(as_text=True))["csrf_token"]
    assert client.post("/keluar", data={"csrf_token": token}).status_code == 302
    assert not is_logged_in(thief)
    assert not is_logged_in(client)


def test_a_new_password_ends_every_session(app, client, build):
    user, thief = logged_in_pair(app, client, build)
    user.set_password("a-brand-new-password")
    db.session.commit()
    assert not is_logged_in(thief) and not is_logged_in(client)
    login(client, user, "a-brand-new-password")
    assert is_logged_in(client)


def test_deactivation_ends_every_session_even_after_reactivation(app, client, build):
    user, thief = logged_in_pair(app, client, build)
    user.active = False
    db.session.commit()
    assert not is_logged_in(thief)
    user.active = True
    db.session.commit()
    assert not is_logged_in(thief) and not is_logged_in(client)


def test_a_session_ends_after_30_idle_minutes(client, build, clock):
    user = build.user("siti", {"hr"})
    db.session.commit()
    login(client, user)
    clock.advance(timedelta(minutes=29))
    assert is_logged_in(client)  # each request restarts the idle clock
    clock.advance(timedelta(minutes=29))
    assert is_logged_in(client)
    clock.advance(timedelta(minutes=31))
    assert not is_logged_in(client)
