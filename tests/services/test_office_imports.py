"""Employee and account imports: each bad row reported by its line number; a dry run changes nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Employee, EmployeeAssignment, User
from feedback_app.services.office_imports import ImportRejected, apply_import, check_import
from feedback_app.services.tabular import upload_text

BOSS = "198503152010011002"
MEMBER = "199204122019032007"
HEADER = "nip,name,employment_type,unit,position,supervisor_nip,acting,valid_from"


def _counts() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Employee, EmployeeAssignment, User, AuditEvent)
    )


@pytest.fixture(autouse=True)
def in_a_request(app):
    """Messages are lazy strings read in the request's language (Indonesian by default)."""
    with app.test_request_context():
        yield


@pytest.fixture
def unit(build):
    unit = build.unit(slug="dukcapil-palu", timezone="Asia/Makassar")
    db.session.commit()
    return unit


GOOD = "\n".join(
    [
        HEADER,
        f"{BOSS},Budi Santoso,PNS,dukcapil-palu,Kepala Seksi,,,2026-01-01",
        f"{MEMBER},Nur Aisyah,PNS,dukcapil-palu,Petugas Pelayanan,{BOSS},plt,01/02/2026",
        f",Sari Dewi,non-ASN,dukcapil-palu,Petugas Informasi,{BOSS},,",
    ]
)


def test_a_dry_run_tries_every_row_and_changes_nothing(app, unit):
    before = _counts()
    check = check_import("employees", GOOD)
    assert [(row.line, row.status) for row in check.rows] == [(2, "ok"), (3, "ok"), (4, "ok")]
    assert _counts() == before
    db.session.commit()  # even a commit after the dry run stores nothing
    assert _counts() == before


def test_bad_rows_are_reported_by_line_number_and_nothing_is_applied(app, unit):
    text = "\n".join(
        [
            HEADER,
            f"{BOSS},Budi Santoso,PNS,dukcapil-palu,Kepala Seksi,,,2026-01-01",
            "1.98503E+17,Excel Rusak,PNS,dukcapil-palu,Petugas,,,",
            "",
            "198503152010013002,Jenis Kelamin Salah,PNS,dukcapil-palu,Petugas,,,",
            "199204122019032008,Unit Salah,PNS,tidak-ada,Petugas,,,",
            "199204122019032009,Atasan Belum Ada,PNS,dukcapil-palu,Petugas,199001012015011001,,",
            "199204122019032010,Tanggal Salah,PNS,dukcapil-palu,Petugas,,,31/02/2026",
            f"{MEMBER},Nur Aisyah,PPPK,dukcapil-palu,Petugas,,,",
        ]
    )
    before = _counts()
    check = check_import("employees", text)
    errors = {row.line: str(row.message) for row in check.errors}
    assert check.ok_count == 1 and sorted(errors) == [3, 5, 6, 7, 8, 9]
    assert "notasi ilmiah" in errors[3]
    assert "Digit jenis kelamin (digit 15)" in errors[5]
    assert "tidak-ada tidak ada atau di luar cakupan" in errors[6]
    assert "199001012015011001 belum terdaftar" in errors[7]
    assert "31/02/2026" in errors[8]
    assert "NIP PNS; NI PPPK punya 21" in errors[9]
    with pytest.raises(ImportRejected) as refused:
        apply_import("employees", text)
    assert refused.value.check.error_count == 6
    db.session.commit()
    assert _counts() == before


def test_applying_stores_the_file_with_one_audit_row_and_twice_changes_nothing(app, unit):
    check = apply_import("employees", GOOD)
    db.session.commit()
    assert check.ok_count == 3
    member = db.session.scalar(select(Employee).where(Employee.nip == MEMBER))
    [placed] = member.assignments
    assert (placed.supervisor.nip, placed.supervisor_acting, placed.valid_from.isoformat()) == (
        BOSS,
        "plt",
        "2026-02-01",
    )
    [audit] = db.session.scalars(select(AuditEvent)).all()
    assert audit.action == "employee.import" and audit.after == {"created": 3, "skipped": 0, "lines": 3}

    again = check_import("employees", GOOD)
    assert [row.status for row in again.rows] == ["duplicate", "duplicate", "ok"]  # non-ASN have no NIP to match


def test_accounts_import_with_roles_units_and_employees(app, unit):
    apply_import("employees", GOOD)
    db.session.commit()
    text = "\n".join(
        [
            "login;roles;unit;employee_nip",
            f"petugas.aisyah;staff;dukcapil-palu;{MEMBER}",
            "kepala.budi;head | supervisor;dukcapil-palu;" + BOSS,
            "tanpa.pegawai;staff;dukcapil-palu;",
            "x;admin;;",
            "peran.salah;raja;dukcapil-palu;",
        ]
    )
    check = check_import("users", text)
    errors = {row.line: str(row.message) for row in check.errors}
    assert sorted(errors) == [4, 5, 6]
    assert "harus ditautkan ke pegawai" in errors[4] and "Nama pengguna 3–80" in errors[5]
    assert "Pilih sedikitnya satu peran" in errors[6]
    good = "\n".join(text.splitlines()[:3])
    check = apply_import("users", good)
    db.session.commit()
    kepala = db.session.scalar(select(User).where(User.login == "kepala.budi"))
    assert kepala.roles == {"head", "supervisor"} and kepala.employee.nip == BOSS


def test_a_unit_admin_imports_only_into_their_scope(app, unit, build):
    other = build.unit(slug="lain")
    db.session.commit()
    text = f"{HEADER}\n{BOSS},Budi,PNS,dukcapil-palu,Kepala,,,\n{MEMBER},Nur,PNS,lain,Petugas,,,"
    check = check_import("employees", text, scope={other.id})
    assert [row.status for row in check.rows] == ["error", "ok"]


def test_a_workbook_is_read_with_its_row_numbers(app, unit):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([BOSS, "Budi Santoso", "PNS", "dukcapil-palu", "Kepala Seksi", None, None, None])
    sheet.append([1.98503152010011e17, "Excel Rusak", "PNS", "dukcapil-palu", "Petugas", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    check = check_import("employees", upload_text(buffer.getvalue()))
    assert [(row.line, row.status) for row in check.rows] == [(2, "ok"), (3, "error")]


def test_a_missing_column_is_named(app, unit):
    check = check_import("employees", "nip,name\n1,a\n")
    [row] = check.rows
    assert row.line == 1 and "employment_type" in str(row.message)
