"""A team for the 360° peer-feedback tests: supervisor Sari, the employee Ani and four colleagues who rate her.

The ``clock`` fixture stands on Wednesday 14 October 2026 (WIB), so 2026-Q4 is the running quarter. Every colleague
had a shift overlapping Ani's at the unit's two counters in early October, Budi had none (he works the back office).
The colleagues' names, logins and NIPs are distinctive, so that a test can search every response for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from feedback_app.extensions import db
from feedback_app.models import Employee, EmployeeAssignment, PeerRound, Unit, User
from feedback_app.services.peer_feedback import AnswerInput, open_round, save_answer
from scoring import parse_period

Q4 = parse_period("2026-Q4")
CLOSES_ON = date(2026, 10, 28)
RATER_NAMES = ("Wulandari Penilai", "Hendrawan Penilai", "Kusumawati Penilai", "Prasetyo Penilai")


@dataclass
class Team:
    unit: Unit
    sari: Employee  # the supervisor
    ani: Employee  # rated by the four colleagues
    budi: Employee  # no shift beside anybody
    raters: list[Employee]
    users: dict[str, User]
    hr: User
    admin: User

    def open(self, opener: User | None = None, pairs: list[tuple[int, int]] | None = None) -> PeerRound:
        """The round for 2026-Q4 in which every colleague rates Ani."""
        chosen = pairs if pairs is not None else [(r.id, self.ani.id) for r in self.raters]
        peer_round = open_round(opener or self.users["sari"], self.sari, Q4, CLOSES_ON, chosen)
        db.session.commit()
        return peer_round

    def answer(self, rater: Employee, peer_round: PeerRound, value: str = "sesuai", **sentences: str) -> None:
        """``rater`` submits an answer about Ani: ``value`` for every BerAKHLAK value."""
        from feedback_app.models import BERAKHLAK_VALUES, PeerRater

        pair = db.session.query(PeerRater).filter_by(round_id=peer_round.id, rater_id=rater.id).one()
        given = AnswerInput(
            values=dict.fromkeys(BERAKHLAK_VALUES, value),
            does_well=sentences.get("does_well", ""),
            could_improve=sentences.get("could_improve", ""),
            submit=True,
        )
        save_answer(rater, pair.id, given)
        db.session.commit()


def team(build) -> Team:  # type: ignore[no-untyped-def]
    unit = build.unit(name="Disdukcapil Rekan", slug="rekan")
    counters = [build.counter(unit, public_code=f"RKN{i}", name=f"Loket {i}") for i in (1, 2)]
    kepala = build.employee(name="Kepala Rekan")
    sari = build.employee(name="Sari Atasan")
    ani = build.employee(name="Ani Dinilai")
    budi = build.employee(name="Budi Belakang")
    raters = [build.employee(name=name) for name in RATER_NAMES]
    for employee, supervisor in [(sari, kepala), (ani, sari), (budi, sari), *((r, sari) for r in raters)]:
        db.session.add(
            EmployeeAssignment(
                employee=employee, unit=unit, position="Petugas", supervisor=supervisor, valid_from=date(2026, 1, 1)
            )
        )
    for day in (1, 2, 5):  # Ani at counter 1; each colleague at counter 2 beside her (rater 0 on every day)
        start, end = datetime(2026, 10, day, 1, 0, tzinfo=UTC), datetime(2026, 10, day, 8, 0, tzinfo=UTC)
        build.duty(counters[0], ani, starts_at=start, ends_at=end)
        for i, rater in enumerate(raters):
            if day == 1 or i == 0:
                build.duty(counters[1], rater, starts_at=start, ends_at=end)
    users = {"sari": build.user("sari.atasan", {"supervisor", "staff"}, unit=unit, employee=sari)}
    users["ani"] = build.user("ani.dinilai", {"staff"}, unit=unit, employee=ani)
    users["budi"] = build.user("budi.belakang", {"staff"}, unit=unit, employee=budi)
    for i, rater in enumerate(raters):
        users[f"rater{i}"] = build.user(f"penilai.{i}", {"staff"}, unit=unit, employee=rater)
    hr = build.user("sdm.rekan", {"hr"}, unit=unit)
    admin = build.user("admin.rekan", {"admin"}, unit=unit)
    db.session.commit()
    return Team(unit, sari, ani, budi, raters, users, hr, admin)
