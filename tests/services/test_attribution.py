"""Attribution of an answer to the employee on duty (spec §2.1)."""

from __future__ import annotations

from datetime import timedelta

from feedback_app.extensions import db
from feedback_app.models import CounterAssignment, EmployeeAssignment
from feedback_app.services.attribution import duty_from_reference, on_duty, sign_duty
from feedback_app.services.survey import find_survey_counter, find_survey_counter_on_duty


def duty_at(counter, at):
    """``on_duty``, checked equal to what the survey page's single statement finds (counter and duty at once)."""
    duty = on_duty(counter.id, at)
    found = find_survey_counter_on_duty(counter.public_code, at)
    assert found is not None and found == (find_survey_counter(counter.public_code), duty)
    return duty


def test_sign_in_beats_roster(build, clock):
    counter = build.counter()
    rostered, signed_in = build.employee(), build.employee()
    build.duty(counter, rostered, source="roster")
    assignment = build.duty(counter, signed_in, source="sign_in", ends_at=None)
    duty = duty_at(counter, clock.now())
    assert (duty.source, duty.employee_id, duty.assignment_id) == ("sign_in", signed_in.id, assignment.id)


def test_roster_when_nobody_signed_in(build, clock):
    counter = build.counter()
    employee = build.employee(name="Agus")
    build.duty(counter, employee, source="roster")
    duty = duty_at(counter, clock.now())
    assert (duty.source, duty.employee_id, duty.employee_name) == ("roster", employee.id, "Agus")


def test_two_people_at_once_is_ambiguous_never_a_guess(build, clock):
    counter = build.counter()
    build.duty(counter, build.employee(), source="roster")
    build.duty(counter, build.employee(), source="roster")
    assert duty_at(counter, clock.now()).source == "ambiguous"
    assert duty_at(counter, clock.now()).employee_id is None


def test_same_person_twice_is_not_ambiguous(build, clock):
    counter = build.counter()
    employee = build.employee()
    build.duty(counter, employee, source="sign_in", ends_at=None)
    build.duty(counter, employee, source="sign_in", starts_at=clock.now() - timedelta(minutes=5), ends_at=None)
    assert duty_at(counter, clock.now()).employee_id == employee.id


def test_nobody_outside_shifts_and_other_counters(build, clock):
    counter, other = build.counter(), build.counter()
    build.duty(other, build.employee(), source="roster")
    build.duty(counter, build.employee(), source="roster", starts_at=clock.now() + timedelta(hours=1))
    build.duty(counter, build.employee(), source="roster", starts_at=clock.now() - timedelta(hours=9), hours=8)
    assert duty_at(counter, clock.now()).source == "none"


def test_sign_in_ends_at_sign_out_and_a_forgotten_one_expires(build, clock):
    counter = build.counter()
    employee = build.employee()
    build.duty(
        counter,
        employee,
        source="sign_in",
        starts_at=clock.now() - timedelta(hours=2),
        ends_at=clock.now() - timedelta(minutes=1),
    )
    assert duty_at(counter, clock.now()).source == "none"
    build.duty(counter, employee, source="sign_in", starts_at=clock.now() - timedelta(hours=13), ends_at=None)
    assert duty_at(counter, clock.now()).source == "none"  # SIGN_IN_MAX_HOURS = 12


def test_page_reference_is_used_for_30_minutes_then_looked_up_again(build, clock):
    counter = build.counter()
    morning, afternoon = build.employee(), build.employee()
    shift_change = clock.now() + timedelta(minutes=10)
    build.duty(counter, morning, source="roster", starts_at=shift_change - timedelta(hours=4), ends_at=shift_change)
    build.duty(counter, afternoon, source="roster", starts_at=shift_change, ends_at=shift_change + timedelta(hours=4))
    db.session.commit()
    reference = sign_duty(counter.id, duty_at(counter, clock.now()))
    clock.advance(timedelta(minutes=25))  # the shift changed while the citizen was answering
    assert duty_from_reference(reference, counter.id, clock.now()).employee_id == morning.id
    clock.advance(timedelta(minutes=6))  # 31 minutes: too old, look again
    assert duty_from_reference(reference, counter.id, clock.now()).employee_id == afternoon.id


def test_forged_or_foreign_reference_is_ignored(build, clock):
    counter, other = build.counter(), build.counter()
    employee = build.employee()
    build.duty(counter, employee, source="roster")
    foreign = sign_duty(other.id, duty_at(counter, clock.now()))
    assert duty_from_reference(foreign + "x", counter.id, clock.now()).employee_id == employee.id
    assert duty_from_reference(foreign, counter.id, clock.now()).employee_id == employee.id
    assert duty_from_reference("garbage", counter.id, clock.now()).employee_id == employee.id


def test_submission_is_attributed_to_the_employee_named_on_the_page(client, build, clock):
    from tests.blueprints.test_survey import ALL_GOOD, open_survey, path_of, stored
    from tests.helpers import hidden_fields

    counter = build.counter()
    morning, afternoon = build.employee(name="Pagi"), build.employee(name="Siang")
    change = clock.now() + timedelta(minutes=5)
    build.duty(counter, morning, source="roster", starts_at=change - timedelta(hours=4), ends_at=change)
    build.duty(counter, afternoon, source="roster", starts_at=change, ends_at=change + timedelta(hours=4))
    db.session.commit()
    page = open_survey(client, counter)
    assert "Petugas: Pagi" in page.get_data(as_text=True)
    clock.advance(timedelta(minutes=15))
    client.post(path_of(counter), data={**hidden_fields(page.get_data(as_text=True)), **ALL_GOOD})
    [row] = stored()
    assert (row.employee_id, row.attribution_source) == (morning.id, "roster")


def test_unattributed_answer_counts_for_the_unit_only(client, build, clock):
    from tests.blueprints.test_survey import stored, submit

    counter = build.counter()
    db.session.commit()
    submit(client, counter)
    [row] = stored()
    assert (row.employee_id, row.attribution_source, row.unit_id) == (None, "none", counter.unit_id)


def test_rostered_here_but_signed_in_elsewhere_is_not_on_duty_here(build, clock):
    counter, other = build.counter(), build.counter()
    employee = build.employee()
    build.duty(counter, employee, source="roster")
    build.duty(other, employee, source="sign_in", ends_at=None)
    assert duty_at(counter, clock.now()).source == "none"
    assert on_duty(other.id, clock.now()).employee_id == employee.id


def test_the_survey_pages_single_statement_keeps_every_service_type_and_candidate(build, clock):
    unit = build.unit()
    services = [build.service_type(unit, name=name) for name in ("KTP-el", "Akta", "KIA")]
    counter = build.counter(unit, service_types=services)
    first, second = build.employee(), build.employee()
    build.duty(counter, first, source="roster")
    assert duty_at(counter, clock.now()).employee_id == first.id
    build.duty(counter, second, source="sign_in", ends_at=None)
    assert duty_at(counter, clock.now()).employee_id == second.id  # sign-in first, whatever the row order
    build.duty(counter, build.employee(), source="sign_in", ends_at=None)
    assert duty_at(counter, clock.now()).source == "ambiguous"
    found, _duty = find_survey_counter_on_duty(counter.public_code.lower(), clock.now())
    assert [service.name for service in found.service_types] == ["Akta", "KIA", "KTP-el"]
    assert find_survey_counter_on_duty("TIDAKADA", clock.now()) is None


def test_rows_of_employees_not_placed_in_the_counters_unit_attribute_nothing(build, clock):
    """Issue 9 item 2: rows stored before the import and sign-in checked placements (another unit's employee on our
    counter), or before a placement ended (a transfer), are still in the table; they must not attribute answers."""
    unit, other = build.unit(slug="kota-bogor"), build.unit(slug="kassi")
    counter = build.counter(unit)
    stranger = build.employee(other)
    moved = build.employee(unit)
    today = unit.local(clock.now()).date()
    moved.assignments[0].valid_until = today  # placed here until yesterday, then transferred
    db.session.add(EmployeeAssignment(employee=moved, unit=other, position="Petugas", valid_from=today))
    for employee, source in ((stranger, "roster"), (moved, "sign_in")):
        db.session.add(
            CounterAssignment(
                counter=counter,
                employee=employee,
                source=source,
                starts_at=clock.now() - timedelta(hours=1),
                ends_at=clock.now() + timedelta(hours=1),
            )
        )
        db.session.flush()
        assert duty_at(counter, clock.now()).source == "none", source
    colleague = build.employee(unit)
    build.duty(counter, colleague, source="roster")
    assert (duty_at(counter, clock.now()).source, duty_at(counter, clock.now()).employee_id) == ("roster", colleague.id)
    yesterday = clock.now() - timedelta(days=1)
    build.duty(counter, moved, source="roster", starts_at=yesterday - timedelta(hours=1))  # when still placed here
    assert duty_at(counter, yesterday).employee_id == moved.id
