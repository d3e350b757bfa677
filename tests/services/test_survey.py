"""The survey service on its own (services/survey.py): it checks the poster, resolves the duty from the page's
signed reference and stores the answer, so the view only parses and renders (issue 10, item 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse
from feedback_app.services.attribution import sign_duty
from feedback_app.services.qr import revoke_posters
from feedback_app.services.survey import (
    CounterClosed,
    PosterRetired,
    PosterUnknown,
    Submission,
    counter_for_poster,
    open_counter_survey,
    submit_response,
)
from feedback_app.services.tokens import counter_token

ANSWERS = {f"u{i}": 3 for i in range(1, 10)}


def submission(key: str = "a" * 32) -> Submission:
    return Submission(answers=ANSWERS, submission_key=key)


def store(counter, clock, *, reference: str | None, key: str = "a" * 32) -> SurveyResponse:
    result = submit_response(
        counter, submission(key), duty_reference=reference, fingerprints=("f" * 32,), browser_id=None, at=clock.now()
    )
    db.session.commit()
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.id == result.response_id))


def test_the_poster_opens_its_counter_and_a_forged_or_unknown_one_does_not(build):
    counter = build.counter(public_code="BGR31")
    db.session.commit()
    token = counter_token(counter)
    assert counter_for_poster("bgr31", token).id == counter.id  # codes are upper case; a lower-case scan works
    with pytest.raises(PosterUnknown):
        counter_for_poster("BGR31", token[:-1] + ("x" if token[-1] != "x" else "y"))
    with pytest.raises(PosterUnknown):
        counter_for_poster("TIDAKADA", token)


def test_a_revoked_poster_and_a_closed_counter_say_why(build, clock):
    counter = build.counter(public_code="BGR32")
    db.session.commit()
    old = counter_token(counter)
    revoke_posters(counter, counter.poster_version)
    db.session.commit()
    with pytest.raises(PosterRetired) as retired:
        counter_for_poster("BGR32", old)
    assert retired.value.counter.id == counter.id
    counter.active = False
    db.session.commit()
    with pytest.raises(CounterClosed):
        open_counter_survey("BGR32", counter_token(counter), clock.now())


def test_the_blank_page_names_who_is_on_duty_and_signs_it(build, clock):
    counter = build.counter(public_code="BGR33")
    employee = build.employee(name="Sri")
    build.duty(counter, employee, source="roster")
    db.session.commit()
    page = open_counter_survey("BGR33", counter_token(counter), clock.now())
    assert (page.counter.id, page.duty.employee_id, page.duty.employee_name) == (counter.id, employee.id, "Sri")
    assert page.duty_reference == sign_duty(counter.id, page.duty)


def test_the_answer_goes_to_whom_the_page_named_while_its_reference_is_fresh(build, clock):
    counter = build.counter()
    morning, afternoon = build.employee(), build.employee()
    change = clock.now() + timedelta(minutes=10)
    build.duty(counter, morning, source="roster", starts_at=change - timedelta(hours=4), ends_at=change)
    build.duty(counter, afternoon, source="roster", starts_at=change, ends_at=change + timedelta(hours=4))
    db.session.commit()
    page = open_counter_survey(counter.public_code, counter_token(counter), clock.now())
    clock.advance(timedelta(minutes=25))  # the shift changed while the citizen answered
    assert store(counter, clock, reference=page.duty_reference).employee_id == morning.id
    clock.advance(timedelta(minutes=6))  # 31 minutes: the reference is stale, the service looks again
    late = store(counter, clock, reference=page.duty_reference, key="b" * 32)
    assert (late.employee_id, late.attribution_source) == (afternoon.id, "roster")


def test_without_a_usable_reference_the_service_looks_up_the_duty_itself(build, clock):
    counter, other = build.counter(), build.counter()
    employee = build.employee()
    assignment = build.duty(counter, employee, source="sign_in", ends_at=None)
    db.session.commit()
    foreign = sign_duty(other.id, open_counter_survey(other.public_code, counter_token(other), clock.now()).duty)
    for key, reference in (("c" * 32, None), ("d" * 32, "garbage"), ("e" * 32, foreign)):
        answer = store(counter, clock, reference=reference, key=key)
        assert (answer.employee_id, answer.counter_assignment_id, answer.attribution_source) == (
            employee.id,
            assignment.id,
            "sign_in",
        )
