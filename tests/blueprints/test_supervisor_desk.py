"""The appraisal desk pages (/atasan): what a supervisor, HR and an outsider see, and what each form refuses."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import Appraisal, AuditEvent, BehaviourRating, EmployeeTarget
from feedback_app.services.score_runs import compute_score_run
from tests.helpers import counting_queries, hidden_fields, login
from tests.services.test_appraisals import Q3, SEVEN, Team

SEVEN_SESUAI = dict.fromkeys(SEVEN, "sesuai")


@pytest.fixture
def team(build, clock) -> Team:
    team = Team(build)
    team.answers(team.ani, 40, value=4)
    team.answers(team.budi, 10, value=3)
    compute_score_run(team.unit, Q3, "test")
    db.session.commit()
    return team


def evidence_url(employee, period: str = "2026-Q3") -> str:
    return f"/atasan/pegawai/{employee.id}/{period}"


def form_of(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action``."""
    start = html.index(f'action="{action}"')
    return hidden_fields(html[start : html.index("</form>", start)])


def post_appraisal(client, employee, **fields):
    url = evidence_url(employee)
    page = client.get(url).get_data(as_text=True)
    data = {**form_of(page, f"{url}/penilaian"), **SEVEN_SESUAI, "feedback": "Ramah dan teliti.", **fields}
    return client.post(f"{url}/penilaian", data=data)


def test_the_team_list_shows_the_team_with_figures_and_flags_thin_data(app, client, team: Team) -> None:
    login(client, team.supervisor)
    html = client.get("/atasan/?periode=2026-Q3").get_data(as_text=True)
    assert "Ani" in html and "Eka" in html
    assert "Budi" not in html  # he is in Tono's team at the end of Q3
    assert "Cici" not in html  # Plt Tono's
    plt = app.test_client()
    login(plt, team.plt)
    html = plt.get("/atasan/?periode=2026-Q3").get_data(as_text=True)
    assert "Cici" in html and "penilai: PLT" in html
    assert "data belum cukup" in html  # Budi: 10 answers, below the threshold of 30


def test_an_unknown_period_falls_back_with_a_message(client, team: Team) -> None:
    login(client, team.supervisor)
    response = client.get("/atasan/?periode=2026-Q9")
    assert response.status_code == 200 and "Periode tidak dikenal" in response.get_data(as_text=True)
    assert client.get(evidence_url(team.ani, "2026-Q9")).status_code == 404


def test_the_evidence_page_shows_the_stored_runs_numbers_and_how_they_were_computed(client, team: Team) -> None:
    login(client, team.supervisor)
    html = client.get(evidence_url(team.ani)).get_data(as_text=True)
    run = db.session.scalar(select(func.max(EmployeeTarget.id)))  # no target yet
    assert run is None
    from feedback_app.models import ScoreIndicator

    ikp = db.session.scalar(
        select(ScoreIndicator).where(ScoreIndicator.employee_id == team.ani.id, ScoreIndicator.code == "ikp")
    )
    assert f"{ikp.value:.2f}" in html and f"(mentah {ikp.explanation['raw']})" in html
    assert "Bagaimana angka ini dihitung" in html and "<details>" in html
    assert "40 jawaban" in html and "sangat sopan 40" in html  # U7 beside Berorientasi Pelayanan
    assert 'id="form-penilaian"' in html


def test_a_supervisor_cannot_read_or_appraise_outside_their_team(client, team: Team) -> None:
    login(client, team.supervisor)
    for outsider in (team.budi, team.cici, team.tono):
        assert client.get(evidence_url(outsider)).status_code == 403
        token = hidden_fields(client.get("/atasan/").get_data(as_text=True)) or hidden_fields(
            client.get(evidence_url(team.ani)).get_data(as_text=True)
        )
        for suffix in ("/penilaian", "/target"):
            response = client.post(evidence_url(outsider) + suffix, data={"csrf_token": token["csrf_token"]})
            assert response.status_code == 403
    assert client.get("/atasan/pegawai/99999/2026-Q3").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Appraisal)) == 0


def test_hr_reads_the_evidence_without_the_forms_and_hr_of_another_unit_cannot(app, client, team: Team) -> None:
    login(client, team.hr)
    html = client.get(evidence_url(team.ani)).get_data(as_text=True)
    assert "Indikator dari warga dan antrean" in html and 'id="form-penilaian"' not in html
    other = app.test_client()
    login(other, team.hr_elsewhere)
    assert other.get(evidence_url(team.ani)).status_code == 403


def test_the_supervisor_completes_an_appraisal_and_the_page_keeps_its_history(client, team: Team) -> None:
    login(client, team.supervisor)
    url = evidence_url(team.ani)
    page = client.get(url).get_data(as_text=True)
    target = {
        **form_of(page, f"{url}/target"),
        "work_plan": "Terlayaninya dokumen kependudukan",
        "name": "Berkas selesai",
        "aspect": "kuantitas",
        "target": "100",
        "measure_unit": "berkas",
        "realisation": "95",
    }
    assert client.post(f"{url}/target", data=target).status_code == 302

    draft = post_appraisal(client, team.ani, hasil="sesuai", action="draft")
    assert draft.status_code == 302
    # Overriding the suggested perilaku (Sesuai) without a reason is refused and changes nothing.
    refused = post_appraisal(client, team.ani, hasil="sesuai", perilaku="di_atas", action="confirm")
    assert refused.status_code == 422
    assert "Alasan wajib diisi: rating perilaku kerja" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Appraisal.status)) == "draft"
    confirmed = post_appraisal(
        client,
        team.ani,
        hasil="sesuai",
        perilaku="di_atas",
        perilaku_reason="Membimbing pegawai baru.",
        action="confirm",
    )
    assert confirmed.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert re.search(r'id="predikat"><strong>Baik</strong>', html)  # Sesuai × Di Atas = Baik
    assert "appraisal.save_draft" in html and "appraisal.confirm" in html and "Membimbing pegawai baru." in html
    assert 'id="form-penilaian"' not in html  # confirmed: no more edits
    db.session.expire_all()
    appraisal = db.session.scalar(select(Appraisal))
    assert (appraisal.average_capaian, appraisal.suggested_hasil, appraisal.predikat) == (
        Decimal("95.00"),
        "sesuai",
        "baik",
    )
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["target.create", "appraisal.save_draft", "appraisal.confirm"]
    assert set(db.session.scalars(select(AuditEvent.actor_login))) == {"atasan"}


def test_a_stale_form_is_refused_in_the_users_language(app, client, team: Team) -> None:
    login(client, team.supervisor)
    url = evidence_url(team.ani)
    old = form_of(client.get(url).get_data(as_text=True), f"{url}/penilaian")
    assert post_appraisal(client, team.ani, action="draft").status_code == 302  # another tab saves first
    stale = client.post(f"{url}/penilaian", data={**old, **SEVEN_SESUAI, "feedback": "Tab lama."})
    assert stale.status_code == 422 and "sudah disimpan orang lain" in stale.get_data(as_text=True)
    english = client.post(f"{url}/penilaian?lang=en", data={**old, **SEVEN_SESUAI, "feedback": "Old tab."})
    assert english.status_code == 422 and "Someone else saved this appraisal" in english.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(BehaviourRating.feedback)) == "Ramah dan teliti."


def test_a_target_of_zero_is_refused_with_a_clear_message(client, team: Team) -> None:
    login(client, team.supervisor)
    url = evidence_url(team.ani)
    token = form_of(client.get(url).get_data(as_text=True), f"{url}/target")
    data = {**token, "work_plan": "Layanan", "name": "Berkas", "aspect": "kuantitas", "target": "0"}
    response = client.post(f"{url}/target", data=data)
    assert response.status_code == 422 and "Target tidak boleh 0" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EmployeeTarget)) == 0


def test_the_evidence_page_sends_a_fixed_number_of_statements_whatever_the_team_size(client, team: Team, build) -> None:
    login(client, team.supervisor)

    def count(path: str) -> int:
        with counting_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    small = (count("/atasan/?periode=2026-Q3"), count(evidence_url(team.ani)))
    from datetime import date

    from feedback_app.models import EmployeeAssignment

    for n in range(10):
        db.session.add(
            EmployeeAssignment(
                employee=build.employee(name=f"Anggota {n}"),
                unit=team.unit,
                position="Petugas",
                supervisor=team.sari,
                valid_from=date(2026, 1, 1),
            )
        )
    compute_score_run(team.unit, Q3, "test")
    db.session.commit()
    assert (count("/atasan/?periode=2026-Q3"), count(evidence_url(team.ani))) == small
