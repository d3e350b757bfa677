"""Issue 13's comment inbox in Debian's Chromium on a 360 px phone: filter, open a flagged answer, exclude it with a
reason, release it. Every page passes axe-core and fits the phone; screenshots go to tests/artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback_app.clock import clock as app_clock
from feedback_app.extensions import db
from feedback_app.models import AuditEvent, SurveyResponse
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)
from tests.test_browser_complaints import _check, _log_in

pytestmark = pytest.mark.browser


def _answers(unit, counters) -> SurveyResponse:
    at = datetime(2026, 10, 13, 3, 0, tzinfo=UTC)
    rows = []
    for n, (counter, comment, status) in enumerate(
        [
            (counters[0], "Petugas ramah, hubungi saya di 081234567890", "valid"),
            (counters[1], "Ruang tunggu panas sekali", "valid"),
            (counters[0], "Sangat puas!", "flagged"),
        ]
    ):
        rows.append(
            SurveyResponse(
                unit_id=unit.id,
                counter_id=counter.id,
                attribution_source="none",
                channel="counter_qr",
                client_fingerprint=f"{n:032x}",
                submission_key=f"b{n:031x}",
                status=status,
                flag_reason="burst" if status == "flagged" else None,
                flag_details={"burst": {"window_minutes": 15, "answers_in_window": 9, "allowed": 6}}
                if status == "flagged"
                else None,
                comment=comment,
                submitted_at=at + timedelta(minutes=n),
                counted_at=at + timedelta(minutes=n),
                **{f"u{i}": 4 if status == "flagged" else 2 + n for i in range(1, 10)},
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return rows[-1]


def test_the_inbox_filter_open_a_flagged_answer_exclude_and_release(app, build, live_server, browser):
    unit = build.unit(slug="dukcapil-kotak", name="Disdukcapil Kotak Masuk")
    counters = [build.counter(unit, name=name) for name in ("Loket 1 – KTP-el", "Loket 2 – Kartu Keluarga")]
    build.user("admin.kotak", {"admin"}, unit=unit)
    build.user("kepala.kotak", {"head"}, unit=unit)
    app_clock.set(datetime(2026, 10, 14, 2, 0, tzinfo=UTC))
    flagged = _answers(unit, counters)

    head = phone(browser).new_page()
    _log_in(head, live_server, "kepala.kotak")
    head.get_by_role("link", name="Kotak masuk", exact=True).click()
    head.wait_for_url("**/kotak-masuk")
    assert "08*******890" in head.content() and "081234567890" not in head.content()
    _check(head, browser, "13-inbox-head-masked")

    admin = phone(browser).new_page()
    _log_in(admin, live_server, "admin.kotak")
    admin.goto(f"{live_server}/admin/unit/dukcapil-kotak/kotak-masuk")
    assert "081234567890" in admin.content()  # the unit's own admin reads it whole
    admin.get_by_label("Loket", exact=True).select_option(label="Loket 2 – Kartu Keluarga")
    admin.get_by_role("button", name="Saring").click()
    admin.wait_for_url("**loket=*")
    assert "Ruang tunggu panas" in admin.content() and "081234567890" not in admin.content()
    _check(admin, browser, "13-inbox-filtered")

    admin.get_by_role("link", name="Tampilkan").first.click()  # "1 jawaban ditandai menunggu keputusan"
    admin.wait_for_url("**tampil=ditandai*")
    _check(admin, browser, "13-inbox-flagged")
    admin.get_by_role("link", name=f"Buka jawaban #{flagged.id}").click()
    admin.wait_for_url(f"**/admin/jawaban/{flagged.id}?**")
    assert "answers_in_window" in admin.content() and "Jawaban beruntun" in admin.content()
    _check(admin, browser, "13-inbox-flagged-answer")

    admin.get_by_role("button", name="Kecualikan").click()  # no reason yet: refused, nothing changed
    admin.wait_for_load_state()
    assert db.session.scalar(select(SurveyResponse.status).where(SurveyResponse.id == flagged.id)) == "flagged"
    admin.get_by_label("Alasan (wajib, disimpan di jejak audit)").nth(1).fill("Dikirim berulang dari satu tempat")
    admin.get_by_role("button", name="Kecualikan").click()
    admin.wait_for_load_state()
    assert "Keputusan tersimpan" in admin.content() and "dikecualikan" in admin.content()
    _check(admin, browser, "13-inbox-excluded")

    admin.get_by_label("Alasan (wajib, disimpan di jejak audit)").first.fill("Dicek: warga sungguhan")
    admin.get_by_role("button", name="Lepaskan").click()
    admin.wait_for_load_state()
    assert "response.release" in admin.content()
    _check(admin, browser, "13-inbox-released")
    db.session.expire_all()
    assert db.session.scalar(select(SurveyResponse.status).where(SurveyResponse.id == flagged.id)) == "valid"
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == str(flagged.id)).order_by(AuditEvent.id)
    ).all()
    assert actions == ["response.exclude", "response.release"]
