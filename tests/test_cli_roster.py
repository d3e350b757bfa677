"""``flask roster import FILE [--apply] [--unit SLUG]``: dry run by default, line-numbered errors, exit status."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import CounterAssignment

NIP = "198503152010011002"


@pytest.fixture
def roster_file(tmp_path):
    def write(*rows: str) -> str:
        path = tmp_path / "jadwal.csv"
        path.write_text("\n".join(["nip;counter;date;start;end", *rows]) + "\n", encoding="utf-8")
        return str(path)

    return write


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["roster", "import", *args])


@pytest.fixture
def unit(build):
    unit = build.unit(slug="kota-bogor")
    build.counter(unit, public_code="BGR01")
    build.counter(build.unit(slug="kassi"), public_code="KSK01")
    build.employee(nip=NIP)
    db.session.commit()
    return unit


def assignments() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(CounterAssignment))


def test_without_apply_it_is_a_dry_run_and_says_so(unit, run, roster_file):
    result = run(roster_file(f"{NIP};BGR01;2026-10-14;08:00;15:00"))
    assert result.exit_code == 0, result.output
    assert "Ringkasan: 1 baris siap, 0 sudah tersimpan (dilewati), 0 galat." in result.output
    assert "Uji coba: belum ada yang disimpan" in result.output
    assert assignments() == 0


def test_errors_are_printed_with_line_numbers_and_exit_1(unit, run, roster_file):
    result = run(
        roster_file(
            f"{NIP};BGR01;2026-10-14;08:00;15:00",
            "1.98503E+17;BGR01;2026-10-15;08:00;15:00",
            f"{NIP};BGR01;2026-10-16;16:00;08:00",
        )
    )
    assert result.exit_code == 1
    assert "Baris 3: NIP 1.98503E+17 sudah diubah spreadsheet menjadi angka (notasi ilmiah)" in result.output
    assert "Baris 4: Jam selesai 08:00 tidak sesudah jam mulai 16:00" in result.output
    assert "1 baris siap, 0 sudah tersimpan (dilewati), 2 galat" in result.output


def test_apply_stores_the_rows_and_a_second_run_skips_them(unit, run, roster_file):
    path = roster_file(f"{NIP};BGR01;2026-10-14;08:00;15:00", f"{NIP};BGR01;2026-10-15;08:00;15:00")
    result = run(path, "--apply")
    assert result.exit_code == 0, result.output
    assert "Diterapkan: 2 jadwal ditambahkan." in result.output
    again = run(path, "--apply")
    assert again.exit_code == 0, again.output
    assert "0 baris siap, 2 sudah tersimpan (dilewati), 0 galat" in again.output
    assert assignments() == 2


def test_apply_refuses_a_file_with_errors_and_stores_nothing(unit, run, roster_file):
    result = run(
        roster_file(f"{NIP};BGR01;2026-10-14;08:00;15:00", f"{NIP[1:]};BGR01;2026-10-15;08:00;15:00"), "--apply"
    )
    assert result.exit_code == 1
    assert "Baris 3: NIP 98503152010011002 hanya 17 digit, kurang 1" in result.output
    assert "Tidak diterapkan" in result.output
    assert assignments() == 0


def test_unit_option_limits_the_counters(unit, run, roster_file):
    result = run(roster_file(f"{NIP};KSK01;2026-10-14;08:00;15:00"), "--unit", "kota-bogor")
    assert result.exit_code == 1
    assert "Baris 2: Loket KSK01 tidak ada di unit ini." in result.output
    unknown = run(roster_file(f"{NIP};BGR01;2026-10-14;08:00;15:00"), "--unit", "tidak-ada")
    assert unknown.exit_code != 0 and "Tidak ada unit dengan slug tidak-ada" in unknown.output


def test_a_broken_workbook_is_refused_with_a_hint(unit, run, tmp_path):
    path = tmp_path / "jadwal.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    result = run(str(path))
    assert result.exit_code == 1
    assert "tidak dapat dibuka sebagai buku kerja Excel (.xlsx)" in result.output


def test_a_workbook_roster_is_applied(unit, run, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["nip", "counter", "date", "start", "end"])
    workbook.active.append([NIP, "BGR01", "2026-10-14", "08:00", "15:00"])
    path = tmp_path / "jadwal.xlsx"
    workbook.save(path)
    result = run(str(path), "--apply")
    assert result.exit_code == 0, result.output
    assert "1 jadwal ditambahkan" in result.output
