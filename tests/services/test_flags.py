"""The flags module (spec §7): the submission-time rules on their signals, and the one place a status changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.flags import (
    FlagError,
    FlagThresholds,
    Signals,
    evaluate_flags,
    exclude_response,
    flag_response,
    flag_thresholds,
    flagged_responses,
    release_response,
)

THRESHOLDS = FlagThresholds(
    short_visit_seconds=120,
    burst_window_minutes=15,
    burst_min_answers=6,
    burst_factor=3,
    burst_baseline_days=14,
    burst_service_hours_per_day=8,
)
QUIET = Signals(
    has_browser_cookie=True,
    staff_browser=False,
    visit_seconds=None,
    answers_in_window=0,
    plausible_tickets=0,
    baseline_answers=0,
)


def signals(**changes) -> Signals:
    return Signals(**{**QUIET.__dict__, **changes})


def test_a_quiet_answer_raises_no_flag():
    assert evaluate_flags(QUIET, THRESHOLDS) is None
    assert evaluate_flags(signals(visit_seconds=120, answers_in_window=5), THRESHOLDS) is None


def test_every_rule_that_fires_keeps_its_numbers_and_the_first_names_the_flag():
    flag = evaluate_flags(
        signals(staff_browser=True, visit_seconds=30, answers_in_window=6, has_browser_cookie=False), THRESHOLDS
    )
    assert flag.reason == "self_rating"
    assert set(flag.details) == {"self_rating", "short_visit", "burst", "no_browser_cookie"}
    assert flag.details["short_visit"] == {"visit_seconds": 30, "minimum_seconds": 120}
    assert evaluate_flags(signals(visit_seconds=30, has_browser_cookie=False), THRESHOLDS).reason == "short_visit"


@pytest.mark.parametrize(
    "plausible, baseline, allowed",
    [
        (0, 0, 6),  # the floor
        (4, 0, 12),  # 3 x tickets
        (0, 448 * 5, 15),  # 5 usual answers per 15 minutes of 14 eight-hour days
        (4, 448 * 5, 15),  # the larger explanation wins
    ],
)
def test_the_burst_allowance(plausible, baseline, allowed):
    def fires(already: int) -> bool:
        flag = evaluate_flags(
            signals(answers_in_window=already, plausible_tickets=plausible, baseline_answers=baseline), THRESHOLDS
        )
        return flag is not None

    assert not fires(allowed - 1) and fires(allowed)
    flag = evaluate_flags(
        signals(answers_in_window=allowed, plausible_tickets=plausible, baseline_answers=baseline), THRESHOLDS
    )
    assert flag.details["burst"]["allowed"] == allowed and flag.details["burst"]["answers_in_window"] == allowed + 1


@pytest.mark.config(FLAG_SHORT_VISIT_SECONDS=300, FLAG_BURST_MIN_ANSWERS=2)
def test_thresholds_are_read_from_the_settings(app, build):
    thresholds = flag_thresholds(build.unit().id)
    assert (thresholds.short_visit_seconds, thresholds.burst_min_answers, thresholds.burst_window_minutes) == (
        300,
        2,
        15,
    )


@pytest.fixture
def answer(build):
    counter = build.counter()
    at = datetime(2026, 10, 14, 3, 0, tzinfo=UTC)

    def make(status="flagged", reason="short_visit", n=1) -> SurveyResponse:
        response = SurveyResponse(
            unit_id=counter.unit_id,
            counter_id=counter.id,
            attribution_source="none",
            channel="counter_qr",
            client_fingerprint="f" * 32,
            submission_key=f"{n:032x}",
            status=status,
            flag_reason=reason,
            flag_details={reason: {"visit_seconds": 10}} if reason else None,
            submitted_at=at,
            counted_at=at,
            **{f"u{i}": 3 for i in range(1, 10)},
        )
        db.session.add(response)
        db.session.commit()
        return response

    return make


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


def test_release_makes_a_flagged_answer_valid_and_keeps_why_it_was_flagged(answer, in_request):
    response = answer()
    change = release_response(response.id, reason="  Kunjungan singkat memang wajar (legalisir)  ")
    db.session.commit()
    assert (response.status, response.status_reason, response.flag_reason) == (
        "valid",
        "Kunjungan singkat memang wajar (legalisir)",
        "short_visit",
    )
    assert change.before == {"status": "flagged", "status_reason": None}
    assert change.after == {"status": "valid", "status_reason": "Kunjungan singkat memang wajar (legalisir)"}
    with pytest.raises(FlagError, match="berstatus valid"):
        release_response(response.id, reason="lagi")


def test_exclude_takes_a_flagged_or_valid_answer_out_and_needs_a_reason(answer, in_request):
    flagged, valid, duplicate = answer(n=1), answer("valid", None, n=2), answer("duplicate", None, n=3)
    with pytest.raises(FlagError, match="Alasan wajib"):
        exclude_response(flagged.id, reason="  ")
    exclude_response(flagged.id, reason="Petugas menilai diri sendiri")
    exclude_response(valid.id, reason="Isian uji coba")
    assert (flagged.status, valid.status) == ("excluded", "excluded")
    with pytest.raises(FlagError, match="berstatus duplicate"):
        exclude_response(duplicate.id, reason="x")
    with pytest.raises(FlagError, match="Tidak ada jawaban dengan nomor 999"):
        exclude_response(999, reason="x")


def test_flag_by_hand_adds_its_reason_to_the_details(answer, in_request):
    valid = answer("valid", None)
    change = flag_response(valid.id, code="staff_appeal", reason="Keberatan pegawai", details={"appeal_id": 7})
    db.session.commit()
    assert (valid.status, valid.flag_reason, valid.flag_details) == (
        "flagged",
        "staff_appeal",
        {"staff_appeal": {"appeal_id": 7}},
    )
    assert change.after["flag_reason"] == "staff_appeal"
    assert flagged_responses() == [valid]
    with pytest.raises(FlagError, match="tidak dikenal"):
        flag_response(valid.id, code="gut_feeling", reason="x")


def test_the_database_refuses_a_flagged_answer_without_a_reason(answer):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        answer("flagged", None)
    db.session.rollback()


def test_one_browser_answering_more_counters_than_allowed_is_flagged():
    assert evaluate_flags(signals(other_counters=2), THRESHOLDS) is None  # three counters in a day: a busy citizen
    flag = evaluate_flags(signals(other_counters=3), THRESHOLDS)
    assert flag.reason == "fingerprint_many_counters"
    assert flag.details == {"fingerprint_many_counters": {"window_hours": 24, "counters": 4, "allowed": 3}}
    # A burst names the flag before it; both numbers are kept.
    both = evaluate_flags(signals(other_counters=5, answers_in_window=9), THRESHOLDS)
    assert both.reason == "burst" and set(both.details) == {"burst", "fingerprint_many_counters"}


def test_every_threshold_is_a_unit_parameter_audited_and_refused_when_out_of_range(app, build, in_request):
    from feedback_app.models import AuditEvent
    from feedback_app.services.flags import THRESHOLD_SETTINGS, own_thresholds, set_flag_thresholds

    unit, other = build.unit(), build.unit()
    db.session.commit()
    assert set(THRESHOLD_SETTINGS) == set(FlagThresholds.__dataclass_fields__)  # every one of them
    changed = set_flag_thresholds(
        unit, {"fingerprint_max_counters": "5", "burst_factor": "2,5", "short_visit_seconds": 60}
    )
    db.session.commit()
    assert (changed.fingerprint_max_counters, changed.burst_factor, changed.short_visit_seconds) == (5, 2.5, 60)
    assert flag_thresholds(unit.id) == changed
    assert flag_thresholds(other.id).fingerprint_max_counters == 3  # the other unit keeps the settings
    [audit] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit.set_flag_thresholds")).all()
    assert audit.after == {"fingerprint_max_counters": 5, "burst_factor": 2.5, "short_visit_seconds": 60}
    set_flag_thresholds(unit, {"burst_factor": ""})  # back to the setting
    assert own_thresholds(unit.id) == {"fingerprint_max_counters": 5, "short_visit_seconds": 60}
    for bad, message in (
        ({"burst_window_minutes": "0"}, "antara 1 dan"),
        ({"burst_factor": "banyak"}, "harus berupa angka"),
        ({"fingerprint_window_hours": "1000000"}, "antara 1 dan"),
        ({"gut_feeling": "1"}, "tidak dikenal"),
    ):
        with pytest.raises(FlagError, match=message):
            set_flag_thresholds(unit, bad)
