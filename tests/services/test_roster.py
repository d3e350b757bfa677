"""Roster import (spec §2.1 planned duty, §5 NIP and time zones): dry run, row errors, idempotent apply."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import CounterAssignment
from feedback_app.services.attribution import on_duty
from feedback_app.services.roster import (
    RosterRejected,
    apply_roster,
    check_roster,
    upcoming_roster,
)
from feedback_app.services.tabular import TableError, upload_text

NIP_A = "198503152010011002"
NIP_B = "199001012015032001"


@pytest.fixture
def in_request(app):
    """Messages are lazy strings in the reader's language: read them the way a page would."""
    with app.test_request_context():
        yield


@pytest.fixture
def world(build, in_request):
    unit = build.unit(slug="kota-bogor", timezone="Asia/Jakarta")
    makassar = build.unit(slug="kassi", timezone="Asia/Makassar")
    counters = {
        "BGR01": build.counter(unit, public_code="BGR01"),
        "BGR02": build.counter(unit, public_code="BGR02"),
        "KSK01": build.counter(makassar, public_code="KSK01"),
    }
    employees = {NIP_A: build.employee(nip=NIP_A, name="Siti"), NIP_B: build.employee(nip=NIP_B, name="Agus")}
    db.session.commit()
    return unit, makassar, counters, employees


def csv(*rows: str, header: str = "nip,counter,date,start,end") -> str:
    return "\n".join([header, *rows]) + "\n"


def messages(check) -> dict[int, str]:
    return {row.line: str(row.message) for row in check.rows if row.status != "ok"}


def stored() -> list[CounterAssignment]:
    db.session.expire_all()
    return list(db.session.scalars(select(CounterAssignment).order_by(CounterAssignment.starts_at)))


def test_a_clean_file_is_checked_without_storing_anything(world):
    check = check_roster(csv(f"{NIP_A},BGR01,2026-10-14,08:00,15:00", f"{NIP_B},bgr02,15/10/2026,08:00,12:00"))
    assert [(row.line, row.status) for row in check.rows] == [(2, "ok"), (3, "ok")]
    assert (check.ok_count, check.error_count, check.duplicate_count) == (2, 0, 0)
    assert stored() == []


def test_local_times_are_stored_in_utc_in_each_counters_zone(world):
    apply_roster(csv(f"{NIP_A},BGR01,2026-10-14,08:00,15:00", f"{NIP_B},KSK01,2026-10-14,08:00,15:00"))
    db.session.commit()
    bogor, kassi = sorted(stored(), key=lambda a: a.counter.public_code)
    assert (bogor.starts_at, bogor.ends_at) == (
        datetime(2026, 10, 14, 1, tzinfo=UTC),
        datetime(2026, 10, 14, 8, tzinfo=UTC),
    )
    assert kassi.starts_at == datetime(2026, 10, 14, 0, tzinfo=UTC)  # 08:00 WITA
    assert {a.source for a in stored()} == {"roster"}


def test_semicolons_dotted_times_bom_and_excel_apostrophes_are_understood(world):
    text = "\ufeffNIP;Counter;Date;Start;End\r\n'" + NIP_A + ";BGR01;14/10/2026;08.00;15.00\r\n"
    check = check_roster(text)
    assert [row.status for row in check.rows] == ["ok"]
    assert check.rows[0].starts_at == datetime(2026, 10, 14, 1, tzinfo=UTC)
    assert upload_text(text.lstrip("\ufeff").encode("utf-8-sig")) == text.lstrip("\ufeff")
    assert upload_text("nip;loket é".encode("cp1252")) == "nip;loket é"
    assert upload_text("nip\tloket".encode("utf-16")) == "nip\tloket"


def test_trailing_empty_columns_from_a_spreadsheet_are_ignored(world):
    check = check_roster(f"nip;counter;date;start;end;;\n{NIP_A};BGR01;2026-10-14;08:00;15:00;;\n;;;;;;\n")
    assert [(row.line, row.status) for row in check.rows] == [(2, "ok")]


def test_unreadable_csv_is_an_error_not_a_crash(world):
    unclosed_quote = f'nip,counter,date,start,end\n"{NIP_A},BGR01,2026-10-14,08:00,15:00\n' + "x" * 140_000
    assert "tidak dapat dibaca sebagai CSV" in messages(check_roster(unclosed_quote))[2]


def test_an_old_xls_workbook_is_named_as_such(in_request):
    with pytest.raises(TableError) as error:
        upload_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # how every binary .xls starts
    assert "buku kerja Excel lama (.xls)" in error.value.message


def test_a_roster_workbook_is_read_with_its_row_numbers(world, in_request):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nip", "counter", "date", "start", "end"])
    sheet.append([NIP_A, "BGR01", "2026-10-14", "08:00", "15:00"])
    sheet.append([])  # an empty row keeps its number
    sheet.append([1.98503152010011e17, "BGR01", "2026-10-15", "08:00", "15:00"])  # a NIP Excel made a number
    buffer = io.BytesIO()
    workbook.save(buffer)
    check = check_roster(upload_text(buffer.getvalue()))
    assert [(row.line, row.status) for row in check.rows] == [(2, "ok"), (4, "error")]
    assert "notasi ilmiah" in str(check.rows[1].message)


@pytest.mark.parametrize(
    "nip, expected",
    [
        ("1.98503E+17", "notasi ilmiah"),
        ('"1,98503E+17"', "notasi ilmiah"),  # Indonesian Excel writes a decimal comma (quoted in a CSV)
        ("98503152010011002", "hanya 17 digit, kurang 1"),
        ("985031520100110", "hanya 15 digit, kurang 3"),
        ("198503152010011000", "membulatkan angka panjang"),
        ("19850315201001100X", "harus 18 digit angka"),
        ("198513152010011002", "birth date"),  # the part validate_nip names
        ("", "NIP kosong"),
    ],
)
def test_a_nip_a_spreadsheet_mangled_is_named_as_such(world, nip, expected):
    check = check_roster(csv(f"{nip},BGR01,2026-10-14,08:00,15:00"))
    assert check.rows[0].status == "error"
    assert expected in messages(check)[2]


@pytest.mark.parametrize(
    "row, expected",
    [
        (f"{NIP_A},BGR01,2026-10-14,15:00,08:00", "melewati tengah malam"),
        (f"{NIP_A},BGR01,2026-10-14,08:00,08:00", "tidak sesudah jam mulai"),
        (f"{NIP_A},BGR01,14-10-2026,08:00,15:00", "Tanggal 14-10-2026 tidak dikenali"),
        (f"{NIP_A},BGR01,2026-02-30,08:00,15:00", "Tanggal 2026-02-30 tidak dikenali"),
        (f"{NIP_A},BGR01,2026-10-14,8am,15:00", "Jam 8am tidak dikenali"),
        (f"{NIP_A},BGR01,2026-10-14,08:00,24:00", "Jam 24:00 tidak dikenali"),
        (f"{NIP_A},BGR01,2026-10-14,08:00", "punya 4 kolom, seharusnya 5"),
        (f"{NIP_A},NOPE1,2026-10-14,08:00,15:00", "Loket NOPE1 tidak dikenal"),
        ("199203032019031004,BGR01,2026-10-14,08:00,15:00", "Tidak ada pegawai dengan NIP 199203032019031004"),
    ],
)
def test_row_errors_carry_their_line_number_and_reason(world, row, expected):
    check = check_roster(csv(f"{NIP_B},BGR02,2026-10-14,08:00,15:00", row))
    assert [r.status for r in check.rows] == ["ok", "error"]
    assert expected in messages(check)[3]


def test_a_wrong_header_or_an_empty_file_is_one_error_on_line_one(world):
    assert (
        "Baris pertama harus berisi kepala kolom nip,counter,date,start,end"
        in messages(check_roster("nip,loket,tanggal,mulai,selesai\n"))[1]
    )
    assert "Berkas kosong" in messages(check_roster("\n\n"))[1]
    assert "hanya berisi kepala kolom" in messages(check_roster(csv()))[1]


def test_an_inactive_counter_is_refused(world, build):
    build.counter(world[0], public_code="BGR09", active=False)
    db.session.commit()
    assert "Loket BGR09 tidak aktif" in messages(check_roster(csv(f"{NIP_A},BGR09,2026-10-14,08:00,15:00")))[2]


def test_a_unit_admin_may_only_import_their_own_units_counters(world):
    unit = world[0]
    check = check_roster(
        csv(f"{NIP_A},BGR01,2026-10-14,08:00,15:00", f"{NIP_A},KSK01,2026-10-14,08:00,15:00"), unit_id=unit.id
    )
    assert [row.status for row in check.rows] == ["ok", "error"]
    assert messages(check)[3] == "Loket KSK01 tidak ada di unit ini."


def test_overlap_with_another_employees_stored_shift_would_make_attribution_ambiguous(world, build):
    _, _, counters, employees = world
    build.duty(
        counters["BGR01"], employees[NIP_B], source="roster", starts_at=datetime(2026, 10, 14, 5, tzinfo=UTC), hours=3
    )  # 12:00-15:00 WIB
    db.session.commit()
    check = check_roster(
        csv(
            f"{NIP_A},BGR01,2026-10-14,08:00,12:30",  # overlaps Agus by 30 minutes
            f"{NIP_A},BGR01,2026-10-14,07:00,12:00",  # touches 12:00, does not overlap
            f"{NIP_A},BGR02,2026-10-14,12:00,15:00",
        )
    )  # another counter
    assert [row.status for row in check.rows] == ["error", "ok", "ok"]
    assert "Bertumpuk dengan jadwal Agus" in messages(check)[2]
    assert "atribusi ambigu" in messages(check)[2]


def test_overlapping_rows_of_different_employees_inside_the_file_are_refused(world):
    check = check_roster(csv(f"{NIP_A},BGR01,2026-10-14,08:00,12:00", f"{NIP_B},BGR01,2026-10-14,11:00,15:00"))
    assert [row.status for row in check.rows] == ["ok", "error"]
    assert "Bertumpuk dengan baris 2 (Siti)" in messages(check)[3]


def test_reimporting_the_same_file_is_idempotent(world):
    text = csv(
        f"{NIP_A},BGR01,2026-10-14,08:00,15:00",
        f"{NIP_A},BGR01,2026-10-14,08:00,15:00",
        f"{NIP_B},BGR02,2026-10-14,08:00,15:00",
    )
    first = apply_roster(text)
    db.session.commit()
    assert (first.ok_count, first.duplicate_count) == (2, 1)  # the repeated line inside the file counts once
    again = apply_roster(text)
    db.session.commit()
    assert (again.ok_count, again.duplicate_count, again.error_count) == (0, 3, 0)
    assert len(stored()) == 2


def test_a_file_with_any_error_is_not_applied_at_all(world):
    text = csv(f"{NIP_A},BGR01,2026-10-14,08:00,15:00", "1.98503E+17,BGR02,2026-10-14,08:00,15:00")
    with pytest.raises(RosterRejected) as rejected:
        apply_roster(text)
    db.session.rollback()
    assert rejected.value.check.error_count == 1
    assert db.session.scalar(select(func.count()).select_from(CounterAssignment)) == 0


def test_an_applied_roster_decides_attribution(world):
    _, _, counters, employees = world
    apply_roster(csv(f"{NIP_A},BGR01,2026-10-14,08:00,15:00"))
    db.session.commit()
    duty = on_duty(counters["BGR01"].id, datetime(2026, 10, 14, 3, tzinfo=UTC))  # 10:00 WIB
    assert (duty.source, duty.employee_id) == ("roster", employees[NIP_A].id)


def test_upcoming_roster_lists_the_units_shifts_of_the_next_days(world, build, clock):
    unit, _, counters, employees = world
    now = clock.now()
    build.duty(counters["BGR02"], employees[NIP_B], starts_at=now + timedelta(days=1))
    build.duty(counters["BGR01"], employees[NIP_A], starts_at=now - timedelta(hours=1))  # on now
    build.duty(counters["BGR01"], employees[NIP_A], starts_at=now - timedelta(hours=10), hours=8)  # over
    build.duty(counters["BGR01"], employees[NIP_A], starts_at=now + timedelta(days=8))  # too far
    build.duty(counters["KSK01"], employees[NIP_A], starts_at=now)  # another unit
    build.duty(counters["BGR01"], employees[NIP_B], source="sign_in", starts_at=now)  # live, not planned
    db.session.commit()
    shifts = upcoming_roster(unit.id, now)
    assert [(s.counter_code, s.employee_name) for s in shifts] == [("BGR01", "Siti"), ("BGR02", "Agus")]


def test_a_date_outside_2000_2100_is_a_row_error_not_a_crash(world):
    check = check_roster(csv(f"{NIP_A},BGR01,0001-01-01,00:00,08:00", f"{NIP_A},BGR01,9999-12-31,08:00,23:59"))
    assert check.has_errors
    assert all(row.status == "error" for row in check.rows)
