"""Acceptance (issue 14 item 5): a real office starts from an EMPTY database, without demo data.

The first admin is made on the command line; in Chromium they create a unit, a service, a counter, an employee and
the employee's account, roster the employee on the counter, and print the counter's poster. A citizen scans that
poster's QR (decoded with zbarimg from the screenshot) on a phone and answers: the answer reaches the new employee.
Every setup page is checked with axe-core.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Counter, Employee, SurveyResponse, Unit, User
from tests.axe import assert_accessible
from tests.browser_fixtures import browser, live_server, phone, tablet  # noqa: F401  (fixtures)
from tests.helpers import PASSWORD, need_tool, run_checked

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NIP = "199204122019032007"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"office-setup-{name}.png"), full_page=True)


def test_an_office_starts_from_an_empty_database(app, clock, live_server, browser, tmp_path):
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Employee)) == 0
    created = app.test_cli_runner().invoke(
        args=["users", "create", "admin.kantor", "--role", "admin"], env={"SUARA_WARGA_PASSWORD": PASSWORD}
    )
    assert created.exit_code == 0, created.output

    desk = tablet(browser).new_page()
    desk.goto(f"{live_server}/masuk")
    desk.get_by_label("Nama pengguna").fill("admin.kantor")
    desk.get_by_label("Kata sandi").fill(PASSWORD)
    desk.get_by_role("button", name="Masuk", exact=True).click()
    desk.get_by_role("link", name="Unit & pegawai").click()
    desk.wait_for_url("**/admin/unit")
    assert desk.get_by_text("Belum ada unit.", exact=False).is_visible()
    assert_accessible(desk)

    desk.get_by_label("Nama unit").fill("Disdukcapil Kota Palu")
    desk.get_by_label("Slug (alamat halaman publik)").fill("dukcapil-palu")
    desk.get_by_label("Zona waktu").select_option("Asia/Makassar")
    desk.get_by_role("button", name="Buat unit").click()
    desk.wait_for_url("**/admin/unit/dukcapil-palu")
    desk.get_by_label("Nama layanan").fill("KTP-el")
    desk.get_by_label("Standar waktu di loket (menit)").fill("20")
    desk.get_by_label("Standar penyelesaian (mis. 3 hari kerja)").fill("Hari yang sama")
    desk.get_by_role("button", name="Tambah layanan").click()
    desk.get_by_label("Kode loket (dicetak di QR)").fill("PLU01")
    desk.get_by_label("Nama loket").fill("Loket 1 – KTP-el")
    desk.get_by_role("checkbox", name="KTP-el").check()
    desk.get_by_role("button", name="Tambah loket").click()
    assert desk.get_by_text("Loket PLU01 dibuat; posternya siap dicetak.").is_visible()
    _shot(desk, "unit")
    assert_accessible(desk)

    desk.goto(f"{live_server}/admin/pegawai")
    desk.get_by_label("Nama pegawai").fill("Nur Aisyah")
    desk.get_by_label("NIP / NI PPPK (18 digit; kosong untuk non-ASN)").fill("199204122019132007")  # month 13
    desk.get_by_role("button", name="Tambah pegawai").click()
    assert desk.get_by_text("Bagian TMT pengangkatan", exact=False).is_visible()
    desk.get_by_label("NIP / NI PPPK (18 digit; kosong untuk non-ASN)").fill(NIP)
    desk.get_by_role("button", name="Tambah pegawai").click()
    assert desk.get_by_text("Pegawai Nur Aisyah ditambahkan.").is_visible()
    _shot(desk, "employees")
    assert_accessible(desk)

    desk.get_by_role("link", name="Nur Aisyah").click()
    assert desk.get_by_role("heading", name="Penempatan dan atasan").is_visible()
    assert_accessible(desk)
    # The import page's dry run: a bad line is named by its number and nothing is stored.
    desk.goto(f"{live_server}/admin/impor/pegawai")
    header = "nip,name,employment_type,unit,position,supervisor_nip,acting,valid_from"
    bad = f"{header}\n1.99204E+17,Rusak,PNS,dukcapil-palu,X,,,\n"
    desk.locator("input[type=file]").set_input_files(
        {"name": "pegawai.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    desk.get_by_role("button", name="Uji coba").click()
    assert desk.get_by_text("0 baris siap, 0 sudah terdaftar (dilewati), 1 galat.").is_visible()
    _shot(desk, "import")
    assert_accessible(desk)
    desk.goto(f"{live_server}/admin/libur")
    desk.get_by_role("button", name="Isi libur nasional 2026").click()
    assert desk.get_by_text("Hari Lahir Pancasila").is_visible()
    assert_accessible(desk)
    desk.goto(f"{live_server}/admin/unit/dukcapil-palu/parameter")
    assert_accessible(desk)

    desk.goto(f"{live_server}/admin/pengguna")
    desk.get_by_label("Nama pengguna").fill("petugas.aisyah")
    desk.get_by_label("staff").check()
    desk.get_by_label("Unit akun").select_option(label="Disdukcapil Kota Palu")
    desk.get_by_label("Pegawai (untuk akun petugas)").select_option(label=f"Nur Aisyah ({NIP})")
    desk.get_by_role("button", name="Buat akun").click()
    assert desk.locator("#reset-link").inner_text().startswith(f"{live_server}/atur-ulang-sandi/")
    _shot(desk, "users")
    assert_accessible(desk)

    # The employee is rostered on the counter for today (14 October 2026, WITA) through the roster import.
    desk.goto(f"{live_server}/admin/unit/dukcapil-palu/jadwal")
    roster = f"nip,counter,date,start,end\n{NIP},PLU01,2026-10-14,08:00,16:00\n".encode()
    desk.locator("input[type=file]").set_input_files({"name": "jadwal.csv", "mimeType": "text/csv", "buffer": roster})
    desk.get_by_role("button", name="Uji coba").click()
    desk.get_by_role("button", name="Terapkan").click()

    desk.goto(f"{live_server}/admin/unit/dukcapil-palu")
    desk.get_by_role("link", name="poster A4 PLU01").click()
    desk.wait_for_url("**/admin/loket/PLU01/poster")
    _shot(desk, "poster")
    desk.locator(".qr").screenshot(path=str(tmp_path / "qr.png"))
    survey_url = run_checked([need_tool("zbarimg"), "--quiet", "--raw", str(tmp_path / "qr.png")]).strip()
    assert survey_url.startswith(f"{live_server}/s/")

    citizen = phone(browser).new_page()
    citizen.goto(survey_url)
    assert citizen.get_by_text("Nur Aisyah", exact=False).first.is_visible()
    for index in range(9):
        citizen.locator("fieldset").nth(index).locator("label").nth(3).click()
    citizen.get_by_role("button", name="Kirim jawaban").click()
    citizen.wait_for_url("**/terima-kasih*")
    _shot(citizen, "thanks")

    db.session.expire_all()
    employee = db.session.scalar(select(Employee).where(Employee.nip == NIP))
    counter = db.session.scalar(select(Counter).where(Counter.public_code == "PLU01"))
    [answer] = db.session.scalars(select(SurveyResponse)).all()
    assert (answer.employee_id, answer.counter_id, answer.attribution_source) == (employee.id, counter.id, "roster")
    assert answer.status == "valid" and answer.answers["U7"] == 4
    account = db.session.scalar(select(User).where(User.login == "petugas.aisyah"))
    assert account.employee_id == employee.id and account.roles == {"staff"}
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.create", "unit.create", "service_type.create", "counter.create", "employee.create"} <= actions
    assert "roster.import" in actions
