"""Every write that existed before the audit trail now leaves exactly one audit row (spec §7), web and CLI alike."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, EmployeeAssignment
from tests.blueprints.test_admin import revoke_form
from tests.helpers import hidden_fields, login

NIP = "198503152010011002"


def events() -> list[tuple[str, str, str | None]]:
    db.session.expire_all()
    return [
        (e.action, e.actor_kind, e.actor_login) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


@pytest.fixture
def bogor(build, clock):
    unit = build.unit(name="Disdukcapil Kota Bogor", slug="kota-bogor")
    build.counter(unit, public_code="BGR01")
    employee = build.employee(nip=NIP, name="Siti Rahmawati")
    db.session.add(EmployeeAssignment(employee=employee, unit=unit, position="Petugas", valid_from=date(2020, 1, 1)))
    admin = build.user("admin-bogor", {"admin"}, unit=unit)
    db.session.commit()
    return unit, admin


def test_revoking_a_poster_is_one_audit_row_and_a_double_click_none_more(client, bogor):
    login(client, bogor[1])
    form = revoke_form(client, "BGR01")
    client.post("/admin/loket/BGR01/cabut-poster", data=form)
    client.post("/admin/loket/BGR01/cabut-poster", data=form)  # the same page's button again: no second revocation
    assert events() == [("counter.rotate_qr", "user", "admin-bogor")]
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert (event.before, event.after, event.unit_id) == ({"poster_version": 1}, {"poster_version": 2}, bogor[0].id)


def test_creating_and_revoking_a_token_are_one_row_each(client, bogor):
    login(client, bogor[1])
    page = client.get("/admin/unit/kota-bogor/token-api").get_data(as_text=True)
    client.post(
        "/admin/unit/kota-bogor/token-api", data={"csrf_token": hidden_fields(page)["csrf_token"], "name": "Mesin 1"}
    )
    page = client.get("/admin/unit/kota-bogor/token-api").get_data(as_text=True)
    token = page.split('<code id="new-token">', 1)[1].split("</code>", 1)[0]
    fields = hidden_fields(page.split('action="/admin/unit/kota-bogor/token-api/cabut"', 1)[1].split("</form>", 1)[0])
    client.post("/admin/unit/kota-bogor/token-api/cabut", data=fields)
    assert [action for action, *_ in events()] == ["api_token.create", "api_token.revoke"]
    assert token.startswith("sw_")
    assert all(token not in str(event.after) for event in db.session.scalars(select(AuditEvent)))  # never the token


def test_applying_a_roster_is_one_row_with_its_counts(client, bogor):
    import io
    import re

    login(client, bogor[1])
    page = client.get("/admin/unit/kota-bogor/jadwal").get_data(as_text=True)
    text = f"nip,counter,date,start,end\n{NIP},BGR01,2026-10-15,08:00,15:00\n{NIP},BGR01,2026-10-16,08:00,15:00\n"
    checked = client.post(
        "/admin/unit/kota-bogor/jadwal",
        content_type="multipart/form-data",
        data={"csrf_token": hidden_fields(page)["csrf_token"], "file": (io.BytesIO(text.encode()), "jadwal.csv")},
    ).get_data(as_text=True)
    assert events() == []  # the dry run writes nothing
    form = re.search(r'action="/admin/unit/kota-bogor/jadwal/terapkan"[^>]*>(.*?)</form>', checked, re.S).group(1)
    client.post("/admin/unit/kota-bogor/jadwal/terapkan", data=hidden_fields(form))
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert (event.action, event.after) == ("roster.import", {"added": 2, "skipped_duplicates": 0})


def test_cli_writes_are_audited_as_the_cli(app, bogor, tmp_path, monkeypatch):
    runner = app.test_cli_runner()
    monkeypatch.setenv("SUARA_WARGA_PASSWORD", "a-long-enough-password")
    assert runner.invoke(args=["users", "create", "sdm", "--role", "hr"]).exit_code == 0
    assert runner.invoke(args=["api-token", "create", "--unit", "kota-bogor", "--name", "Mesin"]).exit_code == 0
    assert runner.invoke(args=["holidays", "add", "2026-12-24", "Cuti bersama Natal"]).exit_code == 0
    assert runner.invoke(args=["holidays", "add", "2026-12-24", "Cuti bersama Natal"]).exit_code == 0  # unchanged
    assert runner.invoke(args=["scores", "params", "--unit", "kota-bogor", "--set", "shrinkage_k=10"]).exit_code == 0
    assert runner.invoke(args=["scores", "params", "--unit", "kota-bogor", "--set", "shrinkage_k=10"]).exit_code == 0
    targets = tmp_path / "targets.csv"
    targets.write_text(f"nip,period,name,target\n{NIP},2026-Q3,Dokumen selesai,100\n")
    assert runner.invoke(args=["appraisal", "import-targets", str(targets)]).exit_code == 0
    result = runner.invoke(args=["scores", "compute", "--period", "2026-Q3", "--unit", "kota-bogor", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert [(action, kind) for action, kind, _login in events()] == [
        ("user.create", "cli"),
        ("api_token.create", "cli"),
        ("holiday.add", "cli"),
        ("unit.set_parameters", "cli"),
        ("appraisal.import_targets", "cli"),
        ("score_run.compute", "cli"),
    ]
    parameters = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit.set_parameters")).one()
    assert (parameters.before, parameters.after) == ({"shrinkage_k": None}, {"shrinkage_k": 10})


def test_the_audit_page_filters_pages_and_exports_within_the_admins_scope(app, client, build, bogor):
    import csv
    import io

    from feedback_app.services import audit_log
    from feedback_app.services.audit import record_audit

    other = build.unit(slug="kassi")
    for n in range(5):
        record_audit("counter.rotate_qr", entity="counter", entity_id=n, unit_id=bogor[0].id, after={"n": n})
    record_audit(
        "appraisal.override", entity="appraisal", entity_id=9, unit_id=bogor[0].id, reason="NIK 3201123456780004"
    )
    record_audit("counter.rotate_qr", entity="counter", entity_id=99, unit_id=other.id)  # another unit: never shown
    db.session.commit()
    login(client, bogor[1])
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.count("<code>counter.rotate_qr</code>") == 5 and "#99" not in page
    assert "3201********0004" in page and "3201123456780004" not in page
    filtered = client.get("/admin/audit?aksi=appraisal").get_data(as_text=True)
    assert "<code>appraisal.override</code>" in filtered and "<code>counter.rotate_qr</code>" not in filtered
    assert client.get("/admin/audit?dari=kemarin").status_code == 422
    assert client.get(f"/admin/audit?unit={other.id}").status_code == 422
    exported = client.get("/admin/audit.csv?aksi=counter").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "at_utc", "actor_kind"] and len(rows) == 6
    audit_log.PAGE_SIZE, old = 2, audit_log.PAGE_SIZE
    try:
        first = client.get("/admin/audit").get_data(as_text=True)
        assert first.count("<tr><td>") == 2 and "sebelum=" in first
    finally:
        audit_log.PAGE_SIZE = old
