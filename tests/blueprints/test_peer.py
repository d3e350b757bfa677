"""The peer-feedback pages (issue 16): a colleague's form, the supervisor's rounds, the evidence on the appraisal
desk, and the acceptance test: no page, export or API response ever shows a rater beside an answer."""

from __future__ import annotations

import re

from flask import Flask, url_for
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import BERAKHLAK_VALUES, Appeal, Appraisal, AuditEvent, PeerAnswer, PeerRater, PeerRound
from feedback_app.services.appeals import file_appeal
from feedback_app.services.complaints import file_complaint
from feedback_app.services.score_runs import compute_score_run
from feedback_app.services.tokens import counter_token
from tests.helpers import hidden_fields, login
from tests.peer_world import Q4, team

ALL_SESUAI = dict.fromkeys(BERAKHLAK_VALUES, "sesuai")


def _pair_id(peer_round, rater) -> int:
    return db.session.scalar(
        select(PeerRater.id).where(PeerRater.round_id == peer_round.id, PeerRater.rater_id == rater.id)
    )


def _csrf(client, path: str) -> str:
    return hidden_fields(client.get(path).get_data(as_text=True))["csrf_token"]


def test_a_colleague_saves_a_draft_submits_once_and_cannot_answer_twice(client, build, clock):
    world = team(build)
    peer_round = world.open()
    rater = world.raters[0]
    login(client, world.users["rater0"])
    home = client.get("/kinerja/").get_data(as_text=True)
    assert "Umpan balik rekan menunggu Anda" in home and "1 rekan menunggu" in home  # the reminder
    listing = client.get("/kinerja/rekan").get_data(as_text=True)
    pair_id = _pair_id(peer_round, rater)
    assert f"/kinerja/rekan/{pair_id}" in listing and "Ani Dinilai" in listing
    url = f"/kinerja/rekan/{pair_id}"
    token = _csrf(client, url)
    draft = client.post(url, data={"csrf_token": token, "akuntabel": "di_atas", "action": "draft"})
    assert draft.status_code == 303
    assert re.search(r'<input checked[^>]*name="akuntabel"[^>]*value="di_atas"', client.get(url).get_data(as_text=True))
    incomplete = client.post(url, data={"csrf_token": token, "akuntabel": "di_atas", "action": "submit"})
    assert incomplete.status_code == 422 and "jawab ketujuh nilai" in incomplete.get_data(as_text=True)
    data = {"csrf_token": token, **ALL_SESUAI, "does_well": "Cekatan", "action": "submit"}
    assert client.post(url, data=data).status_code == 303
    again = client.post(url, data={**data, "kolaboratif": "di_bawah"})
    assert again.status_code == 422
    assert "sudah terkirim" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PeerAnswer)) == 1
    assert db.session.scalar(select(PeerAnswer.kolaboratif)) == "sesuai"
    assert "Umpan balik rekan menunggu Anda" not in client.get("/kinerja/").get_data(as_text=True)


def test_another_users_form_id_leads_back_to_the_list(client, build, clock):
    world = team(build)
    peer_round = world.open()
    login(client, world.users["rater1"])
    other = _pair_id(peer_round, world.raters[0])
    response = client.get(f"/kinerja/rekan/{other}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kinerja/rekan")
    token = _csrf(client, "/kinerja/rekan")
    posted = client.post(f"/kinerja/rekan/{other}", data={"csrf_token": token, **ALL_SESUAI, "action": "submit"})
    assert posted.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(PeerAnswer)) == 0


def test_the_supervisor_opens_a_round_with_the_proposed_pairs_and_a_retry_opens_nothing(client, build, clock):
    world = team(build)
    login(client, world.users["sari"])
    page = client.get("/atasan/rekan/baru?periode=2026-Q4").get_data(as_text=True)
    proposed = re.findall(r'name="pair" value="(\d+:\d+)" checked', page)
    assert all(f"{r.id}:{world.ani.id}" in proposed for r in world.raters)
    assert not any(p.startswith(f"{world.budi.id}:") for p in proposed)  # no shift beside anybody
    fields = hidden_fields(page)
    data = {**fields, "closes_on": "2026-10-28", "pair": [f"{r.id}:{world.ani.id}" for r in world.raters]}
    opened = client.post("/atasan/rekan/baru", data=data)
    assert opened.status_code == 303
    peer_round = db.session.scalar(select(PeerRound))
    assert opened.headers["Location"].endswith(f"/atasan/rekan/{peer_round.id}")
    retry = client.post("/atasan/rekan/baru", data=data)
    assert retry.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(PeerRound)) == 1
    assert db.session.scalar(select(func.count()).select_from(PeerRater)) == 4
    bad = client.post("/atasan/rekan/baru", data={**data, "closes_on": "28/10/2026", "periode": "2026-Q1"})
    assert bad.status_code == 422 and "TTTT-BB-HH" in bad.get_data(as_text=True)
    self_pair = client.post(
        "/atasan/rekan/baru", data={**data, "periode": "2027-Q1", "pair": [f"{world.ani.id}:{world.ani.id}"]}
    )
    assert self_pair.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(PeerRound)) == 1
    # The response rate, not who answered.
    world.answer(world.raters[0], peer_round)
    round_page = client.get(f"/atasan/rekan/{peer_round.id}").get_data(as_text=True)
    assert "1/4" in round_page and "25 %" in round_page and "belum cukup jawaban" in round_page
    assert "1/4 (25 %)" in client.get("/atasan/rekan").get_data(as_text=True)


def test_closing_by_hand_deletes_the_rater_links(client, build, clock):
    world = team(build)
    peer_round = world.open()
    for rater in world.raters[:3]:
        world.answer(rater, peer_round)
    login(client, world.users["sari"])
    token = _csrf(client, f"/atasan/rekan/{peer_round.id}")
    assert client.post(f"/atasan/rekan/{peer_round.id}/tutup", data={"csrf_token": token}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(PeerRater)) == 0
    assert db.session.scalar(select(func.count()).select_from(PeerAnswer)) == 3
    page = client.get(f"/atasan/rekan/{peer_round.id}").get_data(as_text=True)
    assert "3/4" in page and "sudah dihapus" in page
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "peer_round.close")) == 1


def test_the_desk_shows_the_colleagues_evidence_beside_the_form_and_the_suggestion_does_not_move(client, build, clock):
    world = team(build)
    compute_score_run(world.unit, Q4, "test")
    db.session.commit()
    login(client, world.users["sari"])
    url = f"/atasan/pegawai/{world.ani.id}/2026-Q4"

    def suggested_perilaku_after(values: dict[str, str]) -> str:
        page = client.get(url).get_data(as_text=True)
        start = page.index(f'action="{url}/penilaian"')
        fields = hidden_fields(page[start : page.index("</form>", start)])
        response = client.post(f"{url}/penilaian", data={**fields, **values, "action": "draft"})
        assert response.status_code == 302, response.get_data(as_text=True)
        db.session.expire_all()
        return db.session.scalar(select(Appraisal.suggested_perilaku))

    before = suggested_perilaku_after(ALL_SESUAI)
    peer_round = world.open()
    for rater in world.raters[:2]:
        world.answer(rater, peer_round, "di_bawah", could_improve="Kalimat-rahasia-dua")
    page = client.get(url).get_data(as_text=True)
    assert "Rekan kerja (360°" not in page and "Kalimat-rahasia-dua" not in page and "belum cukup jawaban" in page
    world.answer(world.raters[2], peer_round, "di_bawah", does_well="Kalimat-rahasia-tiga")
    page = client.get(url).get_data(as_text=True)
    assert page.count("Rekan kerja (360°, 3 jawaban):") == 7  # beside each of the seven BerAKHLAK values
    assert "Kalimat-rahasia-dua" in page and "Kalimat-rahasia-tiga" in page
    assert page.index("Rekan kerja (360°") > page.index('id="form-penilaian"')  # inside the form, beside the values
    assert suggested_perilaku_after(ALL_SESUAI) == before == "sesuai"  # three colleagues said di bawah: unchanged
    shown = db.session.scalar(select(Appraisal.evidence_shown))
    assert shown["peer_feedback"] == {"rounds": [peer_round.id], "n": 3, "shown": True, "min_answers": 3}
    assert "umpan balik rekan ditampilkan (3 jawaban)" in client.get(url).get_data(as_text=True)
    # HR reads the distribution, not the sentences.
    hr = client.application.test_client()
    login(hr, world.hr)
    hr_page = hr.get(url).get_data(as_text=True)
    assert "Sebaran jawaban rekan" in hr_page and "Kalimat-rahasia-tiga" not in hr_page


def test_the_evidence_page_lists_the_employees_open_appeals(client, build, clock):
    """Issue 12: open appeals beside the evidence; decided ones are not listed."""
    world = team(build)
    run = compute_score_run(world.unit, Q4, "test")
    db.session.commit()
    open_one = file_appeal(
        world.users["ani"], "indicator", f"{run.id}:ikp", statement="Dua minggu saya bertugas di loket informasi."
    )
    db.session.commit()
    login(client, world.users["sari"])
    page = client.get(f"/atasan/pegawai/{world.ani.id}/2026-Q4").get_data(as_text=True)
    assert f"#{open_one.id}" in page and "loket informasi" in page
    db.session.execute(
        Appeal.__table__.update()
        .where(Appeal.id == open_one.id)
        .values(state="rejected", open_subject=None, decision_reason="x", decided_at=open_one.filed_at)
    )
    db.session.commit()
    assert "Tidak ada keberatan yang terbuka." in client.get(f"/atasan/pegawai/{world.ani.id}/2026-Q4").get_data(
        as_text=True
    )


# --- acceptance: search every response for the raters -------------------------------------------------------------


def _get_urls(app: Flask, values: dict[str, str]) -> list[str]:
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or "GET" not in rule.methods:
                continue
            if rule.arguments - values.keys():
                raise AssertionError(f"{rule.endpoint}: no test value for {sorted(rule.arguments - values.keys())}")
            urls.append(url_for(rule.endpoint, **{name: values[name] for name in rule.arguments}))
    return urls


def test_no_page_export_or_api_response_shows_a_rater_beside_an_answer(app, build, clock):
    world = team(build)
    compute_score_run(world.unit, Q4, "test")
    peer_round = world.open()
    markers = []
    for i, rater in enumerate(world.raters[:3]):
        markers += [f"Baik-penanda-{i}", f"Tingkatkan-penanda-{i}"]
        world.answer(rater, peer_round, "di_atas", does_well=markers[-2], could_improve=markers[-1])
    counter = world.unit.counters[0]
    complaint = file_complaint(world.unit, kind="pengaduan", text="Antrean lama", counter=counter)
    db.session.commit()
    identities = []
    for i, rater in enumerate(world.raters):
        identities += [rater.name, world.users[f"rater{i}"].login, rater.nip, f"/pegawai/{rater.id}/"]
    values = {
        "code": counter.public_code,
        "slug": world.unit.slug,
        "fmt": "png",
        "token": counter_token(counter),
        "employee_id": str(world.ani.id),
        "period_id": "2026-Q4",
        "target_id": "1",
        "team_lead": str(world.sari.id),
        "complaint_id": str(complaint.id),
        "action": "verify",
        "run_id": "1",
        "round_id": str(peer_round.id),
        "pair_id": "1",
        "filename": "swagger-ui.css",
        "external_id": "2026-10-14-A001",
        "word": "pegawai",
        "service_type_id": "1",
        "indicator_id": "1",
        "file_type": "csv",
        "response_id": "1",
    }
    urls = [*_get_urls(app, values), "/kinerja/?periode=2026-Q4", "/atasan/?periode=2026-Q4"]
    viewers = {"sari": world.users["sari"], "ani": world.users["ani"], "hr": world.hr, "admin": world.admin}

    def sweep() -> set[str]:
        with_answers = set()
        for label, user in [*viewers.items(), ("anonymous", None)]:
            client = app.test_client()
            if user is not None:
                login(client, user)
            for url in urls:
                body = client.get(url, buffered=True).get_data().decode("utf-8", "replace")  # PNGs and XLSX too
                if any(marker in body for marker in markers) or "Sebaran jawaban rekan" in body:
                    with_answers.add(f"{label} {url}")
                    leaked = [identity for identity in identities if identity and identity in body]
                    assert not leaked, f"{label} {url} shows {leaked} beside colleagues' answers"
        return with_answers

    seen = sweep()
    # The search found the answers where they belong: the employee's page, the round, the desk (and HR's reading).
    assert {
        f"sari /atasan/rekan/{peer_round.id}",
        "ani /kinerja/rekan",
        f"sari /atasan/pegawai/{world.ani.id}/2026-Q4",
    } <= seen
    close_login = world.users["sari"].login
    from feedback_app.services.peer_feedback import close_round

    close_round(peer_round, close_login)
    db.session.commit()
    assert sweep() >= {f"sari /atasan/rekan/{peer_round.id}"}
    # The database no longer knows who rated whom.
    assert db.session.scalar(select(func.count()).select_from(PeerRater)) == 0
    audit_text = " ".join(f"{row.entity_id} {row.before} {row.after}" for row in db.session.scalars(select(AuditEvent)))
    assert not any(marker in audit_text for marker in markers)
    assert Q4.id == "2026-Q4"
