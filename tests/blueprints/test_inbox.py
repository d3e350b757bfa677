"""The comment inbox and moderation pages (issue 13 items 3 and 4): who reads what, masked how, and every decision
audited, reversible and counted from the next run only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, PeriodPopulation, SurveyResponse
from feedback_app.services.score_runs import compute_score_run
from scoring import parse_period
from tests.blueprints.test_survey import submit
from tests.helpers import hidden_fields, login

PERSONAL = "NIK saya 3201123456780004, hp 081234567890, surel budi.santoso@contoh.id"


def _office(app, build, clock):
    unit = build.unit(slug="dukcapil-uji", name="Disdukcapil Uji")
    counters = [build.counter(unit, name=name) for name in ("Loket KTP", "Loket KK")]
    db.session.commit()
    submit(app.test_client(), counters[0], comment=PERSONAL)
    submit(app.test_client(), counters[1], comment="Ruang tunggu panas")
    for _ in range(2):
        submit(app.test_client(), counters[1], comment="")
    clock.advance(timedelta(minutes=1))
    responses = list(db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))
    return unit, counters, responses


def test_the_head_reads_masked_comments_and_the_unit_admin_reads_them_whole(app, build, clock):
    unit, counters, _ = _office(app, build, clock)
    head = build.user("kepala.uji", {"head"}, unit=unit)
    admin = build.user("admin.uji", {"admin"}, unit=unit)
    db.session.commit()
    head_client, admin_client = app.test_client(), app.test_client()
    login(head_client, head)
    login(admin_client, admin)

    assert head_client.get("/admin/kotak-masuk").headers["Location"].endswith("/admin/unit/dukcapil-uji/kotak-masuk")
    page = head_client.get("/admin/unit/dukcapil-uji/kotak-masuk").get_data(as_text=True)
    assert "3201********0004" in page and "08*******890" in page and "b***@contoh.id" in page
    assert "3201123456780004" not in page and "081234567890" not in page and "budi.santoso" not in page
    assert "Ruang tunggu panas" in page and page.count("<article") == 2  # answers without a comment are not here
    whole = admin_client.get("/admin/unit/dukcapil-uji/kotak-masuk").get_data(as_text=True)
    assert "3201123456780004" in whole

    only_kk = head_client.get("/admin/unit/dukcapil-uji/kotak-masuk", query_string={"loket": counters[1].id})
    assert "Ruang tunggu panas" in only_kk.get_data(as_text=True) and "3201" not in only_kk.get_data(as_text=True)
    everything = head_client.get("/admin/unit/dukcapil-uji/kotak-masuk", query_string={"tampil": "semua"})
    assert everything.get_data(as_text=True).count("<article") == 4
    # A head reads; deciding is for admins. A moderator's reason is masked for the head like a comment.
    response_id = db.session.scalar(select(SurveyResponse.id).limit(1))
    with app.test_request_context():
        from feedback_app.services.flags import exclude_response

        exclude_response(response_id, reason="Warga minta dihapus, hp 081234567890")
    db.session.commit()
    assert "08*******890" in head_client.get(f"/admin/jawaban/{response_id}").get_data(as_text=True)
    assert "081234567890" in admin_client.get(f"/admin/jawaban/{response_id}").get_data(as_text=True)
    assert head_client.get(f"/admin/jawaban/{response_id}").status_code == 200
    token = hidden_fields(head_client.get(f"/admin/jawaban/{response_id}").get_data(as_text=True))["csrf_token"]
    refused = head_client.post(
        f"/admin/jawaban/{response_id}/kecualikan", data={"csrf_token": token, "exclude-reason": "x"}
    )
    assert refused.status_code == 403


def test_bad_filters_are_422_in_the_readers_language(app, build, clock):
    unit, _, _ = _office(app, build, clock)
    other = build.counter()
    head = build.user("kepala.uji", {"head"}, unit=unit)
    db.session.commit()
    client = app.test_client()
    login(client, head)
    url = "/admin/unit/dukcapil-uji/kotak-masuk"
    for query, message in (
        ({"periode": "2026-Q9"}, "tidak dikenali"),
        ({"loket": other.id}, "tidak tersedia untuk unit ini"),  # another unit's counter
        ({"nilai": "Z"}, "pilih A, B, C atau D"),
        ({"petugas": "99999999999"}, "tidak tersedia"),
    ):
        response = client.get(url, query_string=query)
        assert response.status_code == 422 and message in response.get_data(as_text=True), query
    english = client.get(url, query_string={"periode": "2026-Q9", "lang": "en"})
    assert english.status_code == 422 and "not recognised" in english.get_data(as_text=True)
    assert client.get("/admin/jawaban/99999999999").status_code == 404  # beyond the integer range: unknown
    # Another unit's inbox is out of the head's scope.
    assert client.get(f"/admin/unit/{other.unit.slug}/kotak-masuk").status_code == 403


def test_an_admin_excludes_and_releases_with_a_reason_each_step_audited_and_counted_next_run(app, build, clock):
    unit, _, responses = _office(app, build, clock)
    admin = build.user("admin.uji", {"admin"}, unit=unit)
    db.session.commit()
    client = app.test_client()
    login(client, admin)
    target = responses[1]
    period = parse_period("2026-Q4")
    first = compute_score_run(unit, period, "test")
    db.session.commit()
    assert first.input_counts["responses_valid"] == 4
    clock.advance(timedelta(minutes=1))

    detail = client.get(f"/admin/jawaban/{target.id}")
    token = hidden_fields(detail.get_data(as_text=True))["csrf_token"]
    empty = client.post(f"/admin/jawaban/{target.id}/kecualikan", data={"csrf_token": token, "exclude-reason": " "})
    assert empty.status_code == 422 and "Alasan wajib diisi" in empty.get_data(as_text=True)
    done = client.post(
        f"/admin/jawaban/{target.id}/kecualikan", data={"csrf_token": token, "exclude-reason": "Isian uji coba"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(SurveyResponse, target.id).status == "excluded"
    # The stored run is unchanged, and the pages say it is out of date.
    assert first.input_counts["responses_valid"] == 4
    inbox = client.get("/admin/unit/dukcapil-uji/kotak-masuk", query_string={"periode": "2026-Q4"})
    assert "berubah sejak perhitungan terakhir" in inbox.get_data(as_text=True)
    settings = client.get("/admin/unit/dukcapil-uji/moderasi").get_data(as_text=True)
    assert "berubah sejak perhitungan terakhir" in settings
    runs_page = client.get("/sdm/hasil").get_data(as_text=True)
    assert "berubah sejak perhitungan terakhir" in runs_page
    # Excluded twice is refused with the reason, not a 500.
    again = client.post(f"/admin/jawaban/{target.id}/kecualikan", data={"csrf_token": token, "exclude-reason": "x"})
    assert again.status_code == 422 and "berstatus excluded" in again.get_data(as_text=True)

    assert compute_score_run(unit, period, "test").input_counts["responses_valid"] == 3
    db.session.commit()
    clock.advance(timedelta(minutes=1))
    released = client.post(
        f"/admin/jawaban/{target.id}/lepas", data={"csrf_token": token, "release-reason": "Warga sungguhan"}
    )
    assert released.status_code == 302
    assert compute_score_run(unit, period, "test").input_counts["responses_valid"] == 4
    db.session.commit()
    flagged = client.post(
        f"/admin/jawaban/{target.id}/tandai",
        data={"csrf_token": token, "flag-code": "self_rating", "flag-reason": "Diisi di meja petugas"},
    )
    assert flagged.status_code == 302
    db.session.expire_all()
    response = db.session.get(SurveyResponse, target.id)
    assert (response.status, response.flag_reason, response.status_reason) == (
        "flagged",
        "self_rating",
        "Diisi di meja petugas",
    )
    page = client.get(f"/admin/jawaban/{target.id}").get_data(as_text=True)
    assert "Petugas menilai diri sendiri" in page and "by_hand" in page
    assert "response.exclude" in page and "response.release" in page and "response.flag" in page
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == str(target.id)).order_by(AuditEvent.id)
    ).all()
    assert actions == ["response.exclude", "response.release", "response.flag"]
    # The flagged view of the inbox shows it with its reason.
    waiting = client.get("/admin/unit/dukcapil-uji/kotak-masuk", query_string={"tampil": "ditandai"})
    assert "1 jawaban ditandai menunggu keputusan" in waiting.get_data(as_text=True)


def test_the_admin_enters_the_population_and_the_units_thresholds(app, build, clock):
    unit, _, _ = _office(app, build, clock)
    admin = build.user("admin.uji", {"admin"}, unit=unit)
    db.session.commit()
    client = app.test_client()
    login(client, admin)
    token = hidden_fields(client.get("/admin/unit/dukcapil-uji/moderasi").get_data(as_text=True))["csrf_token"]
    bad = client.post(
        "/admin/unit/dukcapil-uji/populasi", data={"csrf_token": token, "period": "2026-Q4", "population": "-5"}
    )
    assert bad.status_code == 422 and "bilangan bulat positif" in bad.get_data(as_text=True)
    bad_period = client.post(
        "/admin/unit/dukcapil-uji/populasi", data={"csrf_token": token, "period": "kemarin", "population": "5"}
    )
    assert bad_period.status_code == 422 and "tidak dikenali" in bad_period.get_data(as_text=True)
    ok = client.post(
        "/admin/unit/dukcapil-uji/populasi", data={"csrf_token": token, "period": "2026-Q4", "population": "1000"}
    )
    assert ok.status_code == 302
    assert db.session.scalar(select(PeriodPopulation.population)) == 1000
    page = client.get("/admin/unit/dukcapil-uji/moderasi").get_data(as_text=True)
    assert "<td>1000</td><td>278</td>" in page
    run = compute_score_run(unit, parse_period("2026-Q4"), "test")
    db.session.commit()
    assert (run.input_counts["population"], run.input_counts["population_source"]) == (1000, "admin_entered")

    saved = client.post(
        "/admin/unit/dukcapil-uji/ambang-tanda",
        data={"csrf_token": token, "fingerprint_max_counters": "4", "burst_factor": ""},
    )
    assert saved.status_code == 302
    refused = client.post(
        "/admin/unit/dukcapil-uji/ambang-tanda", data={"csrf_token": token, "burst_window_minutes": "0"}
    )
    assert refused.status_code == 422 and "antara 1 dan" in refused.get_data(as_text=True)
    audits = db.session.scalars(select(AuditEvent.action).where(AuditEvent.unit_id == unit.id)).all()
    assert sorted(audits) == ["unit.set_flag_thresholds", "unit.set_population"]
