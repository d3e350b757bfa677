"""HR's score-run page (/sdm): start runs for units in scope as background jobs, see progress, read the runs."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, ScoreJob, ScoreRun
from feedback_app.services.jobs import runner
from tests.helpers import hidden_fields, login


@pytest.fixture
def tree(build, clock):
    """A province office (no counters) with two service units below it, and a third unit elsewhere."""
    province = build.unit(slug="prov", name="Dinas Provinsi")
    bogor = build.unit(slug="bogor", name="Dukcapil Bogor", parent=province)
    depok = build.unit(slug="depok", name="Dukcapil Depok", parent=province)
    other = build.unit(slug="kassi", name="Dukcapil Kassi")
    for unit in (bogor, depok, other):
        build.counter(unit)
    hr = build.user("sdm", {"hr"}, unit=province)
    admin = build.user("admin.depok", {"admin"}, unit=depok)
    staff = build.user("petugas", {"staff"}, unit=bogor)
    db.session.commit()
    return {"bogor": bogor, "depok": depok, "kassi": other, "hr": hr, "admin": admin, "staff": staff}


def _start(client, period: str, unit_ids: list[int]):
    token = hidden_fields(client.get("/sdm/").get_data(as_text=True))["csrf_token"]
    return client.post("/sdm/", data={"csrf_token": token, "period": period, "units": unit_ids})


def test_hr_starts_runs_for_several_units_in_scope_and_sees_them_complete(app, client, tree):
    login(client, tree["hr"])
    page = unescape(client.get("/sdm/").get_data(as_text=True))
    assert "Dukcapil Bogor" in page and "Dukcapil Depok" in page and "Dukcapil Kassi" not in page
    assert "Triwulan III 2026" in page
    response = _start(client, "2026-Q3", [tree["bogor"].id, tree["depok"].id])
    assert response.status_code == 302
    assert "2 perhitungan Triwulan III 2026 dimulai." in unescape(client.get("/sdm/").get_data(as_text=True))
    assert runner().wait(timeout=60)
    page = unescape(client.get("/sdm/").get_data(as_text=True))
    assert page.count("selesai") >= 2 and "4 dari 4 langkah" in page
    assert 'http-equiv="refresh"' not in page  # nothing active any more
    runs = db.session.scalars(select(ScoreRun).order_by(ScoreRun.unit_id)).all()
    assert [(run.unit_id, run.period_id, run.created_by) for run in runs] == [
        (tree["bogor"].id, "2026-Q3", "sdm"),
        (tree["depok"].id, "2026-Q3", "sdm"),
    ]
    listing = unescape(client.get("/sdm/hasil?periode=2026-q3").get_data(as_text=True))
    assert "final" in listing and "shrinkage_k" in listing and "Dukcapil Depok" in listing
    assert [e.action for e in db.session.scalars(select(AuditEvent))].count("score_job.start") == 1


def test_a_second_start_while_queued_is_refused_by_name(app, client, tree, clock):
    db.session.add(
        ScoreJob(
            unit=tree["bogor"], period_id="2026-Q3", state="queued", total=4, requested_by="x", requested_at=clock.now()
        )
    )
    db.session.commit()
    login(client, tree["hr"])
    response = _start(client, "2026-Q3", [tree["bogor"].id])
    assert response.status_code == 302
    page = unescape(client.get("/sdm/").get_data(as_text=True))
    assert "Dukcapil Bogor: perhitungan Triwulan III 2026 sedang antre atau berjalan" in page
    assert 'http-equiv="refresh"' in page  # a job is active: the page refreshes itself
    assert db.session.scalar(select(db.func.count()).select_from(ScoreJob)) == 1


def test_bad_input_is_a_clear_422_and_a_unit_outside_scope_cannot_be_started(app, client, tree):
    login(client, tree["admin"])  # an admin of Depok only
    page = unescape(client.get("/sdm/").get_data(as_text=True))
    assert "Dukcapil Depok" in page and "Dukcapil Bogor" not in page
    nothing = _start(client, "2026-Q3", [])
    assert nothing.status_code == 422 and "Pilih sedikitnya satu unit." in unescape(nothing.get_data(as_text=True))
    outside = _start(client, "2026-Q3", [tree["bogor"].id])
    assert outside.status_code == 422
    forged = _start(client, "2026-Q9", [tree["depok"].id])
    assert forged.status_code == 422
    assert db.session.scalar(select(db.func.count()).select_from(ScoreJob)) == 0
    bad_period = client.get("/sdm/hasil?periode=kemarin")
    assert bad_period.status_code == 422 and "tidak dikenali" in unescape(bad_period.get_data(as_text=True))


def test_staff_cannot_open_the_hr_pages(app, client, tree):
    login(client, tree["staff"])
    assert client.get("/sdm/").status_code == 403
    assert client.get("/sdm/hasil").status_code == 403
