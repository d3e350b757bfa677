"""The comment inbox and moderation (spec §5, §7): SQL-filtered pages, masking, decisions that count from the next
run only, and the population N an admin enters."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, SurveyResponse
from feedback_app.services.flags import exclude_response, flag_response, release_response
from feedback_app.services.moderation import (
    PAGE_SIZE,
    InboxFilter,
    ModerationError,
    changed_since_run,
    entered_population,
    inbox_page,
    parse_inbox_period,
    sees_personal_data,
    set_population,
)
from feedback_app.services.score_runs import compute_score_run, indicator_rows
from scoring import parse_period
from tests.helpers import counting_queries
from tests.services.score_runs.office import Q3, WIB, Office

NIK_COMMENT = "NIK saya 3201123456780004, hp 081234567890, e-mail budi.santoso@mail.id: antrean lama"


@pytest.fixture
def office(build, clock) -> Office:
    return Office(build)


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


def _answer(office: Office, n: int, *, comment: str | None = "Bagus", score: int = 3, **kw) -> SurveyResponse:
    at = kw.pop("at", datetime(2026, 8, 3, 10, 0, tzinfo=WIB) + timedelta(minutes=n))
    fields = {
        "unit_id": office.unit.id,
        "counter_id": office.counter.id,
        "attribution_source": "none",
        "channel": "counter_qr",
        "client_fingerprint": f"{n:032x}",
        "submission_key": f"k{n:031x}",
        "status": "valid",
        "submitted_at": at,
        "counted_at": at,
        "comment": comment,
        **{f"u{i}": score for i in range(1, 10)},
        **kw,
    }
    response = SurveyResponse(**fields)
    db.session.add(response)
    db.session.flush()
    return response


def test_the_inbox_filters_in_sql_pages_by_id_and_counts_what_waits(office: Office, build) -> None:
    other_counter = build.counter(office.unit)
    service = other_counter.service_types[0]
    for n in range(PAGE_SIZE + 5):
        _answer(office, n)
    _answer(office, 100, comment=None)  # no comment: not in the default view
    low = _answer(office, 101, score=2, counter_id=other_counter.id, service_type_id=service.id)
    mine = _answer(office, 102, employee_id=office.ani.id, attribution_source="roster")
    flagged = _answer(office, 103, comment=None, status="flagged", flag_reason="burst")
    _answer(office, 104, at=datetime(2026, 10, 2, 9, 0, tzinfo=WIB))  # Q4
    db.session.commit()
    admin = build.user("admin.uji", {"admin"}, unit=office.unit)

    with counting_queries() as statements:
        first = inbox_page(office.unit, InboxFilter(unit_id=office.unit.id, period=Q3), reader=admin)
    assert len(statements) <= 4  # the page, its counters and employees, the waiting count
    assert len(first.rows) == PAGE_SIZE and first.flagged_waiting == 1
    assert [row.response.id for row in first.rows] == sorted((row.response.id for row in first.rows), reverse=True)
    rest = inbox_page(
        office.unit, InboxFilter(unit_id=office.unit.id, period=Q3), reader=admin, before=first.next_before
    )
    assert rest.next_before is None
    assert len(first.rows) + len(rest.rows) == PAGE_SIZE + 5 + 2  # the comments of Q3 (not the Q4 one)

    def ids(**chosen) -> list[int]:
        page = inbox_page(office.unit, InboxFilter(unit_id=office.unit.id, **chosen), reader=admin)
        return [row.response.id for row in page.rows]

    assert ids(counter_id=other_counter.id) == [low.id]
    assert ids(service_type_id=service.id) == [low.id]
    assert ids(employee_id=office.ani.id) == [mine.id]
    assert ids(score="D") == [low.id]  # all answers 2: 50.00
    assert len(ids(score="C")) == PAGE_SIZE  # all answers 3: 75.00, C
    assert ids(score="A") == []
    assert ids(view="ditandai") == [flagged.id]
    assert ids(view="ditandai", period=parse_period("2026-Q4")) == []


def test_comments_are_masked_for_all_but_the_units_own_admin(office: Office, build) -> None:
    _answer(office, 1, comment=NIK_COMMENT)
    db.session.commit()
    unit_admin = build.user("admin.uji", {"admin"}, unit=office.unit)
    head = build.user("kepala.uji", {"head"}, unit=office.unit)
    everywhere = build.user("admin.pusat", {"admin"})
    chosen = InboxFilter(unit_id=office.unit.id)
    [own] = inbox_page(office.unit, chosen, reader=unit_admin).rows
    assert own.comment == NIK_COMMENT and sees_personal_data(unit_admin, office.unit)
    for reader in (head, everywhere):
        [row] = inbox_page(office.unit, chosen, reader=reader).rows
        assert "3201********0004" in row.comment and "08*******890" in row.comment and "b***@mail.id" in row.comment
        assert "3201123456780004" not in row.comment and "081234567890" not in row.comment
        assert not sees_personal_data(reader, office.unit)


def test_a_bad_period_is_a_clear_error() -> None:
    assert parse_inbox_period(" ") is None
    assert parse_inbox_period("2026-Q3") == Q3
    with pytest.raises(ModerationError, match="tidak dikenali"):
        parse_inbox_period("2026-Q7")


def _unit_n(run) -> int:
    [row] = [r for r in indicator_rows(run) if r.employee_id is None and r.code == "ikm"]
    return row.n


def test_excluded_and_flagged_answers_count_nowhere_and_a_release_brings_them_back(
    office: Office, in_request, clock
) -> None:
    answers = [_answer(office, n) for n in range(5)]
    db.session.commit()
    first = compute_score_run(office.unit, Q3, "tester")
    db.session.commit()
    assert _unit_n(first) == 5 and changed_since_run(first) is None

    clock.advance(timedelta(minutes=5))
    exclude_response(answers[0].id, reason="Isian uji coba petugas")
    flag_response(answers[1].id, code="self_rating", reason="Petugas mengisi sendiri", details={"by_hand": 1})
    db.session.commit()
    # A final run is never rewritten; it says it is older than a change of its period.
    assert _unit_n(first) == 5 and changed_since_run(first) is not None
    clock.advance(timedelta(minutes=5))
    second = compute_score_run(office.unit, Q3, "tester")
    db.session.commit()
    assert _unit_n(second) == 3 and second.input_counts["responses_by_status"] == {
        "valid": 3,
        "excluded": 1,
        "flagged": 1,
    }
    assert changed_since_run(second) is None

    clock.advance(timedelta(minutes=5))
    release_response(answers[0].id, reason="Ternyata warga sungguhan")  # an exclusion is undone by a release
    release_response(answers[1].id, reason="Bukan petugas")
    db.session.commit()
    assert changed_since_run(second) is not None
    clock.advance(timedelta(minutes=5))
    third = compute_score_run(office.unit, Q3, "tester")
    db.session.commit()
    assert _unit_n(third) == 5
    # Every step left one audit row.
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "response").order_by(AuditEvent.id)
    ).all()
    assert actions == ["response.exclude", "response.flag", "response.release", "response.release"]


def test_the_admins_population_is_audited_and_used_by_the_next_run_only(office: Office, in_request) -> None:
    office.answers(40)
    before = compute_score_run(office.unit, Q3, "tester")
    db.session.commit()
    assert (before.input_counts["population"], before.input_counts["population_source"]) == (None, None)

    set_population(office.unit, "2026-Q3", 1000, by="admin.uji")
    db.session.commit()
    assert entered_population(office.unit.id, "2026-Q3") == 1000
    assert before.input_counts["population"] is None  # the stored run keeps its own N
    run = compute_score_run(office.unit, Q3, "tester")
    db.session.commit()
    assert (run.input_counts["population"], run.input_counts["population_source"]) == (1000, "admin_entered")
    [ikm] = [r for r in indicator_rows(run) if r.employee_id is None and r.code == "ikm"]
    assert ikm.explanation["summary"]["sample"]["minimum_sample"] == 278  # Krejcie–Morgan for N = 1000

    set_population(office.unit, "2026-Q3", 1000, by="admin.uji")  # unchanged: nothing written
    set_population(office.unit, "2026-Q3", None, by="admin.uji")  # cleared: back to the tickets
    db.session.commit()
    assert entered_population(office.unit.id, "2026-Q3") is None
    audits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit.set_population")).all()
    assert [(a.before, a.after) for a in audits] == [
        ({"period": "2026-Q3", "population": None}, {"period": "2026-Q3", "population": 1000}),
        ({"period": "2026-Q3", "population": 1000}, {"period": "2026-Q3", "population": None}),
    ]
    with pytest.raises(ModerationError, match="antara 1 dan"):
        set_population(office.unit, "2026-Q3", 0, by="admin.uji")
    with pytest.raises(ModerationError, match="tidak dikenali"):
        set_population(office.unit, "Q3-2026", 10, by="admin.uji")
