"""Holidays on the admin pages: the national list (admins of every unit) and regional days per unit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Holiday, UnitHoliday
from feedback_app.services.sufficient_statistics import holidays_between
from tests.helpers import hidden_fields, login


def _csrf(client) -> str:
    return hidden_fields(client.get("/admin/libur").get_data(as_text=True))["csrf_token"]


def test_an_admin_of_every_unit_seeds_this_years_national_holidays(app, client, build, clock):
    admin = build.user("admin.pusat", {"admin"})
    db.session.commit()
    login(client, admin)
    token = _csrf(client)
    assert client.post("/admin/libur/nasional", data={"csrf_token": token, "year": "2026"}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Holiday)) >= 13
    page = client.get("/admin/libur").get_data(as_text=True)
    assert "Hari Lahir Pancasila" in page
    later = client.post("/admin/libur/nasional", data={"csrf_token": token, "year": "2027"})
    assert later.status_code == 422 and "Libur nasional 2027 belum tersedia" in later.get_data(as_text=True)
    far = client.post("/admin/libur/nasional", data={"csrf_token": token, "year": "2030"})
    assert far.status_code == 422
    assert db.session.scalars(select(AuditEvent.action)).all() == ["holiday.seed_national"]


def test_a_unit_admin_adds_regional_days_which_count_only_for_that_unit(app, client, build, clock):
    unit = build.unit(slug="kota-palu", name="Kota Palu")
    other = build.unit(slug="kota-lain", name="Kota Seberang")
    admin = build.user("admin.palu", {"admin"}, unit=unit)
    db.session.commit()
    login(client, admin)
    token = _csrf(client)
    national = client.post("/admin/libur", data={"csrf_token": token, "day": "2026-10-20", "name": "X", "unit_id": ""})
    assert national.status_code == 422
    outside = client.post(
        "/admin/libur", data={"csrf_token": token, "day": "2026-10-20", "name": "X", "unit_id": str(other.id)}
    )
    assert outside.status_code == 422
    response = client.post(
        "/admin/libur",
        data={"csrf_token": token, "day": "2026-09-28", "name": "Hari Jadi Kota Palu", "unit_id": str(unit.id)},
    )
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(UnitHoliday)) == 1
    assert "Hari Jadi Kota Palu" in client.get("/admin/libur").get_data(as_text=True)
    day = date(2026, 9, 28)
    assert holidays_between(date(2026, 9, 1), date(2026, 10, 1), unit.id) == {day}
    assert holidays_between(date(2026, 9, 1), date(2026, 10, 1), other.id) == frozenset()
    assert holidays_between(date(2026, 9, 1), date(2026, 10, 1)) == frozenset()
    bad = client.post(
        "/admin/libur", data={"csrf_token": token, "day": "28-09-2026", "name": "X", "unit_id": str(unit.id)}
    )
    assert bad.status_code == 422
