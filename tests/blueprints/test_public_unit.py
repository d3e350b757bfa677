"""The public unit page, its open data, and complaints filed from the thank-you page and followed by code."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Complaint, ScoreIndicator
from feedback_app.services.complaints import answer_complaint, verify_complaint
from feedback_app.services.publishing import publish_run
from feedback_app.services.score_runs import compute_score_run
from scoring import parse_period
from tests.blueprints.test_survey import ALL_GOOD, path_of, submit
from tests.helpers import hidden_fields, login

PERSONAL = "NIK saya 3201123456780004, hp 081234567890, surel budi.santoso@contoh.id"


def _answers(app, counter, n: int, comment: str | None = None):
    for _ in range(n):  # each from its own browser, so none is a duplicate
        submit(app.test_client(), counter, comment=comment or "")


def _run(unit, period="2026-Q3", *, publish=True, plan=None):
    run = compute_score_run(unit, parse_period(period), "test")
    if publish:
        publish_run(run, by="kepala", follow_up_plan=plan)
    db.session.commit()
    return run


def test_the_page_shows_exactly_the_published_final_runs_and_never_a_comment(app, client, build, clock):
    unit = build.unit(slug="dukcapil-uji", name="Disdukcapil Uji")
    counter = build.counter(unit, public_code="UJI1")
    db.session.commit()
    clock.set(datetime(2026, 8, 5, 3, 0, tzinfo=UTC))
    _answers(app, counter, 3, comment=PERSONAL)
    clock.set(datetime(2026, 10, 14, 3, 0, tzinfo=UTC))
    assert "Belum ada hasil SKM" in client.get("/u/dukcapil-uji").get_data(as_text=True)
    unpublished = _run(unit, "2026-Q3", publish=False)
    page = client.get("/u/dukcapil-uji").get_data(as_text=True)
    assert "Belum ada hasil SKM" in page  # computed is not published
    db.session.delete(unpublished)  # (a run nobody published may be dropped by a recompute anyway)
    db.session.commit()
    _run(unit, "2026-Q3", plan="Menambah kursi ruang tunggu.")
    provisional = _run(unit, "2026-Q4", publish=False)
    assert provisional.provisional
    response = client.get("/u/dukcapil-uji")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Triwulan III 2026" in html and "Triwulan IV" not in html
    assert "IKM 100.00<" in html and "Menambah kursi ruang tunggu." in html, html[html.index("<main>") :][:2500]
    assert "<script" not in html and " on" not in re.sub(r"<[^>]*>", "", "") and len(response.data) <= 30_000
    for path in ("/u/dukcapil-uji", "/u/dukcapil-uji.json", "/u/dukcapil-uji.csv"):
        body = client.get(path).get_data(as_text=True)
        for secret in ("3201123456780004", "081234567890", "budi.santoso", "3201", "NIK saya"):
            assert secret not in body, (path, secret)
    data = client.get("/u/dukcapil-uji.json").get_json()
    assert [p["period"] for p in data["periods"]] == ["2026-Q3"]
    assert data["periods"][0]["ikm"] == "100.00" and data["periods"][0]["respondents"] == 3
    rows = list(csv.DictReader(io.StringIO(client.get("/u/dukcapil-uji.csv").get_data(as_text=True))))
    assert [(r["period"], r["ikm"], r["nrr_u1"]) for r in rows] == [("2026-Q3", "100.00", "4.000")]


def test_the_page_is_cacheable_and_revalidates_with_its_etag(client, build, clock):
    build.unit(slug="etag-uji")
    db.session.commit()
    for path in ("/u/etag-uji", "/u/etag-uji.json", "/u/etag-uji.csv"):
        first = client.get(path)
        assert first.headers["Cache-Control"].startswith("public, max-age=") and first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    assert client.get("/u/tidak-ada").status_code == 404


@pytest.mark.config(FLAG_BURST_MIN_ANSWERS=1000)  # thirty citizens in a minute would be a burst (services/flags)
def test_employee_ratings_only_when_switched_on_and_only_above_the_threshold(app, client, build, clock):
    unit = build.unit(slug="per-petugas")
    counter = build.counter(unit)
    ani = build.employee(unit, name="Ani Rahayu")
    db.session.commit()
    clock.set(datetime(2026, 8, 5, 3, 0, tzinfo=UTC))
    build.duty(counter, ani, starts_at=clock.now() - timedelta(hours=1))
    db.session.commit()
    _answers(app, counter, 30)
    clock.set(datetime(2026, 10, 14, 3, 0, tzinfo=UTC))
    _run(unit)
    assert "Ani Rahayu" not in client.get("/u/per-petugas").get_data(as_text=True)
    unit.public_employee_ratings = True
    db.session.commit()
    assert "Ani Rahayu" in client.get("/u/per-petugas").get_data(as_text=True)
    [employee] = client.get("/u/per-petugas.json").get_json()["periods"][0]["employees"]
    assert (employee["name"], employee["n"]) == ("Ani Rahayu", 30)


def test_a_head_publishes_a_final_run_with_one_audit_row(client, build, clock):
    unit = build.unit(slug="terbit")
    build.counter(unit)
    head = build.user("kepala", {"head"}, unit=unit)
    db.session.commit()
    run = compute_score_run(unit, parse_period("2026-Q3"), "t")
    db.session.commit()
    login(client, head)
    page = client.get("/admin/unit/terbit/publikasi")
    assert page.status_code == 200 and "Terbitkan 2026-Q3" in page.get_data(as_text=True)
    token = hidden_fields(page.get_data(as_text=True))["csrf_token"]
    response = client.post(f"/admin/publikasi/{run.id}", data={"csrf_token": token, "follow_up_plan": "Rencana"})
    assert response.status_code == 302
    db.session.expire_all()
    assert run.published_at is not None and run.published_by == "kepala" and run.follow_up_plan == "Rencana"
    again = client.post(f"/admin/publikasi/{run.id}", data={"csrf_token": token}, follow_redirects=True)
    assert "sudah diterbitkan" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "score_run.publish")).all()) == 1
    other = build.unit(slug="lain")
    db.session.commit()
    assert client.get(f"/admin/unit/{other.slug}/publikasi").status_code == 403


def test_a_complaint_from_the_thank_you_page_is_tracked_answered_and_counted_in_the_next_run(client, build, clock):
    unit = build.unit(slug="alur", name="Disdukcapil Alur")
    counter = build.counter(unit, public_code="ALR1")
    ani = build.employee(unit, name="Ani")
    build.duty(counter, ani)
    db.session.commit()
    clock.set(datetime(2026, 10, 14, 3, 0, tzinfo=UTC))
    posted = submit(client, counter, comment="Antrean lama, hp saya 081234567890")
    html = client.get(posted.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/u/alur/pengaduan\?r=[^"]+)"', html)
    assert link, "the thank-you page offers to turn the comment into a complaint"
    form_page = client.get(link.group(1).replace("&amp;", "&"))
    form_html = form_page.get_data(as_text=True)
    assert "Antrean lama" in form_html and "90 hari" in form_html
    fields = hidden_fields(form_html)
    bad = client.post("/u/alur/pengaduan", data={**fields, "kind": "pengaduan", "text": "x", "contact": "bukan"})
    assert bad.status_code == 422 and "nomor HP" in bad.get_data(as_text=True)
    response = client.post(
        "/u/alur/pengaduan",
        data={**fields, "kind": "pengaduan", "text": "Antrean lama sekali", "contact": "warga@contoh.id"},
    )
    assert response.status_code == 303
    complaint = db.session.scalar(select(Complaint))
    assert (complaint.employee_id, complaint.counter_id) == (ani.id, counter.id)
    assert complaint.survey_response_id is not None
    status = client.get(response.headers["Location"]).get_data(as_text=True)
    code = complaint.tracking_code
    assert f"{code[:5]}-{code[5:]}" in status and "<svg" in status and "warga@contoh.id" not in status
    # A mistyped or swapped code is caught by the check character.
    typo = code[:3] + ("2" if code[3] != "2" else "3") + code[4:]
    assert client.get(f"/pengaduan/{typo}").status_code == 422
    swapped = next(code[:i] + code[i + 1] + code[i] + code[i + 2 :] for i in range(9) if code[i] != code[i + 1])
    assert "salah ketik" in client.get(f"/pengaduan?kode={swapped}").get_data(as_text=True)
    assert client.get(f"/pengaduan?kode={code.lower()}").headers["Location"].endswith(f"/pengaduan/{code}")
    clock.advance(timedelta(hours=3))
    verify_complaint(complaint)
    answer_complaint(complaint, "Mohon maaf, loket tambahan dibuka mulai besok.")
    db.session.commit()
    assert "loket tambahan" in client.get(f"/pengaduan/{code}").get_data(as_text=True)
    clock.set(datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    run = compute_score_run(unit, parse_period("2026-10"), "t")
    rows = {
        (row.employee_id, row.code): row
        for row in db.session.scalars(select(ScoreIndicator).where(ScoreIndicator.run_id == run.id))
    }
    assert rows[None, "first_response_median_hours"].value == 3
    assert rows[ani.id, "complaints_received"].value == 1


def test_a_complaint_from_the_public_page_without_a_survey(client, build, clock):
    build.unit(slug="tanpa-survei")
    db.session.commit()
    page = client.get("/u/tanpa-survei/pengaduan")
    assert page.status_code == 200
    fields = hidden_fields(page.get_data(as_text=True))
    response = client.post("/u/tanpa-survei/pengaduan", data={**fields, "kind": "informasi", "text": "Syarat KIA?"})
    assert response.status_code == 303
    complaint = db.session.scalar(select(Complaint))
    assert (complaint.kind, complaint.category, complaint.survey_response_id) == ("informasi", "information", None)
    filed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "complaint.file"))
    assert filed.actor_kind == "citizen"


def test_path_helper_is_the_surveys(build):
    assert path_of(build.counter()).startswith("/s/") and ALL_GOOD


def test_the_public_sample_check_uses_the_population_the_admin_entered_as_stored_in_the_run(app, client, build, clock):
    from feedback_app.services.moderation import set_population

    unit = build.unit(slug="dukcapil-populasi", name="Disdukcapil Populasi")
    counter = build.counter(unit)
    db.session.commit()
    clock.set(datetime(2026, 8, 5, 3, 0, tzinfo=UTC))
    _answers(app, counter, 3)
    clock.set(datetime(2026, 10, 14, 3, 0, tzinfo=UTC))
    with app.test_request_context():
        set_population(unit, "2026-Q3", 1000, by="admin.populasi")
    db.session.commit()
    run = _run(unit, "2026-Q3")
    with app.test_request_context():
        set_population(unit, "2026-Q3", 50, by="admin.populasi")  # after the run: the published page keeps 1000
    db.session.commit()
    html = client.get("/u/dukcapil-populasi").get_data(as_text=True)
    assert "untuk 1000 pengguna layanan: 278" in html and "sampel belum memadai" in html
    assert "N dari data unit yang diisi admin" in html
    data = client.get("/u/dukcapil-populasi.json").get_json()["periods"][0]
    assert (data["population"], data["population_source"], data["minimum_sample"]) == (1000, "admin_entered", 278)
    assert run.input_counts["population_source"] == "admin_entered"
