"""Score runs: stored figures equal an independent recomputation, runs are reproducible and auditable (spec §1–§3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from unittest.mock import patch

import pytest
from sqlalchemy import func, insert, select, text

from feedback_app.extensions import db
from feedback_app.models import (
    BehaviourRating,
    Complaint,
    CounterAssignment,
    Employee,
    EmployeeAssignment,
    EmployeeTarget,
    ScoreIndicator,
    ScoreRun,
    SurveyResponse,
    Ticket,
)
from feedback_app.services.score_runs import (
    INDICATOR_BATCH,
    RUN_WORK_MEM,
    SCORE_RUN_LOCK_NAMESPACE,
    SCORE_RUN_STEPS,
    ScoreRunError,
    compute,
    compute_score_run,
    current_run,
    indicator_rows,
    run_history,
    set_unit_parameters,
    unit_parameters,
)
from scoring import DEFAULT_PARAMETERS, ON_TIME_RULE, InvalidStatistics, parse_period
from tests.helpers import counting_queries
from tests.services.score_runs.office import CODES, Q3, SERVICE_CODES, WIB, Office, stored, two_places


def test_the_stored_unit_ikm_equals_a_recomputation_from_the_raw_valid_responses(office: Office) -> None:
    office.answers(400)
    run = compute_score_run(office.unit, Q3, "tester")
    db.session.commit()

    valid = office.counted()
    n = len(valid)
    nrr = {code: Fraction(sum(r[code] for r in valid), n) for code in CODES}
    unit_ikm = stored(run)[None, "ikm"]
    assert (unit_ikm.status, unit_ikm.n) == ("ok", n)
    assert unit_ikm.value == two_places(25 * sum(nrr.values()) / 9)
    assert unit_ikm.explanation["summary"]["ikm"] == str(two_places(25 * sum(nrr.values()) / 9))
    assert run.input_counts["responses_valid"] == n

    # Ani's ikp: her own mean of U3, U6, U7 pulled toward the unit's with k = 20 (spec §2.2).
    mine = office.counted(office.ani)
    raw = Fraction(25 * sum(r["u3"] + r["u6"] + r["u7"] for r in mine), 3 * len(mine))
    unit_ikp = Fraction(25 * sum(r["u3"] + r["u6"] + r["u7"] for r in valid), 3 * n)
    ani = stored(run)[office.ani.id, "ikp"]
    assert ani.n == len(mine)
    assert ani.value == two_places((len(mine) * raw + 20 * unit_ikp) / (len(mine) + 20))
    assert ani.explanation["raw"] == str(two_places(raw))


def test_duplicates_flagged_and_excluded_answers_change_nothing(office: Office) -> None:
    office.answers(200, status_weights=(1, 0, 0, 0))
    first = stored(compute_score_run(office.unit, Q3, "tester"))
    office.answers(120, status_weights=(0, 1, 1, 1))  # all of them duplicate, flagged or excluded
    run = compute_score_run(office.unit, Q3, "tester")
    second = stored(run)
    for key in ((None, "ikm"), (None, "ikp"), (office.ani.id, "ikm"), (office.ani.id, "ikp"), (office.budi.id, "ikp")):
        assert (second[key].value, second[key].n) == (first[key].value, first[key].n)
    by_status = run.input_counts["responses_by_status"]
    assert by_status["valid"] == run.input_counts["responses_valid"] == len(office.counted())
    assert sum(by_status.get(s, 0) for s in ("duplicate", "flagged", "excluded")) > 80


def comparable(run: ScoreRun) -> list[tuple]:
    return [(row.employee_id, row.code, row.value, row.n, row.status, row.explanation) for row in indicator_rows(run)]


def test_a_run_is_reproducible_and_a_recomputation_supersedes_the_old_run(office: Office) -> None:
    office.answers(150)
    first = compute_score_run(office.unit, Q3, "ani")
    db.session.commit()
    second = compute_score_run(office.unit, Q3, "budi")
    db.session.commit()
    db.session.expire_all()

    assert comparable(first) == comparable(second) and len(comparable(first)) > 40
    assert second.parameters == first.parameters == DEFAULT_PARAMETERS.to_dict()
    assert first.superseded_by_id == second.id and second.superseded_by_id is None
    assert current_run(office.unit, "2026-Q3") == second
    assert [run.id for run in run_history(office.unit, "2026-Q3")] == [second.id, first.id]
    # The old run stays readable, with who asked and the code it ran.
    assert (first.created_by, first.code_version) == ("ani", second.code_version)
    assert first.code_version and first.code_version != "unknown"
    # Another period has no current run.
    assert current_run(office.unit, "2026-Q2") is None


def test_employees_are_those_assigned_during_the_period_or_named_by_an_answer(office: Office) -> None:
    office.answers(60, employees=[office.ani])
    office.answers(1, status_weights=(1, 0, 0, 0), employees=[office.former])
    run = compute_score_run(office.unit, Q3, "tester")
    employees = {employee_id for employee_id, _ in stored(run) if employee_id is not None}
    expected = {office.sari.id, office.ani.id, office.budi.id}
    if office.counted(office.former):
        expected.add(office.former.id)
    assert employees == expected
    assert run.input_counts["employees"] == len(expected)


def test_the_current_period_is_provisional_in_the_unit_zone(build, clock) -> None:
    office = Office(build)
    assert compute_score_run(office.unit, parse_period("2026-Q4"), "t").provisional
    assert not compute_score_run(office.unit, Q3, "t").provisional
    assert compute_score_run(office.unit, parse_period("2026-10-14"), "t").provisional
    assert not compute_score_run(office.unit, parse_period("2026-10-13"), "t").provisional
    with pytest.raises(ScoreRunError, match="has not started yet"):
        compute_score_run(office.unit, parse_period("2026-10-15"), "t")

    # 00:30 on Oct 1 in Jayapura is still Sep 30 in Jakarta: Q3 is over in the WIT unit only.
    clock.set(datetime(2026, 9, 30, 15, 30, tzinfo=UTC))
    papua = build.unit(slug="papua", timezone="Asia/Jayapura")
    assert not compute_score_run(papua, Q3, "t").provisional
    assert compute_score_run(office.unit, Q3, "t").provisional


def test_parameters_are_per_unit_change_the_results_and_are_stored_with_the_run(office: Office, build) -> None:
    office.answers(200)
    office.answers(40, status_weights=(1, 0, 0, 0), employees=[office.ani], answer_weights=(3, 1, 0, 0))
    default_run = compute_score_run(office.unit, Q3, "t")
    set_unit_parameters(office.unit, {"shrinkage_k": 0, "weight_convention": "0.111"})
    db.session.commit()
    run = compute_score_run(office.unit, Q3, "t")

    assert run.parameters["shrinkage_k"] == 0 and run.parameters["weight_convention"] == "0.111"
    ani = stored(run)[office.ani.id, "ikp"]
    assert ani.value == Decimal(ani.explanation["raw"])  # k = 0: no pull toward the unit
    assert ani.value != stored(default_run)[office.ani.id, "ikp"].value
    valid = office.counted()
    legacy = 25 * Fraction(111, 1000) * sum(Fraction(sum(r[c] for r in valid), len(valid)) for c in CODES)
    assert stored(run)[None, "ikm"].value == two_places(legacy)

    assert unit_parameters(build.unit()) == DEFAULT_PARAMETERS
    with pytest.raises(ScoreRunError, match="Unknown scoring parameter"):
        set_unit_parameters(office.unit, {"k": 5})
    with pytest.raises(ScoreRunError, match="must sum to exactly 1"):
        set_unit_parameters(office.unit, {"weight_convention": {"U1": "1/2", "U2": "1/3"}})
    assert set_unit_parameters(office.unit, {"shrinkage_k": ""}).shrinkage_k == 20  # back to the default


def test_the_units_on_time_rule_decides_the_on_time_rate_and_is_stored(office: Office) -> None:
    # A 25-minute visit of which 5 minutes in the queue: late against the 20-minute standard by the spec's rule,
    # on time when the unit counts from the call.
    issued = datetime(2026, 8, 3, 9, 0, tzinfo=WIB)
    db.session.add(
        Ticket(
            unit_id=office.unit.id,
            external_id="L1",
            counter_id=office.counter.id,
            service_type_id=office.counter.service_types[0].id,
            employee_id=office.ani.id,
            issued_at=issued,
            called_at=issued + timedelta(minutes=5),
            finished_at=issued + timedelta(minutes=25),
            outcome="finished",
        )
    )
    db.session.commit()
    spec_rule = stored(compute_score_run(office.unit, Q3, "t"))[office.ani.id, "on_time_rate"]
    assert spec_rule.value == Decimal(0)
    assert spec_rule.explanation["explanation"]["parameters"]["on_time_rule"] == ON_TIME_RULE
    set_unit_parameters(office.unit, {"on_time_rule": "finished_minus_called_within_counter_standard"})
    db.session.commit()
    run = compute_score_run(office.unit, Q3, "t")
    from_call = stored(run)[office.ani.id, "on_time_rate"]
    assert from_call.value == Decimal(100) and stored(run)[None, "on_time_rate"].value == Decimal(100)
    assert run.parameters["on_time_rule"] == "finished_minus_called_within_counter_standard"
    assert "first called" in from_call.explanation["explanation"]["notes"][0]
    with pytest.raises(ScoreRunError, match="on_time_rule must be one of"):
        set_unit_parameters(office.unit, {"on_time_rule": "sebelum_tutup"})


def test_missing_sources_are_not_available_never_zero(office: Office) -> None:
    office.answers(40)
    rows = stored(compute_score_run(office.unit, Q3, "t"))
    unit_codes = ["first_response_median_hours", "answered_within_3_working_days_rate", "settlement_median_hours"]
    for who, codes in ((None, [*SERVICE_CODES, *unit_codes]), (office.ani.id, [*SERVICE_CODES, "complaints_received"])):
        for code in codes:
            assert (rows[who, code].status, rows[who, code].value) == ("not_available", None), (who, code)
    for code in ("hasil_kerja", "perilaku", "predikat"):
        assert (rows[office.ani.id, code].status, rows[office.ani.id, code].value) == ("not_available", None)
    assert rows[None, "predikat_distribution"].status == "not_available"
    # The supervisor served nobody: "data belum cukup" with n = 0, never a zero.
    assert (rows[office.sari.id, "ikm"].status, rows[office.sari.id, "ikm"].value) == ("insufficient_data", None)
    assert rows[office.sari.id, "ikm"].n == 0


def test_an_empty_unit_still_gets_a_run_with_nothing_invented(build, clock) -> None:
    unit = build.unit()
    run = compute_score_run(unit, Q3, "t")
    rows = stored(run)
    assert {row.status for row in rows.values()} == {"not_available"}
    assert rows[None, "ikm"].value is None and run.input_counts["responses_valid"] == 0


def test_targets_ratings_tickets_and_complaints_are_used_when_present(office: Office) -> None:
    office.answers(40, employees=[office.ani])
    db.session.add_all(
        [
            EmployeeTarget(
                employee_id=office.ani.id,
                period_id="2026-Q3",
                name="Berkas KTP-el",
                target=Decimal(100),
                realisation=Decimal(120),
            ),
            EmployeeTarget(
                employee_id=office.ani.id,
                period_id="2026-Q3",
                name="Menit tunggu",
                target=Decimal(15),
                realisation=Decimal(12),
                lower_is_better=True,
            ),
            EmployeeTarget(
                employee_id=office.ani.id, period_id="2026-Q2", name="Lama", target=Decimal(10), realisation=Decimal(1)
            ),  # another period: ignored
            BehaviourRating(
                employee_id=office.ani.id,
                supervisor_id=office.sari.id,
                period_id="2026-Q3",
                **dict.fromkeys(
                    ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"),
                    "sesuai",
                ),
                overall="di_atas",
                override_reason="Memimpin jemput bola KTP-el",
            ),
        ]
    )
    issued = datetime(2026, 8, 3, 9, 0, tzinfo=WIB)
    db.session.add(
        Ticket(
            unit_id=office.unit.id,
            external_id="A1",
            counter_id=office.counter.id,
            service_type_id=office.counter.service_types[0].id,
            employee_id=office.ani.id,
            issued_at=issued,
            called_at=issued + timedelta(minutes=4),
            started_at=issued + timedelta(minutes=5),
            finished_at=issued + timedelta(minutes=15),
            outcome="finished",
        )
    )
    db.session.add(
        Complaint(
            unit_id=office.unit.id,
            tracking_code="LPR1",
            employee_id=office.ani.id,
            received_at=issued,
            first_response_at=issued + timedelta(hours=2),
        )
    )
    set_unit_parameters(office.unit, {"organisational_predikat": "Istimewa"})
    db.session.commit()

    run = compute_score_run(office.unit, Q3, "t")
    rows = stored(run)
    hasil = rows[office.ani.id, "hasil_kerja"]
    assert (hasil.status, hasil.value, hasil.n, hasil.explanation["result"]) == (
        "ok",
        Decimal("120"),
        2,
        "Di Atas Ekspektasi",
    )
    perilaku = rows[office.ani.id, "perilaku"].explanation
    assert (perilaku["result"], perilaku["confirmed"]) == ("Sesuai Ekspektasi", "Di Atas Ekspektasi")
    assert rows[office.ani.id, "predikat"].explanation["result"] == "Sangat Baik"
    # One Sangat Baik out of one employee with a predikat: more than 70% for an Istimewa organisation.
    assert rows[None, "predikat_distribution"].explanation["result"] == "failed"
    assert rows[office.ani.id, "wait_median_minutes"].value == Decimal(4)
    # The employee's complaint figure is how many were about their service; the answer time is the unit's.
    assert rows[office.ani.id, "complaints_received"].value == Decimal(1)
    assert (office.ani.id, "first_response_median_hours") not in rows
    assert rows[None, "first_response_median_hours"].value == Decimal(2)
    assert rows[None, "on_time_rate"].value == Decimal(100)
    assert run.input_counts | {"responses_by_status": None, "respondent_profile": None} == {
        "responses_by_status": None,
        "respondent_profile": None,
        "responses_paper": 0,
        "responses_valid": run.input_counts["responses_valid"],
        "responses_attributed": run.input_counts["responses_valid"],
        "tickets": 1,
        "tickets_finished": 1,
        "complaints": 1,
        "targets": 2,
        "ratings": 1,
        "holidays": 0,
        "employees": 3,
        "population": 1,
        "population_source": "tickets_finished",
    }


def test_progress_is_reported_step_by_step(office: Office) -> None:
    steps: list[str] = []
    compute_score_run(office.unit, Q3, "t", progress=steps.append)
    assert steps == list(SCORE_RUN_STEPS)


def _big_unit(build, employees: int):
    unit = build.unit(slug=f"besar-{employees}")
    counters = [build.counter(unit) for _ in range(4)]
    ids = db.session.scalars(
        insert(Employee).returning(Employee.id, sort_by_parameter_order=True),
        [dict(name=f"P{i}", employment_type="non-ASN", nip=None) for i in range(employees)],
    ).all()
    day = datetime(2026, 8, 3, 8, 0, tzinfo=WIB)
    rows: dict[type, list[dict]] = {
        EmployeeAssignment: [],
        CounterAssignment: [],
        Ticket: [],
        SurveyResponse: [],
        Complaint: [],
        EmployeeTarget: [],
        BehaviourRating: [],
    }
    for i, employee_id in enumerate(ids):
        counter = counters[i % 4]
        at = day + timedelta(days=i % 30, minutes=i % 50)
        rows[EmployeeAssignment].append(
            dict(employee_id=employee_id, unit_id=unit.id, position="Petugas", valid_from=date(2026, 1, 1))
        )
        rows[CounterAssignment].append(
            dict(
                counter_id=counter.id,
                employee_id=employee_id,
                source="roster",
                starts_at=at,
                ends_at=at + timedelta(hours=7),
                created_at=at,
            )
        )
        rows[Ticket].append(
            dict(
                unit_id=unit.id,
                external_id=f"{i}",
                counter_id=counter.id,
                service_type_id=counter.service_types[0].id,
                employee_id=employee_id,
                issued_at=at,
                called_at=at + timedelta(minutes=2),
                started_at=at + timedelta(minutes=3),
                finished_at=at + timedelta(minutes=9 + i % 20),
                outcome="finished",
                returned=False,
            )
        )
        rows[SurveyResponse].append(
            dict(
                unit_id=unit.id,
                counter_id=counter.id,
                employee_id=employee_id,
                attribution_source="roster",
                channel="counter_qr",
                client_fingerprint="f" * 32,
                submission_key=f"{unit.id}-{i}",
                status="valid",
                submitted_at=at,
                counted_at=at,
                locale="id",
                **{code: 1 + (i + k) % 4 for k, code in enumerate(CODES)},
            )
        )
        rows[Complaint].append(
            dict(
                unit_id=unit.id,
                tracking_code=f"{unit.id}-{i}",
                employee_id=employee_id,
                category="complaint",
                received_at=at,
                first_response_at=at + timedelta(hours=5),
            )
        )
        rows[EmployeeTarget].append(
            dict(
                employee_id=employee_id,
                period_id="2026-Q3",
                name="Berkas",
                target=Decimal(100),
                realisation=Decimal(80 + i % 50),
                lower_is_better=False,
            )
        )
        rows[BehaviourRating].append(
            dict(
                employee_id=employee_id,
                period_id="2026-Q3",
                overall=None,
                created_at=at,
                **dict.fromkeys(
                    ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"),
                    ("sesuai", "di_atas")[i % 2],
                ),
            )
        )
    for model, values in rows.items():
        db.session.execute(insert(model), values)
    db.session.commit()
    db.session.refresh(unit)
    return unit


def test_a_run_that_fails_midway_leaves_nothing_behind_and_the_transaction_usable(build, clock) -> None:
    unit = _big_unit(build, 300)
    kept = compute_score_run(unit, Q3, "t")
    db.session.commit()
    real, calls = compute.hasil_kerja_indicator, []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 250:  # thousands of rows are written by then
            raise InvalidStatistics("a target nobody can score")
        return real(*args, **kwargs)

    with patch.object(compute, "hasil_kerja_indicator", failing), pytest.raises(ScoreRunError, match="nobody can"):
        compute_score_run(unit, Q3, "t")
    assert [run.id for run in run_history(unit, Q3.id)] == [kept.id]
    assert current_run(unit, Q3.id).id == kept.id
    assert db.session.scalar(select(func.count()).select_from(ScoreIndicator)) == len(indicator_rows(kept))
    db.session.commit()  # the caller's transaction was still usable


def test_a_run_issues_a_bounded_number_of_queries_for_5_or_500_employees(build, clock) -> None:
    measured = []
    for employees in (5, 500):
        unit = _big_unit(build, employees)
        with counting_queries() as statements:
            run = compute_score_run(unit, Q3, "t")
            db.session.flush()
        assert run.input_counts["employees"] == employees and run.input_counts["targets"] == employees
        writes = ("INSERT INTO score_indicators", "COPY score_indicators")
        indicator_inserts = [s for s in statements if s.startswith(writes)]
        others = [s for s in statements if not s.startswith(writes)]
        expected = "COPY" if db.engine.dialect.name == "postgresql" else "INSERT"
        assert all(s.startswith(expected) for s in indicator_inserts)
        # One statement per batch of indicator rows (15 per employee + the unit's rows), whatever the batching.
        assert 1 <= len(indicator_inserts) <= 1 + (15 * employees) // INDICATOR_BATCH
        measured.append(len(others))
    # 25 before issue 15, which added the service-mix and bias-audit queries (fairness_stats: at most five).
    assert measured[0] == measured[1] <= 30
    assert db.session.scalar(select(ScoreRun.id).where(ScoreRun.unit_id == unit.id)) == run.id


@pytest.mark.postgresql_only
def test_on_postgresql_a_run_holds_its_units_lock_and_more_work_mem_until_the_commit(office: Office) -> None:
    office.answers(40)
    default_work_mem = db.session.scalar(text("SHOW work_mem"))
    compute_score_run(office.unit, Q3, "t")
    assert db.session.scalar(text("SHOW work_mem")) == RUN_WORK_MEM
    # pg_advisory_xact_lock(namespace, unit id) shows as classid = namespace, objid = unit id.
    held = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = :ns AND objid = :unit")
    params = {"ns": SCORE_RUN_LOCK_NAMESPACE, "unit": office.unit.id}
    assert db.session.scalar(held, params) == 1
    db.session.commit()
    assert db.session.scalar(text("SHOW work_mem")) == default_work_mem != RUN_WORK_MEM
    assert db.session.scalar(held, params) == 0
