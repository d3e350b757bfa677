"""Setting up an office on the admin pages: units, service types, counters, employees, placements, accounts."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Counter, Employee, EmployeeAssignment, ServiceType, Unit, User
from tests.helpers import hidden_fields, login

NIP = "198503152010011002"
PPPK = "199001012022211003"


def _csrf(client, path: str) -> str:
    return hidden_fields(client.get(path).get_data(as_text=True))["csrf_token"]


def _admin(client, build, unit=None):
    admin = build.user("admin.kantor", {"admin"}, unit=unit)
    db.session.commit()
    login(client, admin)
    return admin


def _unit_form(**kw):
    return {
        "name": "Disdukcapil Kota Contoh",
        "slug": "kota-contoh",
        "kind": "dukcapil",
        "timezone": "Asia/Makassar",
        "parent_id": "",
        "period_close_grace_days": "",
        **kw,
    }


def test_an_admin_sets_up_a_unit_its_service_and_a_counter(app, client, build):
    _admin(client, build)
    token = _csrf(client, "/admin/unit")
    response = client.post("/admin/unit", data={**_unit_form(), "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)
    unit = db.session.scalar(select(Unit).where(Unit.slug == "kota-contoh"))
    assert (unit.name, unit.timezone, unit.parent_id) == ("Disdukcapil Kota Contoh", "Asia/Makassar", None)

    response = client.post(
        "/admin/unit/kota-contoh/layanan",
        data={
            "csrf_token": token,
            "name": "KTP-el",
            "counter_standard_minutes": "20",
            "completion_standard": "Hari yang sama",
            "fee_rupiah": "0",
        },
    )
    assert response.status_code == 303
    service = db.session.scalar(select(ServiceType).where(ServiceType.unit_id == unit.id))
    response = client.post(
        "/admin/unit/kota-contoh/loket",
        data={"csrf_token": token, "public_code": "ktk01", "name": "Loket 1", "service_type_ids": [str(service.id)]},
    )
    assert response.status_code == 303
    counter = db.session.scalar(select(Counter).where(Counter.public_code == "KTK01"))
    assert counter.active and [s.name for s in counter.service_types] == ["KTP-el"]
    page = client.get("/admin/unit/kota-contoh").get_data(as_text=True)
    assert "KTK01" in page and "/admin/loket/KTK01/poster" in page

    assert client.post("/admin/loket/KTK01/aktif", data={"csrf_token": token, "active": "tidak"}).status_code == 303
    db.session.expire_all()
    assert not db.session.get(Counter, counter.id).active
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["unit.create", "service_type.create", "counter.create", "counter.deactivate"]


def test_bad_values_are_named_beside_their_field_and_store_nothing(app, client, build):
    _admin(client, build)
    token = _csrf(client, "/admin/unit")
    response = client.post("/admin/unit", data={**_unit_form(slug="Kota Contoh!"), "csrf_token": token})
    assert response.status_code == 422
    assert "Slug hanya huruf kecil" in response.get_data(as_text=True)
    unit = build.unit(slug="ada")
    db.session.commit()
    response = client.post("/admin/unit", data={**_unit_form(slug="ada"), "csrf_token": token})
    assert response.status_code == 422 and "sudah dipakai unit lain" in response.get_data(as_text=True)
    response = client.post(
        "/admin/unit/ada/loket",
        data={"csrf_token": token, "public_code": "X1", "name": "Loket", "service_type_ids": []},
    )
    assert response.status_code == 422 and "Kode loket 3–12" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
    assert db.session.scalar(select(func.count()).select_from(Counter).where(Counter.unit_id == unit.id)) == 0


def test_a_unit_admin_creates_units_only_below_their_own(app, client, build):
    home = build.unit(slug="provinsi", name="Provinsi")
    other = build.unit(slug="lain", name="Kabupaten Seberang")
    _admin(client, build, unit=home)
    token = _csrf(client, "/admin/unit")
    top = client.post("/admin/unit", data={**_unit_form(), "csrf_token": token})
    assert top.status_code == 422 and "harus berada di bawah unit Anda" in top.get_data(as_text=True)
    outside = client.post("/admin/unit", data={**_unit_form(parent_id=str(other.id)), "csrf_token": token})
    assert outside.status_code == 422
    below = client.post("/admin/unit", data={**_unit_form(parent_id=str(home.id)), "csrf_token": token})
    assert below.status_code == 303
    assert client.get("/admin/unit/kota-contoh").status_code == 200
    assert client.get("/admin/unit/lain").status_code == 403
    assert "Kabupaten Seberang" not in client.get("/admin/unit").get_data(as_text=True)


def _employee_form(unit, **kw):
    return {
        "name": "Dewi Lestari",
        "employment_type": "PNS",
        "nip": NIP,
        "unit_id": str(unit.id),
        "position": "Petugas Pelayanan",
        "supervisor_id": "",
        "supervisor_acting": "",
        "valid_from": "2026-10-01",
        **kw,
    }


def test_employees_are_added_with_the_wrong_part_of_a_nip_named(app, client, build):
    unit = build.unit(slug="kota-contoh")
    _admin(client, build)
    token = _csrf(client, "/admin/pegawai")
    cases = {
        "198513152010011002": "Bagian tanggal lahir (digit 1–8",
        "198503152010131002": "Bagian TMT pengangkatan",
        "198503152010013002": "Digit jenis kelamin (digit 15)",
        "198503152010011000": "Nomor urut (digit 16–18)",
        "1.98503E+17": "NIP harus 18 digit",
        PPPK: "berbentuk NI PPPK",
    }
    for nip, message in cases.items():
        response = client.post("/admin/pegawai", data={**_employee_form(unit, nip=nip), "csrf_token": token})
        assert response.status_code == 422, nip
        assert message in response.get_data(as_text=True), nip
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 0

    lead = client.post(
        "/admin/pegawai", data={**_employee_form(unit, name="Budi Atasan", nip=NIP), "csrf_token": token}
    )
    assert lead.status_code == 303
    boss = db.session.scalar(select(Employee).where(Employee.nip == NIP))
    pppk = client.post(
        "/admin/pegawai",
        data={
            **_employee_form(unit, employment_type="PPPK", nip=PPPK, supervisor_id=str(boss.id)),
            "supervisor_acting": "plt",
            "csrf_token": token,
        },
    )
    assert pppk.status_code == 303
    honorer = client.post(
        "/admin/pegawai",
        data={**_employee_form(unit, name="Sari", employment_type="non-ASN", nip=""), "csrf_token": token},
    )
    assert honorer.status_code == 303
    member = db.session.scalar(select(Employee).where(Employee.nip == PPPK))
    [placed] = member.assignments
    assert (placed.supervisor_id, placed.supervisor_acting, placed.valid_from) == (boss.id, "plt", date(2026, 10, 1))


def test_a_new_placement_ends_the_current_one(app, client, build):
    unit = build.unit(slug="kota-contoh")
    other = build.unit(slug="kecamatan")
    employee = build.employee(unit)
    lead = build.employee(other, name="Kepala Seksi")
    _admin(client, build)
    token = _csrf(client, f"/admin/pegawai/{employee.id}")
    response = client.post(
        f"/admin/pegawai/{employee.id}/penempatan",
        data={
            "csrf_token": token,
            "unit_id": str(other.id),
            "position": "Petugas",
            "supervisor_id": str(lead.id),
            "supervisor_acting": "plh",
            "valid_from": "2026-11-01",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    rows = db.session.scalars(
        select(EmployeeAssignment).where(EmployeeAssignment.employee_id == employee.id).order_by("valid_from")
    ).all()
    assert [(r.unit_id, r.valid_until) for r in rows] == [(unit.id, date(2026, 11, 1)), (other.id, None)]
    assert rows[1].supervisor_acting == "plh"
    again = client.post(
        f"/admin/pegawai/{employee.id}/penempatan",
        data={"csrf_token": token, "unit_id": str(other.id), "position": "Petugas", "valid_from": "2026-10-15"},
    )
    assert again.status_code == 422 and "tanggal mulai harus sesudahnya" in again.get_data(as_text=True)


def test_accounts_are_created_with_a_one_time_link_and_deactivated(app, client, build):
    unit = build.unit(slug="kota-contoh")
    employee = build.employee(unit, name="Dewi Lestari")
    _admin(client, build)
    token = _csrf(client, "/admin/pengguna")
    no_employee = client.post(
        "/admin/pengguna/baru", data={"csrf_token": token, "login": "petugas.dewi", "roles": ["staff"], "unit_id": ""}
    )
    assert no_employee.status_code == 422 and "harus ditautkan ke pegawai" in no_employee.get_data(as_text=True)
    response = client.post(
        "/admin/pengguna/baru",
        data={
            "csrf_token": token,
            "login": "petugas.dewi",
            "roles": ["staff"],
            "unit_id": str(unit.id),
            "employee_id": str(employee.id),
        },
    )
    assert response.status_code == 303
    page = client.get("/admin/pengguna").get_data(as_text=True)
    assert "/atur-ulang-sandi/" in page or "reset-link" in page
    user = db.session.scalar(select(User).where(User.login == "petugas.dewi"))
    assert user.roles == {"staff"} and user.employee_id == employee.id and user.unit_id == unit.id
    response = client.post(
        "/admin/pengguna/aktif", data={"csrf_token": token, "user_id": str(user.id), "active": "tidak"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.create", "user.deactivate"]


def test_the_employee_import_page_dry_runs_then_applies(app, client, build):
    build.unit(slug="kota-contoh")
    _admin(client, build)
    token = _csrf(client, "/admin/impor/pegawai")
    header = "nip,name,employment_type,unit,position,supervisor_nip,acting,valid_from\n"
    bad = header + f"{NIP},Budi,PNS,kota-contoh,Kepala,,,\n198503152010011002x,Rusak,PNS,kota-contoh,Petugas,,,\n"
    response = client.post(
        "/admin/impor/pegawai",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "pegawai.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "1 baris siap, 0 sudah terdaftar (dilewati), 1 galat." in page
    assert "<td>3</td>" in page and "Terapkan</button>" not in page
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 0

    good = header + f"{NIP},Budi,PNS,kota-contoh,Kepala,,,\n"
    response = client.post(
        "/admin/impor/pegawai",
        data={"csrf_token": token, "file": (io.BytesIO(good.encode()), "pegawai.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 0  # the dry run stored nothing
    payload = hidden_fields(response.get_data(as_text=True))["payload"]
    tampered = client.post("/admin/impor/pegawai/terapkan", data={"csrf_token": token, "payload": payload + "x"})
    assert tampered.status_code == 400
    applied = client.post("/admin/impor/pegawai/terapkan", data={"csrf_token": token, "payload": payload})
    assert applied.status_code == 303
    assert db.session.scalar(select(Employee.name).where(Employee.nip == NIP)) == "Budi"
    assert db.session.scalars(select(AuditEvent.action)).all() == ["employee.import"]


def test_a_services_standards_are_changed_once_and_audited(app, client, build):
    unit = build.unit(slug="kota-contoh")
    service = build.service_type(unit, name="KTP-el", counter_standard_minutes=20)
    db.session.commit()
    _admin(client, build)
    token = _csrf(client, "/admin/unit/kota-contoh")
    data = {
        "csrf_token": token,
        "counter_standard_minutes": "25",
        "completion_standard": "1 hari kerja",
        "fee_rupiah": "0",
    }
    assert client.post(f"/admin/layanan/{service.id}", data=data).status_code == 303
    assert client.post(f"/admin/layanan/{service.id}", data=data).status_code == 303  # unchanged: no second row
    bad = client.post(f"/admin/layanan/{service.id}", data={**data, "counter_standard_minutes": "0"})
    assert bad.status_code == 422
    db.session.expire_all()
    changed = db.session.get(ServiceType, service.id)
    assert (changed.counter_standard_minutes, changed.completion_standard) == (25, "1 hari kerja")
    [audit] = db.session.scalars(select(AuditEvent)).all()
    assert audit.action == "service_type.update" and audit.after["counter_standard_minutes"] == 25
