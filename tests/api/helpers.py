"""Shared by the API, ticket service and ticket survey tests: a world with a unit, counters, staff and tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.services.api_tokens import create_api_token


def make_world(build, clock) -> SimpleNamespace:
    """Unit kota-bogor (BGR01 with KTP-el and KK, BGR02 with KTP-el), two employees with NIPs, a second unit
    kab-kassi (KSI01), and an API token for each unit."""
    unit = build.unit(slug="kota-bogor", name="Disdukcapil Kota Bogor")
    ktp = build.service_type(unit, name="KTP-el", counter_standard_minutes=30)
    kk = build.service_type(unit, name="KK")
    counter = build.counter(unit, public_code="BGR01", name="Loket 1", service_types=[ktp, kk])
    build.counter(unit, public_code="BGR02", name="Loket 2", service_types=[ktp])
    siti = build.employee(unit, name="Siti Rahmawati", nip="198503152010012001")
    budi = build.employee(unit, name="Budi Santoso", nip="199001012015031001")
    other = build.unit(slug="kab-kassi", name="Disdukcapil Kab. Kassi", timezone="Asia/Makassar")
    build.employee(other, name="Andi Kassi", nip="198801012012011003")
    other_service = build.service_type(other, name="KTP-el")
    build.counter(other, public_code="KSI01", service_types=[other_service])
    _row, token = create_api_token(unit, "Mesin antrean lantai 1")
    _row, other_token = create_api_token(other, "Mesin Kassi")
    db.session.commit()
    return SimpleNamespace(
        unit=unit,
        counter=counter,
        ktp=ktp,
        kk=kk,
        siti=siti,
        budi=budi,
        other=other,
        token=token,
        other_token=other_token,
        base=clock.now() - timedelta(hours=2),
    )


def event(world: SimpleNamespace, external_id: str, kind: str, minutes: float, **extra: Any) -> dict[str, Any]:
    """An event ``minutes`` after the world's base instant, at BGR01 for KTP-el unless told otherwise."""
    at: datetime = world.base + timedelta(minutes=minutes)
    item = {
        "external_id": external_id,
        "counter": "BGR01",
        "service_type": "KTP-el",
        "event": kind,
        "at": at.isoformat(),
    }
    item.update(extra)
    return item


def lifecycle(world: SimpleNamespace, external_id: str, start: float = 0, nip: str | None = None) -> list[dict]:
    """A ticket issued, called, started and finished (served by ``nip``)."""
    staff = {"employee_nip": nip} if nip else {}
    return [
        event(world, external_id, "issued", start),
        event(world, external_id, "called", start + 7, **staff),
        event(world, external_id, "started", start + 8, **staff),
        event(world, external_id, "finished", start + 21, **staff),
    ]


def table_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    db.session.expire_all()
    snapshot = {}
    for table in db.metadata.sorted_tables:
        snapshot[table.name] = [
            tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key.columns))
        ]
    return snapshot
