"""The HR export pages: indicators and raw responses as CSV/XLSX, the bukti dukung page, the summary and the
e-Kinerja sheet, with their role and unit checks."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from feedback_app.extensions import db
from feedback_app.models import Employee
from feedback_app.services.exports import raw_responses
from tests.export_world import PERIOD, export_office
from tests.helpers import login


@pytest.fixture
def world(app, build, clock):
    return export_office(build)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, so Excel reads it right
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return load_workbook(io.BytesIO(response.get_data()))


def test_the_indicator_csv_has_one_row_per_scored_employee_from_the_final_run(client, world):
    login(client, world.users["hr"])
    rows = _csv(client.get(f"/sdm/ekspor/indikator.csv?periode={PERIOD}"))
    assert list(rows[0])[:6] == ["Unit", "Kode unit", "Periode", "NIP", "Nama", "Jenis kepegawaian"]
    by_name = {row["Nama"]: row for row in rows}
    ani = by_name["Ani"]
    assert ani["NIP"] == world.ani.nip
    assert ani["ikp_n"] == "40" and ani["ikp"] == world.run_value(world.final_run, "ikp")
    assert (ani["Rating hasil kerja"], ani["Rating perilaku kerja"], ani["Predikat"]) == (
        "Di Atas Ekspektasi",
        "Sesuai Ekspektasi",
        "Baik",
    )
    assert ani["Dikonfirmasi"] == "2026-10-05" and ani["Perhitungan"] == str(world.final_run.id)
    budi = by_name["Budi"]  # 3 answers: below the publication threshold, no figure, and no appraisal
    assert budi["NIP"] == "" and budi["ikp"] == "" and budi["Status IKP"] == "data belum cukup"
    assert budi["Predikat"] == ""


def test_the_indicator_workbook_keeps_nips_as_text_and_explains_itself(client, world):
    login(client, world.users["hr"])
    book = _workbook(client.get(f"/sdm/ekspor/indikator.xlsx?periode={PERIOD}&unit=uji"))
    sheet = book["Indikator"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    nip_column = header.index("NIP") + 1
    stored = {e.name: e.nip for e in db.session.query(Employee)}
    seen = 0
    for row in sheet.iter_rows(min_row=2):
        name = row[header.index("Nama")].value
        cell = row[nip_column - 1]
        if stored[name] is not None:
            assert cell.value == stored[name] and isinstance(cell.value, str) and cell.number_format == "@"
            seen += 1
    assert seen == 3  # Kepala, Sari, Ani (Budi is non-ASN)
    assert sheet.column_dimensions["D"].width >= 18
    ikp = sheet.cell(row=2, column=header.index("ikp") + 1)
    assert ikp.value is None or ikp.number_format == "0.00"
    explained = book["Penjelasan dan parameter"]
    kinds = {row[0].value for row in explained.iter_rows(min_row=2)}
    assert kinds == {"indikator", "perhitungan", "parameter"}
    codes = [row[1].value for row in explained.iter_rows(min_row=2) if row[0].value == "parameter"]
    assert "publication_threshold" in codes


def test_without_a_final_run_or_with_a_bad_period_the_page_says_why(client, world):
    login(client, world.users["hr"])
    response = client.get("/sdm/ekspor/indikator.csv?periode=2026-08")
    assert response.status_code == 422 and "Belum ada perhitungan final" in response.get_data(as_text=True)
    response = client.get("/sdm/ekspor/indikator.csv?periode=2026-13&lang=en")
    assert response.status_code == 422 and "not recognised" in response.get_data(as_text=True)
    assert client.get("/sdm/ekspor/indikator.pdf?periode=2026-09").status_code == 404


def test_raw_responses_have_dates_only_no_fingerprints_and_masked_or_withheld_comments(client, world):
    login(client, world.users["hr"])
    rows = _csv(client.get(f"/sdm/ekspor/respons.csv?periode={PERIOD}"))
    assert len(rows) == 45
    header = list(rows[0])
    assert not {"client_fingerprint", "submission_key", "Sidik"} & set(header)
    assert all(len(row["Tanggal"]) == 10 for row in rows)  # YYYY-MM-DD, no time of day
    comments = {row["Nama petugas"]: row["Saran"] for row in rows if row["Saran"]}
    assert comments["Ani"] == "Ramah. Hubungi 08*******890 atau NIK 3201********0004"
    assert comments["Budi"] == raw_responses.WITHHELD  # 3 answers: fewer than 5
    assert comments[""] == "Ruang tunggu panas"  # the unit's own
    text = "".join(row["Saran"] for row in rows)
    assert "081234567890" not in text and "Budi cepat" not in text


def test_the_unit_admin_sees_comments_as_written(client, world):
    login(client, world.users["admin"])
    rows = _csv(client.get(f"/sdm/ekspor/respons.csv?periode={PERIOD}"))
    comments = {row["Saran"] for row in rows if row["Saran"]}
    assert "Ramah. Hubungi 081234567890 atau NIK 3201123456780004" in comments
    assert "Budi cepat sekali" in comments


def test_raw_responses_as_xlsx_and_the_row_limit_asks_for_csv(client, world, monkeypatch):
    login(client, world.users["hr"])
    book = _workbook(client.get(f"/sdm/ekspor/respons.xlsx?periode={PERIOD}"))
    sheet = book["Respons"]
    assert sheet.max_row == 46 and sheet.freeze_panes == "A2"
    assert sheet.cell(row=2, column=5).value == world.ani.nip
    monkeypatch.setattr(raw_responses, "XLSX_MAX_ROWS", 40)
    response = client.get(f"/sdm/ekspor/respons.xlsx?periode={PERIOD}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Unduh sebagai CSV" in page and "respons.csv" in page


def test_the_e_kinerja_sheet_has_one_row_per_target_and_its_links_answer_for_hr(client, world):
    login(client, world.users["hr"])
    rows = _csv(client.get(f"/sdm/pegawai/{world.ani.id}/{PERIOD}/ekinerja.csv"))
    assert list(rows[0]) == [
        "Rencana hasil kerja",
        "Indikator kinerja individu",
        "Aspek",
        "Target",
        "Realisasi",
        "Bukti dukung",
        "Umpan balik",
        "Rating hasil kerja",
        "Rating perilaku",
        "Predikat",
    ]
    assert len(rows) == 2
    by_indicator = {row["Indikator kinerja individu"]: row for row in rows}
    typed = by_indicator["Berkas KTP-el diverifikasi"]
    assert (typed["Target"], typed["Realisasi"], typed["Aspek"]) == ("300 berkas", "312,5 berkas", "Kuantitas")
    measured = by_indicator["Indeks kepuasan pelaksana"]
    assert measured["Target"] == "80 indeks" and "/sdm/indikator/" in measured["Bukti dukung"]
    assert {row["Predikat"] for row in rows} == {"Baik"}
    assert {row["Umpan balik"] for row in rows} == {"Pertahankan keramahan di loket."}
    for row in rows:
        link = urlsplit(row["Bukti dukung"])
        page = client.get(link.path)
        assert page.status_code == 200, row["Bukti dukung"]
    proof = client.get(urlsplit(measured["Bukti dukung"]).path).get_data(as_text=True)
    assert "Ani" in proof and "Rumus" in proof and f"#{world.final_run.id}" in proof
    book = _workbook(client.get(f"/sdm/pegawai/{world.ani.id}/{PERIOD}/ekinerja.xlsx"))
    assert book["e-Kinerja"].max_row == 3


def test_non_asn_staff_get_no_e_kinerja_sheet(client, world):
    login(client, world.users["hr"])
    response = client.get(f"/sdm/pegawai/{world.budi.id}/{PERIOD}/ekinerja.csv")
    assert response.status_code == 404 and "non-ASN" in response.get_data(as_text=True)


def test_the_printable_summary_shows_predikat_ratings_evidence_and_signatures(client, world):
    login(client, world.users["hr"])
    response = client.get(f"/sdm/pegawai/{world.ani.id}/{PERIOD}/ringkasan")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "@page{size:A4" in page and "@media print" in page
    for text in (
        "Baik",
        "Di Atas Ekspektasi",
        "Sesuai Ekspektasi",
        "Berkas KTP-el diverifikasi",
        "Pejabat penilai kinerja",
    ):
        assert text in page, text
    assert world.ani.nip in page and world.sari.nip in page  # both signatures carry a NIP


def test_the_export_page_lists_downloads_and_employees(client, world):
    login(client, world.users["hr"])
    page = client.get(f"/sdm/ekspor?periode={PERIOD}").get_data(as_text=True)
    assert "indikator.csv?periode=2026-09" in page and "respons.xlsx?periode=2026-09" in page
    assert f"/sdm/pegawai/{world.ani.id}/2026-09/ekinerja.xlsx" in page
    assert f"/sdm/pegawai/{world.budi.id}/2026-09/ekinerja" not in page  # non-ASN: no sheet
    assert "/sdm/ekspor" in client.get("/sdm/").get_data(as_text=True)  # linked from the HR page


def test_hr_of_another_unit_sees_nothing_of_this_one(client, world, build):
    other = build.unit(slug="lain", name="Unit Lain")
    stranger = build.user("hr-lain", {"hr"}, unit=other)
    db.session.commit()
    login(client, stranger)
    assert client.get(f"/sdm/ekspor/respons.csv?periode={PERIOD}&unit=uji").status_code == 422
    assert client.get(f"/sdm/pegawai/{world.ani.id}/{PERIOD}/ringkasan").status_code == 403
    assert client.get(f"/sdm/pegawai/{world.ani.id}/{PERIOD}/ekinerja.csv").status_code == 403
    indicator = client.get(f"/sdm/indikator/{world.final_run.indicators[0].id}")
    assert indicator.status_code == 403


def test_staff_cannot_download(client, world):
    login(client, world.users["ani"])
    assert client.get(f"/sdm/ekspor/indikator.csv?periode={PERIOD}").status_code == 403
    assert client.get(f"/sdm/ekspor/respons.csv?periode={PERIOD}").status_code == 403


def test_the_indicator_workbook_carries_the_bias_audit_and_the_colleagues_distribution(client, world):
    login(client, world.users["hr"])
    book = _workbook(client.get(f"/sdm/ekspor/indikator.xlsx?periode={PERIOD}&unit=uji"))
    assert book.sheetnames == ["Indikator", "Penjelasan dan parameter", "Audit bias", "Umpan balik rekan"]
    bias_header = [cell.value for cell in book["Audit bias"][1]]
    assert bias_header[:3] == ["unit", "dimension", "group"]
    peer_header = [cell.value for cell in book["Umpan balik rekan"][1]]
    assert peer_header[:3] == ["unit", "nip", "employee"] and "berorientasi_pelayanan_di_bawah" in peer_header
