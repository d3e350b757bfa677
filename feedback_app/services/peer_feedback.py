"""360° peer feedback (issue 16): colleagues rate each other's work behaviour on the seven BerAKHLAK values.

A supervisor or HR opens a *round* for a team (the employees whose assignment at the period's end names the
supervisor) and a period; by default each member rates up to five colleagues of the team they worked beside
(overlapping shifts in the unit during the period), never themselves and never their own supervisor.

Anonymity is the point, so it is built into the tables, not only the pages:

- a submitted answer (``PeerAnswer``) names the round and the employee rated, never the rater, and carries no time;
- the rater link (``PeerRater``) exists only so that a colleague answers once, and every link of a round is deleted
  when the round closes (by its closing date through :func:`close_due_rounds`, or by hand);
- results are shown only once at least ``min_answers`` colleagues answered (a unit parameter, never below 3), as a
  distribution per value and the sentences masked (spec §5) in an order that says nothing about who wrote first.

Every write leaves exactly one audit row, and no audit row names the employee a rater rated.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from feedback_app.access import scope_unit_ids
from scoring import Period, parse_period

from ..clock import now
from ..extensions import db
from ..identifiers import mask_personal_data
from ..models import (
    BERAKHLAK_VALUES,
    PEER_CHOICES,
    PEER_SENTENCE_MAX,
    Counter,
    CounterAssignment,
    Employee,
    EmployeeAssignment,
    PeerAnswer,
    PeerRater,
    PeerRound,
    Unit,
    User,
)
from . import teams
from .audit import record_audit
from .errors import DomainError

#: The threshold when the unit sets none; a unit may raise it, never lower it (issue 16).
DEFAULT_MIN_ANSWERS = 3
#: Colleagues each member rates by default, and at most.
MAX_RATEES = 5
#: How far ahead a closing date may lie.
MAX_OPEN_DAYS = 90
DEFAULT_OPEN_DAYS = 14
ROUND_KINDS = ("month", "quarter", "semester", "year")


class PeerError(DomainError):
    """A peer-feedback write was refused; ``code`` names why (the view words it in the user's language)."""

    def __init__(self, code: str, **details: Any) -> None:
        self.code = code
        self.details = details
        super().__init__(code if not details else f"{code}: {details}")


def min_answers(unit: Unit) -> int:
    """The answers a result needs before anyone sees it: the unit's parameter, never below 3."""
    return max(DEFAULT_MIN_ANSWERS, unit.peer_min_answers or DEFAULT_MIN_ANSWERS)


def local_today(unit: Unit) -> date:
    return now().astimezone(unit.zone).date()


def is_taking_answers(peer_round: PeerRound) -> bool:
    """Open and not past its closing date (the nightly close may not have run yet)."""
    return peer_round.state == "open" and local_today(peer_round.unit) <= peer_round.closes_on


# --- Opening a round ---------------------------------------------------------------------------------------------


def _utc_bounds(unit: Unit, period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time(), unit.zone).astimezone(UTC)
    end = datetime.combine(period.end, time(), unit.zone).astimezone(UTC)
    return start, end


def team_for(supervisor: Employee, period: Period) -> tuple[Unit | None, list[Employee]]:
    """The supervisor's team at the period's end and the unit most of it works in."""
    last_day = period.end - timedelta(days=1)
    team = teams.team_of(supervisor, last_day)
    if not team:
        return None, []
    units = db.session.execute(
        select(EmployeeAssignment.unit_id, func.count())
        .where(
            EmployeeAssignment.employee_id.in_([e.id for e in team]),
            EmployeeAssignment.supervisor_id == supervisor.id,
            EmployeeAssignment.valid_from <= last_day,
            (EmployeeAssignment.valid_until.is_(None)) | (EmployeeAssignment.valid_until > last_day),
        )
        .group_by(EmployeeAssignment.unit_id)
        .order_by(func.count().desc(), EmployeeAssignment.unit_id)
    ).first()
    return (db.session.get(Unit, units[0]) if units else None), team


def default_pairs(unit: Unit, period: Period, team: Sequence[Employee]) -> dict[int, list[int]]:
    """rater id → up to five colleagues of the team who had shifts overlapping theirs in the unit in the period.

    Colleagues with the most overlapping shifts come first (then by name). One query: a self-join of the counter
    assignments on the unit's counters, counted per pair in SQL.
    """
    ids = [e.id for e in team]
    if len(ids) < 2:
        return {}
    start, end = _utc_bounds(unit, period)
    mine, theirs = aliased(CounterAssignment), aliased(CounterAssignment)
    counter_a, counter_b = aliased(Counter), aliased(Counter)
    rows = db.session.execute(
        select(mine.employee_id, theirs.employee_id, func.count())
        .join(counter_a, counter_a.id == mine.counter_id)
        .join(theirs, theirs.employee_id != mine.employee_id)
        .join(counter_b, counter_b.id == theirs.counter_id)
        .where(
            counter_a.unit_id == unit.id,
            counter_b.unit_id == unit.id,
            mine.employee_id.in_(ids),
            theirs.employee_id.in_(ids),
            mine.ends_at.is_not(None),
            theirs.ends_at.is_not(None),
            mine.starts_at < end,
            mine.ends_at > start,
            mine.starts_at < theirs.ends_at,
            theirs.starts_at < mine.ends_at,
        )
        .group_by(mine.employee_id, theirs.employee_id)
    ).all()
    names = {e.id: (e.name, e.id) for e in team}
    overlaps: dict[int, list[tuple[int, int]]] = {}
    for rater, ratee, count in rows:
        overlaps.setdefault(rater, []).append((count, ratee))
    return {
        rater: [ratee for _count, ratee in sorted(found, key=lambda p: (-p[0], names[p[1]]))[:MAX_RATEES]]
        for rater, found in overlaps.items()
    }


@dataclass(frozen=True)
class Proposal:
    """What the opening form shows: the team, the default pairing and an existing round of the same period."""

    supervisor: Employee
    period: Period
    unit: Unit | None
    team: list[Employee]
    pairs: dict[int, list[int]]
    existing: PeerRound | None
    closes_on: date | None


def propose_round(supervisor: Employee, period: Period) -> Proposal:
    unit, team = team_for(supervisor, period)
    existing = db.session.scalar(
        select(PeerRound).where(PeerRound.team_supervisor_id == supervisor.id, PeerRound.period_id == period.id)
    )
    pairs = default_pairs(unit, period, team) if unit is not None else {}
    closes_on = local_today(unit) + timedelta(days=DEFAULT_OPEN_DAYS) if unit is not None else None
    return Proposal(supervisor, period, unit, team, pairs, existing, closes_on)


def round_period(text: str | None) -> Period | None:
    """A month, triwulan, semester or year period from its code; None otherwise."""
    if not text:
        return None
    try:
        period = parse_period(text.strip().upper())
    except Exception:  # scoring's InvalidPeriod, or anything else a hand-typed URL holds
        return None
    return period if period.kind in ROUND_KINDS and period.id == text.strip().upper() else None


def open_round(
    opener: User, supervisor: Employee, period: Period, closes_on: date, pairs: Iterable[tuple[int, int]]
) -> PeerRound:
    """Open a round for ``supervisor``'s team with the chosen (rater, ratee) pairs; one audit row. The caller commits.

    Refused with nothing written: a second round for the same team and period, a closing date in the past or more
    than 90 days ahead, a pair outside the team, a colleague rating themselves or their own supervisor, more than
    five colleagues for one rater, no pair at all.
    """
    unit, team = team_for(supervisor, period)
    if unit is None:
        raise PeerError("no_team")
    existing = db.session.scalar(
        select(PeerRound.id).where(PeerRound.team_supervisor_id == supervisor.id, PeerRound.period_id == period.id)
    )
    if existing is not None:
        raise PeerError("exists", round_id=existing)
    today = local_today(unit)
    if closes_on < today:
        raise PeerError("closes_in_past")
    if closes_on > today + timedelta(days=MAX_OPEN_DAYS):
        raise PeerError("closes_too_late")
    members = {e.id: e for e in team}
    chosen = sorted(set(pairs))
    if not chosen:
        raise PeerError("no_pairs")
    last_day = period.end - timedelta(days=1)
    per_rater: dict[int, int] = {}
    for rater, ratee in chosen:
        if rater not in members or ratee not in members:
            raise PeerError("not_in_team")
        if rater == ratee:
            raise PeerError("self")
        own = teams.supervisor_of(members[rater], last_day)
        if ratee == supervisor.id or (own is not None and own.id == ratee):
            raise PeerError("own_supervisor")
        per_rater[rater] = per_rater.get(rater, 0) + 1
        if per_rater[rater] > MAX_RATEES:
            raise PeerError("too_many", rater=members[rater].name)
    peer_round = PeerRound(
        unit_id=unit.id,
        period_id=period.id,
        team_supervisor_id=supervisor.id,
        closes_on=closes_on,
        min_answers=min_answers(unit),
        state="open",
        opened_by_id=opener.id,
        opened_at=now(),
    )
    db.session.add(peer_round)
    db.session.flush()
    db.session.add_all(PeerRater(round_id=peer_round.id, rater_id=r, ratee_id=e, submitted=False) for r, e in chosen)
    db.session.flush()
    record_audit(
        "peer_round.open",
        entity="peer_round",
        entity_id=peer_round.id,
        unit_id=unit.id,
        after={
            "period_id": period.id,
            "team_supervisor_id": supervisor.id,
            "closes_on": closes_on,
            "min_answers": peer_round.min_answers,
            "forms": len(chosen),
            "raters": len(per_rater),
        },
    )
    return peer_round


# --- Answering ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerInput:
    """The colleague's form as sent: codes are checked here, not trusted ("" = not answered yet)."""

    values: Mapping[str, str]
    does_well: str
    could_improve: str
    submit: bool


def requests_of(employee: Employee) -> list[PeerRater]:
    """The forms this employee is asked to fill in rounds that still take answers, by closing date and name."""
    rows = db.session.scalars(
        select(PeerRater)
        .join(PeerRound, PeerRound.id == PeerRater.round_id)
        .join(Employee, Employee.id == PeerRater.ratee_id)
        .options(joinedload(PeerRater.round).joinedload(PeerRound.unit), joinedload(PeerRater.ratee))
        .where(PeerRater.rater_id == employee.id, PeerRound.state == "open")
        .order_by(PeerRound.closes_on, Employee.name, PeerRater.id)
        .limit(50)
    )
    return [row for row in rows if is_taking_answers(row.round)]


def request_for(employee: Employee, pair_id: int) -> PeerRater | None:
    """One of this employee's own forms (None for anybody else's, so an id in the URL reveals nothing)."""
    pair = db.session.get(PeerRater, pair_id)
    if pair is None or pair.rater_id != employee.id:
        return None
    return pair


def _sentence(text: str, field_name: str) -> str | None:
    text = " ".join(text.split())
    if len(text) > PEER_SENTENCE_MAX:
        raise PeerError("sentence_too_long", field=field_name)
    return text or None


def save_answer(rater: Employee, pair_id: int, given: AnswerInput) -> PeerRater:
    """Save the colleague's draft, or submit it once; one audit row that names the round, never the colleague rated.

    A submitted answer is written without the rater and cannot be changed; a second submission for the same pair
    (a retry, a second tab) is refused. The caller commits.
    """
    pair = request_for(rater, pair_id)
    if pair is None:
        raise PeerError("unknown_form")
    peer_round = pair.round
    if not is_taking_answers(peer_round):
        raise PeerError("round_closed")
    if pair.submitted:
        raise PeerError("already_submitted")
    values = {column: (given.values.get(column) or "").strip() for column in BERAKHLAK_VALUES}
    for column, value in values.items():
        if value and value not in PEER_CHOICES:
            raise PeerError("unknown_value", field=column)
    does_well = _sentence(given.does_well, "does_well")
    could_improve = _sentence(given.could_improve, "could_improve")
    if given.submit:
        if not all(values.values()):
            raise PeerError("incomplete")
        # The guard is in the UPDATE itself: of two submissions racing on one pair only one finds it unsubmitted.
        claimed = db.session.execute(
            update(PeerRater)
            .where(PeerRater.id == pair.id, PeerRater.submitted.is_(False))
            .values(submitted=True, draft=None)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise PeerError("already_submitted")
        db.session.add(
            PeerAnswer(
                round_id=peer_round.id,
                ratee_id=pair.ratee_id,
                does_well=does_well,
                could_improve=could_improve,
                **values,
            )
        )
        db.session.flush()
        db.session.refresh(pair)
        action = "peer_feedback.submit"
    else:
        if not any(values.values()) and does_well is None and could_improve is None:
            raise PeerError("empty")
        pair.draft = {**{k: v for k, v in values.items() if v}, "does_well": does_well, "could_improve": could_improve}
        db.session.flush()
        action = "peer_feedback.save_draft"
    # Only the round: which colleague was rated, and what was said, stays out of the trail.
    record_audit(action, entity="peer_round", entity_id=peer_round.id, unit_id=peer_round.unit_id)
    return pair


# --- Results -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerResult:
    """What colleagues said about one employee: shown only when ``n`` reaches ``min_answers``."""

    n: int
    min_answers: int
    round_ids: tuple[int, ...]
    distribution: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # value → choice → count
    does_well: tuple[str, ...] = ()
    could_improve: tuple[str, ...] = ()

    @property
    def shown(self) -> bool:
        return self.n >= self.min_answers


def _shuffle_key(answer_id: int, which: str) -> str:
    """A keyed order, stable between page loads, that says nothing about when an answer came in."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"peer:{which}:{answer_id}".encode(), hashlib.sha256).hexdigest()


def result_of(employee_id: int, rounds: Sequence[PeerRound], *, with_sentences: bool = True) -> PeerResult | None:
    """The colleagues' distribution (and sentences) about one employee over some rounds; None without a round.

    Counted in SQL (one query per value group); the sentences are read only when the result may be shown.
    """
    if not rounds:
        return None
    round_ids = tuple(sorted(r.id for r in rounds))
    threshold = max(r.min_answers for r in rounds)
    where = (PeerAnswer.round_id.in_(round_ids), PeerAnswer.ratee_id == employee_id)
    n = db.session.scalar(select(func.count()).select_from(PeerAnswer).where(*where)) or 0
    if n < threshold:
        return PeerResult(n, threshold, round_ids)
    distribution: dict[str, dict[str, int]] = {v: dict.fromkeys(PEER_CHOICES, 0) for v in BERAKHLAK_VALUES}
    columns = [getattr(PeerAnswer, v) for v in BERAKHLAK_VALUES]
    for row in db.session.execute(select(*columns, func.count()).where(*where).group_by(*columns)):
        for value, choice in zip(BERAKHLAK_VALUES, row[:-1], strict=True):
            distribution[value][choice] += row[-1]
    well: list[tuple[str, str]] = []
    better: list[tuple[str, str]] = []
    if with_sentences:
        for answer_id, does_well, could_improve in db.session.execute(
            select(PeerAnswer.id, PeerAnswer.does_well, PeerAnswer.could_improve).where(*where)
        ):
            if does_well:
                well.append((_shuffle_key(answer_id, "well"), mask_personal_data(does_well)))
            if could_improve:
                better.append((_shuffle_key(answer_id, "better"), mask_personal_data(could_improve)))
    return PeerResult(
        n,
        threshold,
        round_ids,
        distribution,
        tuple(text for _key, text in sorted(well)),
        tuple(text for _key, text in sorted(better)),
    )


def rounds_about(employee_id: int, period_id: str) -> list[PeerRound]:
    """The rounds of a period in which this employee was (or is) rated."""
    asked = select(PeerRater.round_id).where(PeerRater.ratee_id == employee_id)
    answered = select(PeerAnswer.round_id).where(PeerAnswer.ratee_id == employee_id)
    return list(
        db.session.scalars(
            select(PeerRound)
            .where(PeerRound.period_id == period_id, PeerRound.id.in_(asked.union(answered)))
            .order_by(PeerRound.id)
        )
    )


def evidence_for(employee_id: int, period_id: str) -> PeerResult | None:
    """The appraisal desk's colleague evidence for an employee and period (None: no round asked about them)."""
    return result_of(employee_id, rounds_about(employee_id, period_id))


def my_results(employee: Employee, limit: int = 6) -> list[tuple[PeerRound, PeerResult]]:
    """The employee's own results, newest round first (the staff page)."""
    asked = select(PeerRater.round_id).where(PeerRater.ratee_id == employee.id)
    answered = select(PeerAnswer.round_id).where(PeerAnswer.ratee_id == employee.id)
    rounds = db.session.scalars(
        select(PeerRound).where(PeerRound.id.in_(asked.union(answered))).order_by(PeerRound.id.desc()).limit(limit)
    )
    found = []
    for peer_round in rounds:
        result = result_of(employee.id, [peer_round])
        if result is not None:
            found.append((peer_round, result))
    return found


# --- Managing rounds ---------------------------------------------------------------------------------------------


def may_manage(user: User, peer_round: PeerRound) -> bool:
    """The team's supervisor, and HR whose scope holds the round's unit."""
    if user.has_role("supervisor") and user.employee_id == peer_round.team_supervisor_id:
        return True
    if user.has_role("hr"):
        scope = scope_unit_ids(user)
        return scope is None or peer_round.unit_id in scope
    return False


def may_read_sentences(user: User, peer_round: PeerRound) -> bool:
    """Only the team's supervisor reads the sentences; HR sees the distribution, as in its export."""
    return user.has_role("supervisor") and user.employee_id == peer_round.team_supervisor_id


def rounds_for(user: User, limit: int = 50) -> list[PeerRound]:
    """The rounds a supervisor (their team's) or HR (their scope's) manages, newest first."""
    conditions = []
    if user.has_role("supervisor") and user.employee_id is not None:
        conditions.append(PeerRound.team_supervisor_id == user.employee_id)
    if user.has_role("hr"):
        scope = scope_unit_ids(user)
        conditions.append(PeerRound.unit_id.in_(sorted(scope)) if scope is not None else PeerRound.id.is_not(None))
    if not conditions:
        return []
    query = (
        select(PeerRound)
        .options(joinedload(PeerRound.team_supervisor), joinedload(PeerRound.unit))
        .where(or_(*conditions))
        .order_by(PeerRound.opened_at.desc(), PeerRound.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def supervisors_in_scope(user: User) -> list[Employee]:
    """The supervisors HR may open a round for: those named on an assignment valid today in HR's scope."""
    today = now().date()
    query = (
        select(Employee)
        .join(EmployeeAssignment, EmployeeAssignment.supervisor_id == Employee.id)
        .where(
            EmployeeAssignment.valid_from <= today,
            (EmployeeAssignment.valid_until.is_(None)) | (EmployeeAssignment.valid_until > today),
        )
        .order_by(Employee.name, Employee.id)
        .distinct()
    )
    scope = scope_unit_ids(user)
    if scope is not None:
        query = query.where(EmployeeAssignment.unit_id.in_(sorted(scope)))
    return list(db.session.scalars(query))


def response_rates(rounds: Sequence[PeerRound]) -> dict[int, tuple[int, int]]:
    """round id → (forms asked, forms submitted), in one query for the open rounds (closed ones kept their counts)."""
    rates = {r.id: (r.invited_count or 0, r.answered_count or 0) for r in rounds if r.state == "closed"}
    open_ids = sorted(r.id for r in rounds if r.state == "open")
    if open_ids:
        rates.update(dict.fromkeys(open_ids, (0, 0)))
        submitted = func.sum(case((PeerRater.submitted.is_(True), 1), else_=0))
        for round_id, invited, answered in db.session.execute(
            select(PeerRater.round_id, func.count(), submitted)
            .where(PeerRater.round_id.in_(open_ids))
            .group_by(PeerRater.round_id)
        ):
            rates[round_id] = (int(invited), int(answered or 0))
    return rates


@dataclass(frozen=True)
class RateeLine:
    employee: Employee
    invited: int | None  # forms asked about them (None once the round closed: the links are gone)
    result: PeerResult


@dataclass(frozen=True)
class RoundSummary:
    """A round as its supervisor reads it: the response rate and each colleague's result, never who answered."""

    round: PeerRound
    invited: int
    answered: int
    lines: list[RateeLine]

    @property
    def rate(self) -> int | None:
        return None if not self.invited else round(100 * self.answered / self.invited)


def summarise(peer_round: PeerRound, *, with_sentences: bool) -> RoundSummary:
    if peer_round.state == "open":
        invited = (
            db.session.scalar(select(func.count()).select_from(PeerRater).where(PeerRater.round_id == peer_round.id))
            or 0
        )
        answered = (
            db.session.scalar(
                select(func.count())
                .select_from(PeerRater)
                .where(PeerRater.round_id == peer_round.id, PeerRater.submitted.is_(True))
            )
            or 0
        )
        per_ratee = dict(
            db.session.execute(
                select(PeerRater.ratee_id, func.count())
                .where(PeerRater.round_id == peer_round.id)
                .group_by(PeerRater.ratee_id)
            ).all()
        )
    else:
        invited, answered = peer_round.invited_count or 0, peer_round.answered_count or 0
        per_ratee = {}
    answered_ids = set(
        db.session.scalars(select(PeerAnswer.ratee_id).where(PeerAnswer.round_id == peer_round.id).distinct())
    )
    ids = sorted(set(per_ratee) | answered_ids)
    employees = (
        list(db.session.scalars(select(Employee).where(Employee.id.in_(ids)).order_by(Employee.name))) if ids else []
    )
    lines = []
    for employee in employees:
        result = result_of(employee.id, [peer_round], with_sentences=with_sentences)
        assert result is not None
        lines.append(RateeLine(employee, per_ratee.get(employee.id) if per_ratee else None, result))
    return RoundSummary(peer_round, invited, answered, lines)


def close_round(peer_round: PeerRound, closed_by: str) -> PeerRound:
    """Close a round: freeze its response rate and delete every rater link; one audit row. The caller commits."""
    if peer_round.state != "open":
        raise PeerError("already_closed")
    invited = (
        db.session.scalar(select(func.count()).select_from(PeerRater).where(PeerRater.round_id == peer_round.id)) or 0
    )
    answered = (
        db.session.scalar(
            select(func.count())
            .select_from(PeerRater)
            .where(PeerRater.round_id == peer_round.id, PeerRater.submitted.is_(True))
        )
        or 0
    )
    # "fetch" also drops the deleted links from the session, so an id SQLite hands out again cannot collide.
    db.session.execute(
        delete(PeerRater).where(PeerRater.round_id == peer_round.id).execution_options(synchronize_session="fetch")
    )
    peer_round.state = "closed"
    peer_round.closed_at = now()
    peer_round.closed_by = closed_by
    peer_round.invited_count = invited
    peer_round.answered_count = answered
    db.session.flush()
    record_audit(
        "peer_round.close",
        entity="peer_round",
        entity_id=peer_round.id,
        unit_id=peer_round.unit_id,
        before={"state": "open"},
        after={"state": "closed", "invited": invited, "answered": answered, "rater_links_deleted": invited},
    )
    return peer_round


def close_due_rounds(closed_by: str = "system:peer-close") -> list[PeerRound]:
    """Close every open round whose closing date has passed in its unit's zone (idempotent; nightly and cron)."""
    candidates = db.session.scalars(
        select(PeerRound)
        .options(joinedload(PeerRound.unit))
        .where(PeerRound.state == "open", PeerRound.closes_on < now().date() + timedelta(days=1))
        .order_by(PeerRound.id)
    ).all()
    closed = []
    for peer_round in candidates:
        if local_today(peer_round.unit) > peer_round.closes_on:
            closed.append(close_round(peer_round, closed_by))
    return closed


# --- The HR export -----------------------------------------------------------------------------------------------

EXPORT_CHOICES = PEER_CHOICES


def peer_feedback_rows(period: Period | str, units: Iterable[Unit]) -> tuple[list[str], list[list[object]]]:
    """Each rated employee's colleague distribution for a period, for HR's export: (headers, rows).

    One row per employee rated in a round of the period in these units: unit, NIP, name, rounds, n, whether the
    result is shown (n ≥ the threshold), then per BerAKHLAK value the counts of di_bawah, sesuai, di_atas and
    tidak_tahu — empty below the threshold. Distribution only: no sentence, no rater, ever.
    """
    period_id = period if isinstance(period, str) else period.id
    unit_list = list(units)
    headers = ["unit", "nip", "employee", "period", "rounds", "n", "min_answers", "shown"] + [
        f"{value}_{choice}" for value in BERAKHLAK_VALUES for choice in EXPORT_CHOICES
    ]
    if not unit_list:
        return headers, []
    rounds = list(
        db.session.scalars(
            select(PeerRound).where(
                PeerRound.period_id == period_id, PeerRound.unit_id.in_(sorted(u.id for u in unit_list))
            )
        )
    )
    if not rounds:
        return headers, []
    by_id = {r.id: r for r in rounds}
    rated: dict[int, set[int]] = {}
    for round_id, ratee_id in db.session.execute(
        select(PeerRater.round_id, PeerRater.ratee_id)
        .where(PeerRater.round_id.in_(sorted(by_id)))
        .union(select(PeerAnswer.round_id, PeerAnswer.ratee_id).where(PeerAnswer.round_id.in_(sorted(by_id))))
    ):
        rated.setdefault(ratee_id, set()).add(round_id)
    units_by_id = {u.id: u for u in unit_list}
    employees = {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(sorted(rated)))) if rated}
    rows: list[list[object]] = []
    for employee_id in sorted(rated, key=lambda i: (employees[i].name, i)):
        employee_rounds = [by_id[r] for r in sorted(rated[employee_id])]
        result = result_of(employee_id, employee_rounds, with_sentences=False)
        assert result is not None
        unit = units_by_id[employee_rounds[0].unit_id]
        employee = employees[employee_id]
        counts: list[object] = [
            (result.distribution[value][choice] if result.shown else None)
            for value in BERAKHLAK_VALUES
            for choice in EXPORT_CHOICES
        ]
        rows.append(
            [
                unit.slug,
                employee.nip or "",
                employee.name,
                period_id,
                " ".join(str(r.id) for r in employee_rounds),
                result.n,
                result.min_answers,
                result.shown,
                *counts,
            ]
        )
    return headers, rows


def evidence_note(result: PeerResult | None) -> dict[str, Any]:
    """What the appraisal's explanation records about the colleague evidence the form showed."""
    if result is None:
        return {"rounds": [], "n": 0, "shown": False}
    return {"rounds": list(result.round_ids), "n": result.n, "shown": result.shown, "min_answers": result.min_answers}


__all__ = [
    "AnswerInput",
    "PeerError",
    "PeerResult",
    "close_due_rounds",
    "close_round",
    "evidence_for",
    "open_round",
    "peer_feedback_rows",
    "propose_round",
    "requests_of",
    "save_answer",
    "summarise",
]
