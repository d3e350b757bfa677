"""The admin's roster page: upload, dry run table, apply, the coming week's shifts; unit scope."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Counter, CounterAssignment
from feedback_app.services.roster import MAX_BYTES
from tests.helpers import hidden_fields, login

NIP = "198503152010011002"
GOOD = f"nip,counter,date,start,end\n{NIP},BGR01,2026-10-14,10:00,15:00\n{NIP},BGR01,2026-10-15,08:00,15:00\n"


@pytest.fixture
def unit(build):
    unit = build.unit(name="Disdukcapil Kota Bogor", slug="kota-bogor")
    build.counter(unit, public_code="BGR01", name="Loket KTP-el")
    build.counter(build.unit(slug="kassi", timezone="Asia/Makassar"), public_code="KSK01")
    build.employee(nip=NIP, name="Siti Rahmawati")
    db.session.commit()
    return unit


@pytest.fixture
def admin(client, build, unit):
    user = build.user("admin-bogor", {"admin"}, unit=unit)
    db.session.commit()
    login(client, user)
    return client


def upload(client, text: str | bytes, slug: str = "kota-bogor"):
    page = client.get("/admin/unit/kota-bogor/jadwal").get_data(as_text=True)
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        f"/admin/unit/{slug}/jadwal",
        content_type="multipart/form-data",
        data={"csrf_token": hidden_fields(page)["csrf_token"], "file": (io.BytesIO(data), "jadwal.csv")},
    )


def apply_fields(html: str) -> dict[str, str]:
    match = re.search(r'<form[^>]*action="/admin/unit/kota-bogor/jadwal/terapkan"[^>]*>(.*?)</form>', html, re.S)
    assert match, "no apply button"
    return hidden_fields(match.group(1))


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(CounterAssignment))


def test_counter_list_links_to_the_roster_page(admin):
    assert 'href="/admin/unit/kota-bogor/jadwal"' in admin.get("/admin/").get_data(as_text=True)


def test_dry_run_shows_every_row_and_stores_nothing(admin, clock):
    response = upload(admin, GOOD)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Hasil uji coba" in html and "2 baris siap, 0 sudah tersimpan (dilewati), 0 galat." in html
    assert "Rab 14 Okt 2026 10:00 WIB – 15:00 WIB" in html and "Siti Rahmawati" in html
    assert "Terapkan" in html
    assert count() == 0


def test_apply_stores_the_checked_file_once(admin, clock):
    fields = apply_fields(upload(admin, GOOD).get_data(as_text=True))
    response = admin.post("/admin/unit/kota-bogor/jadwal/terapkan", data=fields)
    assert response.status_code == 302
    page = unescape(admin.get(response.headers["Location"]).get_data(as_text=True))
    assert "Jadwal diterapkan: 2 shift ditambahkan, 0 sudah ada dan dilewati." in page
    assert count() == 2
    # The coming week lists them in local time.
    assert "Rab 14 Okt 2026 10:00 WIB – 15:00 WIB" in page and "Kam 15 Okt 2026 08:00 WIB – 15:00 WIB" in page
    # Pressing Terapkan again (a double click, the back button) adds nothing.
    admin.post("/admin/unit/kota-bogor/jadwal/terapkan", data=fields)
    assert count() == 2


def test_errors_are_listed_with_line_numbers_and_there_is_nothing_to_apply(admin, clock):
    response = upload(
        admin,
        f"nip;counter;date;start;end\n{NIP};BGR01;2026-10-14;08:00;15:00\n"
        f"1.98503E+17;BGR01;2026-10-15;08:00;15:00\n{NIP};KSK01;2026-10-15;08:00;15:00\n",
    )
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "1 baris siap, 0 sudah tersimpan (dilewati), 2 galat." in html
    assert re.search(r"<td>3</td>\s*<td[^>]*>galat</td>.*?notasi ilmiah", html, re.S)
    assert re.search(r"<td>4</td>\s*<td[^>]*>galat</td>.*?Loket KSK01 tidak ada di unit ini", html, re.S)
    assert "/jadwal/terapkan" not in html


def test_a_tampered_payload_is_refused(admin, clock):
    fields = apply_fields(upload(admin, GOOD).get_data(as_text=True))
    fields["payload"] = fields["payload"][:-3] + "AAA"
    assert admin.post("/admin/unit/kota-bogor/jadwal/terapkan", data=fields).status_code == 400
    assert count() == 0


def test_a_file_checked_for_one_unit_cannot_be_applied_to_another(client, build, unit, clock):
    other = build.unit(slug="kota-lain")
    user = build.user("admin-semua", {"admin"})
    db.session.commit()
    login(client, user)
    fields = apply_fields(upload(client, GOOD).get_data(as_text=True))
    assert client.post(f"/admin/unit/{other.slug}/jadwal/terapkan", data=fields).status_code == 400
    assert count() == 0


def test_apply_refuses_when_the_data_changed_since_the_dry_run(admin, build, clock):
    fields = apply_fields(upload(admin, GOOD).get_data(as_text=True))
    bgr01 = db.session.scalar(select(Counter).where(Counter.public_code == "BGR01"))
    build.duty(bgr01, build.employee(name="Agus"), starts_at=datetime(2026, 10, 14, 2, tzinfo=UTC), hours=2)
    db.session.commit()
    response = admin.post("/admin/unit/kota-bogor/jadwal/terapkan", data=fields)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Jadwal tidak diterapkan" in html and "Bertumpuk dengan jadwal Agus" in html
    assert count() == 1  # only Agus's shift


def test_upload_without_a_file_a_broken_workbook_or_too_big(admin):
    page = admin.get("/admin/unit/kota-bogor/jadwal").get_data(as_text=True)
    response = admin.post("/admin/unit/kota-bogor/jadwal", data={"csrf_token": hidden_fields(page)["csrf_token"]})
    assert response.status_code == 302
    assert "Pilih berkas CSV jadwal terlebih dahulu." in admin.get(response.headers["Location"]).get_data(as_text=True)
    workbook = upload(admin, b"PK\x03\x04" + b"\x00" * 100)
    assert workbook.status_code == 400
    assert "tidak dapat dibuka sebagai buku kerja Excel (.xlsx)" in unescape(workbook.get_data(as_text=True))
    too_big = upload(admin, b"x" * (MAX_BYTES + 1))
    assert too_big.status_code == 400
    assert "Berkas terlalu besar" in too_big.get_data(as_text=True)


def test_a_unit_admin_cannot_open_or_import_into_another_unit(admin):
    assert admin.get("/admin/unit/kassi/jadwal").status_code == 403
    assert upload(admin, GOOD.replace("BGR01", "KSK01"), slug="kassi").status_code == 403
    assert count() == 0


def test_page_explains_the_format_and_lists_nothing_planned(admin):
    html = unescape(admin.get("/admin/unit/kota-bogor/jadwal").get_data(as_text=True))
    assert "nip,counter,date,start,end" in html and "DD/MM/YYYY" in html
    assert "Belum ada jadwal untuk 7 hari ke depan." in html
