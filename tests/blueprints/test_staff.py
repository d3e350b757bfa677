"""Kinerja saya: the stored run's numbers, how each was computed, comments masked and withheld, own data only."""

from __future__ import annotations

import html
import re
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Appeal, AuditEvent, ScoreIndicator, SurveyResponse
from scoring._exact import round_half_up
from tests.helpers import counting_queries, hidden_fields, login
from tests.staff_world import office


@pytest.fixture
def world(app, build, clock):
    return office(build)


def _page(client, period="2026-09") -> str:
    response = client.get(f"/kinerja/?periode={period}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _rows(run, employee_id):
    return {
        row.code: row
        for row in db.session.scalars(
            select(ScoreIndicator).where(ScoreIndicator.run_id == run.id, ScoreIndicator.employee_id == employee_id)
        )
    }


def test_the_page_shows_the_stored_runs_numbers_and_each_sum_adds_up_from_the_explanation(app, client, world):
    world.answers(20, world.ani, day=1, shift=world.shift, scores={"u3": 4, "u6": 3, "u7": 4})
    world.answers(14, world.ani, day=2, scores={"u3": 2, "u6": 3, "u7": 3})
    world.answers(40, world.budi, day=3, scores={"u3": 3, "u6": 3, "u7": 2})
    run = world.run()
    mine, unit = _rows(run, world.ani.id), _rows(run, None)
    login(client, world.users["ani"])
    page = _page(client)

    ikp = mine["ikp"]
    assert re.search(r'id="ikp-headline">\s*' + re.escape(f"{ikp.value:.2f}"), page)
    assert f"Nilai mentah {ikp.explanation['raw']} · n = {ikp.n}" in page
    interval = ikp.explanation["interval"]
    assert f"{interval['low']}–{interval['high']}" in page
    for code in ("wait_median_minutes", "on_time_rate"):
        assert mine[code].status == "not_available"  # no tickets: shown as such, never as zero
    assert "tidak tersedia" in page

    # Redo the ikp from the explanation alone, as a reader would by hand.
    inputs = ikp.explanation["explanation"]["inputs"]
    k = ikp.explanation["explanation"]["parameters"]["shrinkage_k"]
    n = inputs["n"]
    total = sum(score * count for counts in inputs["counts"].values() for score, count in enumerate(counts, 1))
    assert total == inputs["raw_sum"]
    raw = Fraction(25 * total, 3 * n)
    unit_value = Fraction(inputs["unit_value_exact"])
    shrunk = (n * raw + k * unit_value) / (n + k)
    assert (str(round_half_up(raw)), round_half_up(shrunk)) == (ikp.explanation["raw"], ikp.value.quantize(shrunk_q()))
    # ... and the page's "how computed" shows exactly these steps.
    assert f"25 × {total} ÷ (3 × {n}) = {round_half_up(raw)}" in page
    assert (
        f"({n} × {round_half_up(raw)} + {k} × {round_half_up(unit_value)}) ÷ ({n} + {k}) = {round_half_up(shrunk)}"
        in page
    )
    assert page.count("Bagaimana angka ini dihitung") >= 10
    assert f"versi kode {run.code_version}" in page
    # The unsur table against the unit average, and the two weakest unsur get a development suggestion.
    u6 = Fraction(sum(s * c for s, c in enumerate(inputs["counts"]["U6"], 1)), n)
    assert f"{round_half_up(u6)}" in page
    assert "U6 Kompetensi pelaksana</strong>" in page and "U3 Waktu penyelesaian</strong>" in page
    assert unit["ikp"].n == 74


def shrunk_q():
    from decimal import Decimal

    return Decimal("0.01")


def test_below_the_publication_threshold_the_page_says_data_belum_cukup(app, client, world):
    world.answers(12, world.ani)
    world.run()
    login(client, world.users["ani"])
    page = _page(client)
    assert "data belum cukup" in page
    assert "n = 12; diperlukan 30 respons." in page


def test_comments_are_masked_by_week_only_and_withheld_below_five(app, client, world):
    world.answers(4, world.ani, comment="Hubungi 081234567890 atau ani.warga@mail.id, NIK 3201123456780004", hour=10)
    world.run()
    login(client, world.users["ani"])
    page = _page(client)
    assert "sedikitnya 5 komentar" in page and "0812" not in page
    world.answers(1, world.ani, day=8, comment="Ramah sekali")
    world.run()
    page = _page(client)
    assert "08*******890" in page and "a***@mail.id" in page and "3201********0004" in page
    assert "081234567890" not in page and "3201123456780004" not in page and "ani.warga" not in page
    assert "2026-W36" in page and "2026-W37" in page
    assert "10:0" not in page  # no time of day anywhere near a comment
    # Budi sees none of Ani's comments.
    login(client, world.users["budi"])
    assert "Ramah sekali" not in _page(client)


def test_a_provisional_run_is_marked_and_a_user_without_an_employee_is_told_why(app, client, world, build):
    world.answers(3, world.ani)
    from scoring import parse_period

    world.run(parse_period("2026-10"))
    login(client, world.users["ani"])
    assert "sementara: periode belum selesai" in _page(client, "2026-10")
    for wrong in ("2026-13", "2026-10-01", "kemarin"):
        refused = client.get(f"/kinerja/?periode={wrong}")
        assert refused.status_code == 400 and "Permintaan tidak dapat diproses" in refused.get_data(as_text=True)
    client.post("/keluar", data={"csrf_token": hidden_fields(_page(client))["csrf_token"]})
    login(client, world.users["admin"])
    assert "tidak terhubung dengan data pegawai" in _page(client)


def test_the_page_reads_a_bounded_number_of_statements_whatever_the_unit_size(app, client, world, build):
    world.answers(35, world.ani, comment="Bagus")
    world.run()
    login(client, world.users["ani"])
    with counting_queries() as small:
        _page(client)
    for _ in range(30):
        build.employee(world.unit)
    db.session.commit()
    world.answers(200, world.budi, comment="Baik")
    world.run()
    with counting_queries() as large:
        _page(client)
    assert len(large) == len(small) <= 25


def test_filing_from_the_pages_and_seeing_the_decision(app, client, world):
    world.answers(6, world.ani, day=1, shift=world.shift, comment="Dasar petugas malas")
    run = world.run()
    login(client, world.users["ani"])
    page = client.get("/kinerja/keberatan").get_data(as_text=True)
    assert "Loket 1 (BGR01)" in page
    token = hidden_fields(page)["csrf_token"]
    response = client.post(
        "/kinerja/keberatan",
        data={
            "csrf_token": token,
            "kind": "shift",
            "subject": str(world.shift.id),
            "ground": "not_on_duty",
            "statement": "Saya dinas luar.",
        },
    )
    assert response.status_code == 303
    # Another's shift by id: not found; an empty statement: a message and nothing stored.
    response = client.post(
        "/kinerja/keberatan",
        data={"csrf_token": token, "kind": "indicator", "subject": f"{run.id}:ikp", "statement": ""},
    )
    assert response.status_code == 302
    assert "Tuliskan alasan keberatan." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 1
    [appeal] = db.session.scalars(select(Appeal)).all()

    login(client, world.users["budi"])
    response = client.post(
        "/kinerja/keberatan",
        data={
            "csrf_token": token,
            "kind": "shift",
            "subject": str(world.other_shift.id),
            "ground": "not_on_duty",
            "statement": "Bukan jadwal saya.",
        },
    )
    assert response.status_code == 404
    assert "Saya dinas luar." not in client.get("/kinerja/keberatan").get_data(as_text=True)

    login(client, world.users["sari"])
    desk = client.get("/atasan/keberatan").get_data(as_text=True)
    assert "Saya dinas luar." in desk
    token = hidden_fields(desk)["csrf_token"]
    refused = client.post(
        "/atasan/keberatan/putuskan", data={"csrf_token": token, "appeal_id": appeal.id, "decision": "accept"}
    )
    assert refused.status_code == 302 and db.session.get(Appeal, appeal.id).state == "open"
    response = client.post(
        "/atasan/keberatan/putuskan",
        data={"csrf_token": token, "appeal_id": appeal.id, "decision": "accept", "reason": "Ada surat tugas."},
    )
    assert response.status_code == 303
    again = client.post(
        "/atasan/keberatan/putuskan",
        data={"csrf_token": token, "appeal_id": appeal.id, "decision": "reject", "reason": "Salah klik."},
    )
    assert "sudah diputuskan" in client.get(again.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).state == "accepted"
    assert (
        db.session.scalar(
            select(func.count()).select_from(SurveyResponse).where(SurveyResponse.employee_id == world.ani.id)
        )
        == 0
    )
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == [
        "appeal.file",
        "appeal.accept",
    ]

    login(client, world.users["ani"])
    mine = client.get("/kinerja/keberatan").get_data(as_text=True)
    assert "diterima</strong>: Ada surat tugas." in mine
    # A supervisor outside the team (Kepala supervises Sari, not Ani) cannot decide it, even knowing its id.
    login(client, world.users["kepala"])
    assert "Saya dinas luar." not in client.get("/atasan/keberatan").get_data(as_text=True)


def test_the_unit_admin_edits_the_development_suggestions_with_one_audit_row(app, client, world):
    world.answers(30, world.ani, scores={"u3": 1, "u6": 2, "u7": 4})
    world.run()
    login(client, world.users["admin"])
    form = client.get("/admin/unit/uji/topik-pelatihan")
    assert "Manajemen waktu" in form.get_data(as_text=True)  # the seeded default
    token = hidden_fields(form.get_data(as_text=True))["csrf_token"]
    data = {"csrf_token": token, "U3": "Kelas singkat alur loket KTP-el", "U6": "", "U7": ""}
    assert client.post("/admin/unit/uji/topik-pelatihan", data=data).status_code == 303
    assert client.post("/admin/unit/uji/topik-pelatihan", data=data).status_code == 303  # unchanged: no new row
    too_long = client.post("/admin/unit/uji/topik-pelatihan", data={**data, "U6": "x" * 301})
    assert too_long.status_code == 422 and "Paling panjang 300 karakter." in too_long.get_data(as_text=True)
    [event] = db.session.scalars(select(AuditEvent)).all()
    assert (event.action, event.after) == ("training_topics.update", {"U3": "Kelas singkat alur loket KTP-el"})
    login(client, world.users["ani"])
    page = _page(client)
    assert "Kelas singkat alur loket KTP-el" in page and "Penguasaan prosedur" in page  # U3 and U6 are weakest
    assert "Pelayanan prima" not in page


def test_the_moderator_sees_the_contested_comment_masked(app, client, world):
    from feedback_app.services.appeals import comment_token

    world.answers(1, world.ani, comment="Petugas lamban! Telepon saya 081234567890")
    response_id = db.session.scalar(select(SurveyResponse.id))
    login(client, world.users["ani"])
    token = hidden_fields(client.get("/kinerja/keberatan").get_data(as_text=True))["csrf_token"]
    data = {"csrf_token": token, "kind": "comment", "subject": comment_token(response_id), "statement": "Kasar."}
    assert client.post("/kinerja/keberatan", data=data).status_code == 303
    login(client, world.users["admin"])
    desk = html.unescape(client.get("/atasan/keberatan").get_data(as_text=True))
    assert "Petugas lamban! Telepon saya 08*******890" in desk and "081234567890" not in desk


def test_after_a_transfer_an_old_period_shows_the_unit_of_that_time(app, client, world, build):
    from datetime import date

    from feedback_app.models import EmployeeAssignment

    world.answers(31, world.ani)
    world.run()
    [old] = db.session.scalars(select(EmployeeAssignment).where(EmployeeAssignment.employee_id == world.ani.id))
    old.valid_until = date(2026, 10, 1)
    elsewhere = build.unit(name="Disdukcapil Lain", slug="lain")
    db.session.add(
        EmployeeAssignment(employee=world.ani, unit=elsewhere, position="Petugas", valid_from=date(2026, 10, 1))
    )
    db.session.commit()
    login(client, world.users["ani"])
    september = _page(client)
    assert "Disdukcapil Uji" in september and "n = 31" in september
    assert "Disdukcapil Lain" in _page(client, "2026-10")


def test_the_page_speaks_english_when_asked(app, client, world):
    world.answers(31, world.ani)
    world.run()
    login(client, world.users["ani"])
    page = html.unescape(client.get("/kinerja/?periode=2026-09&lang=en").get_data(as_text=True))
    assert "My performance" in page and "How this figure was computed" in page
    assert "· 95% interval: " in page and "September 2026" in page
    assert "Bagaimana angka ini dihitung" not in page
