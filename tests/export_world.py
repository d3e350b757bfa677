"""An office with a final September 2026 run, SKP targets and a confirmed appraisal, for the export tests.

Built on tests/staff_world.py's office (clock on 14 October 2026): Ani (PNS) has 40 valid answers, two with
personal data in the comment, and two targets (one measured by the run); Budi is non-ASN with 3 answers, one
commented; 2 answers belong to the unit only. Sari confirms Ani's appraisal for 2026-09.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from feedback_app.extensions import db
from feedback_app.models import Appraisal, BehaviourRating, EmployeeTarget, User
from tests.staff_world import office

PERIOD = "2026-09"
CONFIRMED_AT = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)


def export_office(build):  # type: ignore[no-untyped-def]
    world = office(build)
    world.budi.employment_type = "non-ASN"
    world.budi.nip = None
    db.session.commit()
    world.answers(38, world.ani, shift=world.shift, scores={"u3": 4, "u6": 4, "u7": 4})
    world.answers(2, world.ani, shift=world.shift, comment="Ramah. Hubungi 081234567890 atau NIK 3201123456780004")
    world.answers(3, world.budi, day=3, comment="Budi cepat sekali")
    world.answers(2, None, day=4, comment="Ruang tunggu panas")
    run = world.run()
    db.session.add_all(
        [
            EmployeeTarget(
                employee_id=world.ani.id,
                period_id=PERIOD,
                work_plan="Terselenggaranya layanan yang memuaskan",
                name="Indeks kepuasan pelaksana",
                aspect="kualitas",
                target=Decimal(80),
                measure_unit="indeks",
                indicator_code="ikp",
            ),
            EmployeeTarget(
                employee_id=world.ani.id,
                period_id=PERIOD,
                work_plan="Terselenggaranya layanan yang memuaskan",
                name="Berkas KTP-el diverifikasi",
                aspect="kuantitas",
                target=Decimal(300),
                realisation=Decimal("312.5"),
                measure_unit="berkas",
            ),
            BehaviourRating(
                employee_id=world.ani.id,
                supervisor_id=world.sari.id,
                period_id=PERIOD,
                **dict.fromkeys(
                    ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"),
                    "sesuai",
                ),
                overall="sesuai",
                feedback="Pertahankan keramahan di loket.",
            ),
            Appraisal(
                employee_id=world.ani.id,
                unit_id=world.unit.id,
                period_id=PERIOD,
                appraiser_id=world.sari.id,
                score_run_id=run.id,
                suggested_hasil="di_atas",
                confirmed_hasil="di_atas",
                suggested_perilaku="sesuai",
                confirmed_perilaku="sesuai",
                predikat="baik",
                status="confirmed",
                confirmed_at=CONFIRMED_AT,
            ),
        ]
    )
    world.users["hr"] = build.user("hr-uji", {"hr"}, unit=world.unit)
    db.session.commit()
    world.final_run = run  # type: ignore[attr-defined]
    return world


def hr_user(world) -> User:  # type: ignore[no-untyped-def]
    return world.users["hr"]
