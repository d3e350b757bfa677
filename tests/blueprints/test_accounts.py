"""Accounts: changing a password, an admin's one-time reset link, and failed logins that slow down then lock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, LoginThrottle, PasswordReset, User
from feedback_app.services import login_throttle
from tests.helpers import PASSWORD, hidden_fields, login

NEW = "kata-sandi-baru-123"
REFUSED = "Terlalu banyak percobaan masuk yang gagal."


@pytest.fixture
def clocked(clock):
    return clock


def _audit() -> list[str]:
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _try(client, name: str, password: str):
    form = hidden_fields(client.get("/masuk").get_data(as_text=True))
    return client.post("/masuk", data={**form, "login": name, "password": password})


def test_a_user_changes_their_password_knowing_the_current_one(app, client, build):
    user = build.user("siti", {"hr"})
    db.session.commit()
    login(client, user)
    token = hidden_fields(client.get("/akun/kata-sandi").get_data(as_text=True))["csrf_token"]
    for data, message in (
        ({"current": "salah-sekali-123", "new": NEW, "repeat": NEW}, "Kata sandi sekarang salah."),
        ({"current": PASSWORD, "new": NEW, "repeat": NEW + "x"}, "Kedua isian kata sandi baru tidak sama."),
        ({"current": PASSWORD, "new": "pendek", "repeat": "pendek"}, "Kata sandi baru minimal 10 karakter."),
        ({"current": PASSWORD, "new": PASSWORD, "repeat": PASSWORD}, "harus berbeda"),
    ):
        response = client.post("/akun/kata-sandi", data={"csrf_token": token, **data})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _audit() == []
    response = client.post(
        "/akun/kata-sandi", data={"csrf_token": token, "current": PASSWORD, "new": NEW, "repeat": NEW}
    )
    assert response.status_code == 303
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.check_password(NEW) and not stored.check_password(PASSWORD)
    assert _audit() == ["user.change_password"]
    english = client.post(
        "/akun/kata-sandi?lang=en", data={"csrf_token": token, "current": "wrong-wrong-1", "new": NEW, "repeat": NEW}
    )
    assert english.status_code == 422 and "The current password is wrong." in english.get_data(as_text=True)


def test_an_admin_makes_a_one_time_expiring_reset_link_shown_once(app, client, build, clocked):
    unit, other = build.unit(), build.unit()
    admin = build.user("admin-a", {"admin"}, unit=unit)
    siti = build.user("siti", {"hr"}, unit=unit)
    stranger = build.user("orang-lain", {"hr"}, unit=other)
    db.session.commit()
    login(client, admin)
    page = client.get("/admin/pengguna")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "siti" in html and "orang-lain" not in html
    token = hidden_fields(html)["csrf_token"]
    assert (
        client.post("/admin/pengguna/atur-ulang", data={"csrf_token": token, "user_id": stranger.id}).status_code == 404
    )
    response = client.post("/admin/pengguna/atur-ulang", data={"csrf_token": token, "user_id": siti.id})
    assert response.status_code == 303
    shown = client.get("/admin/pengguna").get_data(as_text=True)
    link = shown.split('<code id="reset-link">')[1].split("</code>")[0]
    assert "/atur-ulang-sandi/" in link
    assert "/atur-ulang-sandi/" not in client.get("/admin/pengguna").get_data(as_text=True)  # shown once
    path = "/atur-ulang-sandi/" + link.rsplit("/", 1)[1]
    reset_token = link.rsplit("/", 1)[1]
    assert reset_token not in str(db.session.scalars(select(PasswordReset.token_hash)).all())

    citizen = app.test_client()
    form = citizen.get(path)
    assert form.status_code == 200 and form.headers["Referrer-Policy"] == "no-referrer"
    csrf = hidden_fields(form.get_data(as_text=True))["csrf_token"]
    assert citizen.post(path, data={"csrf_token": csrf, "new": NEW, "repeat": "lain"}).status_code == 422
    assert citizen.post(path, data={"csrf_token": csrf, "new": NEW, "repeat": NEW}).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, siti.id).check_password(NEW)
    assert citizen.get(path).status_code == 410  # used once, then gone
    assert _audit() == ["user.create_password_reset", "user.reset_password"]

    # A second link expires after 24 hours; making a new one ends the old.
    client.post("/admin/pengguna/atur-ulang", data={"csrf_token": token, "user_id": siti.id})
    first = client.get("/admin/pengguna").get_data(as_text=True).split('<code id="reset-link">')[1].split("</code>")[0]
    client.post("/admin/pengguna/atur-ulang", data={"csrf_token": token, "user_id": siti.id})
    second = client.get("/admin/pengguna").get_data(as_text=True).split('<code id="reset-link">')[1].split("</code>")[0]
    assert citizen.get("/atur-ulang-sandi/" + first.rsplit("/", 1)[1]).status_code == 410
    assert citizen.get("/atur-ulang-sandi/" + second.rsplit("/", 1)[1]).status_code == 200
    clocked.advance(timedelta(hours=24, seconds=1))
    assert citizen.get("/atur-ulang-sandi/" + second.rsplit("/", 1)[1]).status_code == 410


def test_failed_logins_slow_down_then_lock_whether_or_not_the_login_exists(app, client, build, clocked):
    build.user("siti", {"hr"})
    db.session.commit()
    answers = {}
    for name in ("siti", "tidak-ada"):
        codes = [_try(client, name, "salah-salah-1").status_code for _ in range(3)]
        assert codes == [400, 400, 400]
        refused = _try(client, name, PASSWORD if name == "siti" else "apa saja")  # even the right password
        assert refused.status_code == 429
        answers[name] = refused.get_data(as_text=True).split('class="e">')[1].split("<")[0]
    assert answers["siti"] == answers["tidak-ada"] == f"{REFUSED} Coba lagi dalam 5 detik."
    clocked.advance(timedelta(seconds=5))
    assert _try(client, "siti", PASSWORD).status_code == 302  # waited: the right password works, the count goes
    assert db.session.get(LoginThrottle, login_throttle.account_key("siti")) is None
    # Ten failures in a row lock the name for 15 minutes, waiting or not.
    for _ in range(10):
        clocked.advance(timedelta(minutes=6))
        _try(client, "siti", "salah-salah-1")
    clocked.advance(timedelta(minutes=6))
    locked = _try(client, "siti", PASSWORD)
    assert locked.status_code == 429 and "Coba lagi dalam 9 menit." in locked.get_data(as_text=True)
    clocked.advance(timedelta(minutes=9))
    assert _try(client, "siti", PASSWORD).status_code == 302
    # Nothing stored names the login or the address.
    keys = " ".join(db.session.scalars(select(LoginThrottle.key)))
    assert "siti" not in keys and "127.0.0.1" not in keys


def test_one_network_guessing_many_names_is_slowed_down_too(app, client, build, clocked):
    build.user("siti", {"hr"})
    db.session.commit()
    codes = [
        _try(client, f"nama{i}", "salah-salah-1").status_code for i in range(login_throttle.NETWORK.slow_after + 1)
    ]
    assert codes[:-1] == [400] * login_throttle.NETWORK.slow_after and codes[-1] == 429
    assert _try(client, "siti", PASSWORD).status_code == 429  # from that network, for a while
    clocked.advance(timedelta(seconds=2))
    assert _try(client, "siti", PASSWORD).status_code == 302
