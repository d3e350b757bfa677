"""`flask service-times` prints the indicators per employee, per counter and for the unit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from feedback_app.extensions import db
from feedback_app.models import Ticket


def test_per_counter_and_per_employee_figures(app, build, clock):
    unit = build.unit(slug="kota-contoh")
    service = build.service_type(unit, counter_standard_minutes=20)
    first = build.counter(unit, public_code="CTH01", service_types=[service])
    second = build.counter(unit, public_code="CTH02", service_types=[service])
    siti, budi = build.employee(unit, name="Siti"), build.employee(unit, name="Budi")
    start = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)  # 08:00 WIB
    rows = []
    for n, (counter, employee, wait, service_minutes) in enumerate(
        [(first, siti, 5, 10), (first, siti, 15, 10), (second, budi, 30, 20)]
    ):
        issued = start + timedelta(minutes=40 * n)
        called = issued + timedelta(minutes=wait)
        rows.append(
            dict(
                unit_id=unit.id,
                external_id=f"T{n}",
                counter_id=counter.id,
                service_type_id=service.id,
                employee_id=employee.id,
                issued_at=issued,
                called_at=called,
                started_at=called,
                finished_at=called + timedelta(minutes=service_minutes),
                outcome="finished",
                returned=False,
            )
        )
    db.session.execute(insert(Ticket), rows)
    db.session.commit()
    runner = app.test_cli_runner()

    by_counter = runner.invoke(
        args=["service-times", "--unit", "kota-contoh", "--period", "2026-10", "--by", "counter", "--json"]
    )
    assert by_counter.exit_code == 0, by_counter.output
    figures = json.loads(by_counter.output)
    assert figures["CTH01"]["wait_median_minutes"]["value"] == "5.00"  # nearest rank of (5, 15)
    assert figures["CTH01"]["on_time_rate"]["value"] == "50.00"  # 15 minutes on time, 25 late (standard 20)
    assert figures["CTH02"]["on_time_rate"]["value"] == "0.00"  # 50 minutes > 20

    by_employee = runner.invoke(args=["service-times", "--unit", "kota-contoh", "--period", "2026-10"])
    assert by_employee.exit_code == 0 and "Siti" in by_employee.output and "Budi" in by_employee.output
    unknown = runner.invoke(args=["service-times", "--unit", "nope", "--period", "2026-10"])
    assert unknown.exit_code != 0 and "no unit with slug" in unknown.output
