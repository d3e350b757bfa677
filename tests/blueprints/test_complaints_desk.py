"""The complaint desk: handlers only, their unit only, overdue first, every step one audit row, answers mailed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent
from feedback_app.services.complaints import file_complaint
from tests.helpers import hidden_fields, login
from tests.services.test_complaints import smtp_server  # noqa: F401  (the local SMTP server fixture)


def _post(client, path: str, **data):
    token = hidden_fields(client.get("/meja-pengaduan/").get_data(as_text=True)).get("csrf_token")
    if token is None:
        token = hidden_fields(client.get("/masuk").get_data(as_text=True))["csrf_token"]
    return client.post(path, data={"csrf_token": token, **data})


def test_a_handler_verifies_answers_and_closes_and_the_citizen_gets_mail(app, client, build, clock, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    unit = build.unit(slug="meja", name="Disdukcapil Meja")
    handler = build.user("pengaduan", {"complaints"}, unit=unit)
    late = file_complaint(unit, kind="pengaduan", text="Lama", at=clock.now() - timedelta(days=10))
    complaint = file_complaint(unit, kind="pengaduan", text="NIK 3201123456780004 ditolak", contact="w@contoh.id")
    db.session.commit()
    login(client, handler)
    desk = client.get("/meja-pengaduan/").get_data(as_text=True)
    assert desk.index(f"/meja-pengaduan/{late.id}") < desk.index(f"/meja-pengaduan/{complaint.id}")
    assert "Terlambat" in desk and "3201123456780004" not in desk  # the list masks; the detail is for handling
    detail = client.get(f"/meja-pengaduan/{complaint.id}").get_data(as_text=True)
    assert "w@contoh.id" in detail  # the contact, unmasked, for the unit's complaint handlers only
    assert _post(client, f"/meja-pengaduan/{complaint.id}/verify").status_code == 302
    empty = _post(client, f"/meja-pengaduan/{complaint.id}/answer", **{"answer-text": ""})
    assert empty.status_code == 422 and "Tuliskan jawabannya" in empty.get_data(as_text=True)
    answer = _post(client, f"/meja-pengaduan/{complaint.id}/answer", **{"answer-text": "Silakan datang lagi."})
    assert answer.status_code == 302
    assert _post(client, f"/meja-pengaduan/{complaint.id}/close").status_code == 302
    twice = _post(client, f"/meja-pengaduan/{complaint.id}/close")
    assert twice.status_code == 302  # a second click: back to the page with a message, nothing changes
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == str(complaint.id), AuditEvent.actor_kind == "user")
    ).all()
    assert sorted(actions) == ["complaint.answer", "complaint.close", "complaint.verify"]
    [mail] = smtp_server.messages
    assert "Silakan datang lagi." in mail and complaint.tracking_code[:5] in mail


def test_other_units_and_other_roles_see_nothing(client, build, clock):
    unit, other = build.unit(), build.unit()
    complaint = file_complaint(other, kind="pengaduan", text="X", contact="081234567890")
    handler = build.user("pengaduan-a", {"complaints"}, unit=unit)
    db.session.commit()
    login(client, handler)
    assert client.get(f"/meja-pengaduan/{complaint.id}").status_code == 403
    assert "081234567890" not in client.get("/meja-pengaduan/").get_data(as_text=True)
    assert _post(client, f"/meja-pengaduan/{complaint.id}/verify").status_code == 403


def test_forward_and_reject_from_the_desk(client, build, clock):
    instansi = build.unit(slug="pemkot")
    a = build.unit(parent=instansi, name="Kecamatan A")
    b = build.unit(parent=instansi, name="Kecamatan B")
    admin = build.user("admin-semua", {"admin"})
    forwarded = file_complaint(a, kind="informasi", text="Jadwal?")
    rejected = file_complaint(a, kind="saran", text="Iklan")
    db.session.commit()
    login(client, admin)
    page = client.get(f"/meja-pengaduan/{forwarded.id}").get_data(as_text=True)
    assert "Kecamatan B" in page
    response = _post(client, f"/meja-pengaduan/{forwarded.id}/forward", **{"forward-unit": str(b.id)})
    assert response.status_code == 302
    no_reason = _post(client, f"/meja-pengaduan/{rejected.id}/reject", **{"reject-reason": ""})
    assert no_reason.status_code == 422
    assert (
        _post(client, f"/meja-pengaduan/{rejected.id}/reject", **{"reject-reason": "Bukan pengaduan"}).status_code
        == 302
    )
    db.session.expire_all()
    assert (forwarded.unit_id, forwarded.status) == (b.id, "diteruskan")
    assert (rejected.status, rejected.reject_reason) == ("ditolak", "Bukan pengaduan")
