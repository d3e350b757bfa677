"""The SKM report page: who reads it (head, unit admin, HR in scope), the unit's text, signing, the XLSX."""

from __future__ import annotations

import io
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, SkmReport
from feedback_app.services.score_runs import compute_score_run
from tests.helpers import hidden_fields, login
from tests.services.score_runs.office import Q3, Office

URL = "/admin/unit/uji/laporan-skm/2026-Q3"


@pytest.fixture
def office(build, clock) -> Office:
    office = Office(build)
    office.answers(200)
    compute_score_run(office.unit, Q3, "t")
    db.session.commit()
    return office


def _as(client, build, login_name, roles, unit, employee=None):
    user = build.user(login_name, roles, unit=unit, employee=employee)
    db.session.commit()
    login(client, user)
    return client


@pytest.mark.parametrize("roles", [{"head"}, {"admin"}, {"hr"}])
def test_the_head_the_unit_admin_and_hr_in_scope_read_the_report(app, build, office, roles):
    client = _as(app.test_client(), build, "pembaca", roles, office.unit)
    html = unescape(client.get(URL).get_data(as_text=True))
    for section in (
        "Pendahuluan",
        "Pengumpulan data",
        "Profil responden",
        "Nilai per unsur",
        "Kecukupan sampel",
        "Analisis",
        "Tren",
        "Rencana tindak lanjut",
        "Kesimpulan",
        "Kepala unit",
        "@page{size:A4",
    ):
        assert section in html, section
    assert "IKM = 25 ×" in html and "Konvensi bobot: 1/9 persis" in html and "Aturan pembulatan: exact" in html
    assert ("Tandatangani laporan" in html) == (roles == {"head"})
    assert ("Bagian yang ditulis unit" in html) == (roles != {"hr"})
    book = load_workbook(io.BytesIO(client.get(URL + "/laporan.xlsx").data))
    assert "Ringkasan" in book.sheetnames


def test_another_units_reader_is_refused(app, build, office):
    client = _as(app.test_client(), build, "hr-lain", {"hr"}, build.unit(slug="lain2"))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "/laporan.xlsx").status_code == 403


def test_the_head_writes_the_plan_and_signs_and_the_print_shows_name_and_nip(app, build, office):
    head = build.employee(office.unit, name="Ir. Kepala Uji", nip="197001012000031001")
    client = _as(app.test_client(), build, "kepala", {"head"}, office.unit, employee=head)
    token = hidden_fields(client.get(URL).get_data(as_text=True))["csrf_token"]
    too_long = client.post(URL, data={"csrf_token": token, "follow_up_plan": "x" * 5001})
    assert too_long.status_code == 422 and db.session.scalar(select(SkmReport)) is None
    saved = client.post(URL, data={"csrf_token": token, "follow_up_plan": "Percepat U3 <b>segera</b>."})
    assert saved.status_code == 303
    signed = client.post(URL + "/tanda-tangan", data={"csrf_token": token})
    assert signed.status_code == 303
    html = client.get(URL).get_data(as_text=True)
    assert "Ir. Kepala Uji" in html and "NIP 197001012000031001" in html and "2026-10-14" in html
    assert "&lt;b&gt;segera&lt;/b&gt;" in html
    again = client.post(URL + "/tanda-tangan", data={"csrf_token": token})
    assert again.status_code == 422 and "sudah ditandatangani" in unescape(again.get_data(as_text=True))
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "skm_report")))
    assert actions == ["skm_report.save", "skm_report.sign"]


def test_an_unknown_period_is_not_found_and_the_chooser_redirects(app, build, office):
    client = _as(app.test_client(), build, "admin-uji", {"admin"}, office.unit)
    assert client.get("/admin/unit/uji/laporan-skm/2026-Q9").status_code == 404
    chosen = client.get("/admin/unit/uji/laporan-skm?periode=2026-S2")
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/laporan-skm/2026-S2")
    default = client.get("/admin/unit/uji/laporan-skm")
    assert default.headers["Location"].endswith("/laporan-skm/2026-Q3")  # the last full quarter on 14 Oct 2026
