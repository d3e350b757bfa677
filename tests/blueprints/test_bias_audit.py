"""The bias audit page for HR (/sdm/audit-bias) and the supervisor desk (/atasan/audit-bias) (issue 15)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.score_runs import bias_audit_rows, compute_score_run
from feedback_app.services.score_runs.bias import BIAS_AUDIT_HEADERS, FLAG_TEXT
from scoring import parse_period
from tests.helpers import login

WIB = ZoneInfo("Asia/Jakarta")
Q3 = parse_period("2026-Q3")
FLAG = "selisih ini lebih besar dari ketidakpastiannya: periksa sebelum dipakai untuk penilaian"


def _unit_with_answers(build, slug: str, gap: bool, seed: int):
    """Six men and six women (sex digit of the NIP), 40 answers each; with ``gap`` women are rated a point lower."""
    unit = build.unit(slug=slug, name=f"Dukcapil {slug.title()}")
    counter = build.counter(unit)
    rng = random.Random(seed)
    rows = []
    for sex in (1, 2):
        for i in range(6):
            nip = f"198503152010{10 + sex}{sex}{i + 1 + 10 * seed:03d}"
            person = build.employee(unit, name=f"Pegawai {slug} {sex}{i}", nip=nip)
            for k in range(40):
                low = 2 if gap and sex == 2 else 3
                at = datetime(2026, 7, 2, 9, tzinfo=WIB) + timedelta(hours=k * 37 + i)
                rows.append(
                    dict(
                        unit_id=unit.id,
                        counter_id=counter.id,
                        employee_id=person.id,
                        attribution_source="roster",
                        channel="counter_qr",
                        client_fingerprint="f" * 32,
                        submission_key=f"{slug}{sex}{i}-{k}",
                        status="valid",
                        submitted_at=at,
                        counted_at=at,
                        locale="id",
                        **{f"u{u}": rng.choice((low, low + 1)) for u in range(1, 10)},
                    )
                )
    db.session.execute(insert(SurveyResponse), rows)
    db.session.commit()
    run = compute_score_run(unit, Q3, "test")
    db.session.commit()
    return unit, run


@pytest.fixture
def audited(build, clock):
    biased, biased_run = _unit_with_answers(build, "timpang", gap=True, seed=1)
    fair, fair_run = _unit_with_answers(build, "adil", gap=False, seed=2)
    hr = build.user("sdm.audit", {"hr"})
    lead = build.user("atasan.audit", {"supervisor"}, unit=biased)
    elsewhere = build.user("atasan.lain", {"supervisor"}, unit=fair)
    db.session.commit()
    return {"biased": biased, "fair": fair, "run": biased_run, "hr": hr, "lead": lead, "elsewhere": elsewhere}


def test_hr_sees_the_gap_flagged_in_plain_language_and_no_one_person_exposed(client, audited) -> None:
    login(client, audited["hr"])
    response = client.get("/sdm/audit-bias?unit=timpang&periode=2026-Q3")
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert FLAG in page and "Perempuan" in page and "Laki-laki" in page
    assert "Pegawai timpang" not in page  # groups, never names
    fair = unescape(client.get("/sdm/audit-bias?unit=adil&periode=2026-Q3").get_data(as_text=True))
    assert FLAG not in fair and "Tidak ada selisih yang lebih besar dari ketidakpastiannya." in fair


def test_the_supervisor_desk_shows_the_audit_of_its_own_unit_only(client, audited) -> None:
    login(client, audited["lead"])
    page = unescape(client.get("/atasan/audit-bias?periode=2026-Q3").get_data(as_text=True))
    assert FLAG in page  # their one unit is chosen without asking
    refused = client.get("/atasan/audit-bias?unit=adil&periode=2026-Q3")
    assert refused.status_code == 422 and "tidak ada dalam cakupan Anda" in unescape(refused.get_data(as_text=True))


def test_a_bad_period_is_a_clear_422_in_the_users_language(client, audited) -> None:
    login(client, audited["hr"])
    response = client.get("/sdm/audit-bias?unit=timpang&periode=2026-Q9")
    assert response.status_code == 422 and "tidak dikenali" in unescape(response.get_data(as_text=True))
    empty = unescape(client.get("/sdm/audit-bias?unit=timpang&periode=2025-Q3").get_data(as_text=True))
    assert "Belum ada perhitungan skor" in empty


def test_the_hr_export_rows_carry_every_group_and_the_flag(app, audited) -> None:
    with app.test_request_context("/"):  # labels in the language of the request, as the export gives them
        headers, rows = bias_audit_rows(audited["run"])
    assert headers == BIAS_AUDIT_HEADERS
    by_group = {(row[0], row[1]): row for row in rows}
    women = by_group[("Jenis kelamin (dari NIP)", "Perempuan")]
    assert women[2] == "yes" and women[3] == 6 and women[4] == 240
    flagged = [row for row in rows if row[-1]]
    with app.test_request_context("/"):
        assert flagged and all(row[-1] == str(FLAG_TEXT) for row in flagged)
