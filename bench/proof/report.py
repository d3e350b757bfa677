"""The proof's figures: the console lines and the dated section of ``docs/reliability.md``.

The full run writes ``<!-- bench:proof -->`` and the quick run ``<!-- bench:proof_quick -->`` (CI runs the quick
one, so it never overwrites the figures of a full run committed by hand); the rest of the file is kept.
"""

from __future__ import annotations

import os
import platform
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench._report import markers, write_docs

from .forms import FuzzResult, Walk
from .hostile import Scenario, SchemaRun
from .load import LoadRun, Verdict, percentile
from .receipts import Reconciliation

RELIABILITY = Path(__file__).resolve().parent.parent.parent / "docs" / "reliability.md"
TITLE = (
    "# Reliability\n\nFigures written by `make proof` (README, *Keep them closed*); each form of the run replaces "
    "only its own section.\n"
)
KINDS = ("survey_get", "survey_post", "events", "staff_page", "public_page")


@dataclass
class PhaseResult:
    run: LoadRun
    verdict: Verdict
    surveys: Reconciliation
    events: Reconciliation
    recovery: list[tuple[str, str]] = field(default_factory=list)  # (fault, how the service came back)
    logged: list[str] = field(default_factory=list)  # exception classes gunicorn logged meanwhile

    def failures(self, *, faults: bool) -> list[str]:
        found = []
        v = self.verdict
        for label, rec in (("survey forms", self.surveys), ("ticket events", self.events)):
            if rec.lost:
                found.append(f"{rec.lost} {label} acknowledged but lost")
            if rec.duplicated:
                found.append(f"{rec.duplicated} {label} duplicated")
            if rec.half_written:
                found.append(f"{rec.half_written} unacknowledged batches half-written")
            if rec.refused_but_stored:
                found.append(f"{rec.refused_but_stored} {label} refused but stored")
        if v.server_errors:
            found.append(f"{len(v.server_errors)} 5xx answers (not counting 503s while PostgreSQL was down)")
        if v.bad_503:
            found.append(f"{len(v.bad_503)} 503s while PostgreSQL was down lacked Retry-After or a clear body")
        if v.unexpected:
            found.append("unexpected answers: " + ", ".join(f"{n}x {k}" for k, n in v.unexpected.most_common(6)))
        if v.connection_errors_outside_faults:
            found.append(f"{v.connection_errors_outside_faults} dropped connections outside any fault")
        bad_endings = {k: n for k, n in v.gave_up.items() if "(last 503)" not in k}
        if bad_endings:
            found.append("clients that gave up: " + ", ".join(f"{n}x {k}" for k, n in bad_endings.items()))
        if not faults and v.gave_up:
            found.append(f"{sum(v.gave_up.values())} clients gave up without a fault")
        return found


@dataclass
class Hostile:
    schema: SchemaRun | None
    walks: list[Walk]
    fuzz: list[FuzzResult]
    scenarios: list[Scenario]

    def failures(self) -> list[str]:
        found = []
        if self.schema is not None and not self.schema.ok:
            s = self.schema
            found.append(
                f"schemathesis: {s.server_errors} server errors, {s.conformance_failures} conformance failures"
                + (f", {s.error}" if s.error else "")
                + f" (exit {s.exit_code})"
            )
        for walk in self.walks:
            if walk.server_errors:
                found.append(f"pages as {walk.role}: " + "; ".join(walk.server_errors[:3]))
        for result in self.fuzz:
            if result.server_errors:
                found.append(f"{len(result.server_errors)} 5xx posting {result.form}")
        for scenario in self.scenarios:
            if scenario.server_errors:
                found.append(f"{scenario.server_errors} 5xx in the {scenario.name} script")
            if scenario.name == "self_rating" and scenario.valid_for_self != 0:
                found.append(
                    "self-rating: the script could not run"
                    if scenario.valid_for_self is None
                    else f"self-rating: {scenario.valid_for_self} valid answers for the staff member rating themselves"
                )
        return found


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:.0f}"


def latency_rows(verdict: Verdict, wall_s: float) -> list[str]:
    rows = ["| requests | answered | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    for kind in KINDS:
        values = verdict.by_kind.get(kind, [])
        rows.append(
            f"| {kind.replace('_', ' ')} | {len(values)} | {_ms(percentile(values, 50))} | "
            f"{_ms(percentile(values, 99))} |"
        )
    answered = sum(len(v) for v in verdict.by_kind.values())
    rows.append(
        f"| **all** ({answered / wall_s if wall_s else 0:.1f} req/s) | {answered} | "
        f"{_ms(percentile(sorted(x for v in verdict.by_kind.values() for x in v), 50))} | "
        f"{_ms(percentile(sorted(x for v in verdict.by_kind.values() for x in v), 99))} |"
    )
    return rows


def reconciliation_line(label: str, rec: Reconciliation) -> str:
    return (
        f"- {label}: {rec.receipts} sent, {rec.accepted} acknowledged, {rec.stored} stored; **{rec.lost} lost, "
        f"{rec.duplicated} duplicated**, {rec.half_written} half-written; never acknowledged: "
        f"{rec.unknown_stored} stored, {rec.unknown_absent} not stored"
        + (f" (e.g. {'; '.join(rec.examples[:2])})" if rec.examples else "")
    )


def phase_lines(title: str, phase: PhaseResult, *, faults: bool) -> list[str]:
    v, run = phase.verdict, phase.run
    out = [f"### {title}", ""]
    tasks = len(run.outcomes)
    out.append(
        f"{tasks} client tasks in {run.wall_s:.1f} s, {v.requests} requests (retries included); "
        f"**{len(v.server_errors)} 5xx**"
        + (
            f", {v.db_down_503} 503s while PostgreSQL was down (counted apart; {len(v.bad_503)} of them without "
            "Retry-After or a clear body)"
            if faults
            else ""
        )
        + f", {v.connection_errors} dropped connections"
        + (f" ({v.connection_errors_outside_faults} outside any fault)" if faults else "")
        + "."
    )
    out += ["", *latency_rows(v, run.wall_s), ""]
    out.append(reconciliation_line("Survey forms", phase.surveys))
    out.append(reconciliation_line("Ticket events", phase.events))
    if v.gave_up:
        out.append(
            "- Clients that gave up after their retries: "
            + ", ".join(f"{n}× {k}" for k, n in sorted(v.gave_up.items()))
        )
    if v.unexpected:
        out.append("- Unexpected answers: " + ", ".join(f"{n}× {k}" for k, n in v.unexpected.most_common(8)))
    if faults:
        out += ["", "| fault | what happened | recovery |", "|---|---|---|"]
        for window, (_kind, recovery) in zip(run.windows, phase.recovery, strict=True):
            out.append(f"| {window.kind.replace('_', ' ')} | {window.detail} | {recovery} |")
    if v.server_errors:
        out.append("")
        out.append(
            "5xx answers: "
            + "; ".join(f"{n}× {kind}" for kind, n in v.server_error_kinds.most_common())
            + f" (first: `{v.server_errors[0]}`)"
        )
    if v.bad_503:
        out.append("")
        out.append("Unclear 503s (first 3): " + "; ".join(f"`{e}`" for e in v.bad_503[:3]))
    if phase.logged:
        out.append("")
        logged = Tally(phase.logged)
        out.append(
            "Exceptions in gunicorn's log (chained ones included): "
            + ", ".join(f"`{name}` ×{n}" for name, n in logged.most_common(6))
        )
    out.append("")
    return out


def markdown(
    name: str,
    options: object,
    load: PhaseResult | None,
    faults: PhaseResult | None,
    hostile: Hostile | None,
    failures: list[str],
    setup: dict[str, str],
) -> str:
    begin, end = markers(name)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    quick = getattr(options, "quick", False)
    out = [
        begin,
        f"## `make proof{' QUICK=1' if quick else ''}` ({'quick form' if quick else 'full form'})",
        "",
        f"- Date: {now}; machine: {os.cpu_count()} CPU(s), {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}",
        f"- Deployment on loopback: {setup.get('deployment', '')}",
        f"- Verdict: **{'PASSED' if not failures else 'FAILED'}**"
        + ("" if not failures else f" ({len(failures)} criteria failed, listed at the end)"),
        "",
    ]
    if load:
        out += phase_lines("Load", load, faults=False)
    if faults:
        out += phase_lines("Faults under load", faults, faults=True)
    if hostile:
        out += ["### Hostile input", ""]
        s = hostile.schema
        if s is not None:
            out.append(
                f"- schemathesis ({s.command}): {s.operations} operations, {s.cases} cases; **{s.server_errors} "
                f"server errors, {s.conformance_failures} conformance failures**"
                + (
                    f" ({', '.join(f'{k} {n}' for k, n in s.failures_by_check.most_common())})"
                    if s.failures_by_check
                    else ""
                )
                + (f"; {s.error}" if s.error else "")
            )
            for example in s.examples[:6]:
                out.append(f"  - `{example}`")
        pages = sum(len(w.pages) for w in hostile.walks)
        out.append(
            f"- Pages walked as {', '.join(w.role for w in hostile.walks)}: {pages} GETs, "
            f"{sum(len(w.server_errors) for w in hostile.walks)} 5xx"
        )
        posts = sum(r.posts for r in hostile.fuzz)
        errors = sum(len(r.server_errors) for r in hostile.fuzz)
        out.append(f"- Hypothesis posts to {len(hostile.fuzz)} HTML forms: {posts} posts, **{errors} 5xx**")
        out += ["", "| form | posts | answers | 5xx |", "|---|---:|---|---:|"]
        for r in hostile.fuzz:
            answers = ", ".join(f"{status or 'none'}×{n}" for status, n in sorted(r.statuses.items()))
            out.append(f"| `{r.form}` | {r.posts} | {answers} | {len(r.server_errors)} |")
        for r in hostile.fuzz:
            for error in r.server_errors[:2]:
                out.append(f"\n`{r.form}`: `{error[:250]}`")
        out += [
            "",
            "| script | what | posts | accepted | refused | valid | duplicate | flagged | other |",
            "|---|---|---:|---:|---|---:|---:|---:|---|",
        ]
        for sc in hostile.scenarios:
            refused = ", ".join(f"{status or 'none'}×{n}" for status, n in sorted(sc.refused.items())) or "0"
            other = ", ".join(f"{k} {n}" for k, n in sc.stored.items() if k not in ("valid", "duplicate", "flagged"))
            out.append(
                f"| {sc.name} | {sc.description} | {sc.posts} | {sc.accepted} | {refused} | {sc.stored['valid']} | "
                f"{sc.stored['duplicate']} | {sc.stored['flagged']} | {other or '–'} |"
            )
        self_rating = next((sc for sc in hostile.scenarios if sc.name == "self_rating"), None)
        if self_rating is not None:
            out.append(
                f"\nSelf-rating: **{self_rating.valid_for_self if self_rating.valid_for_self is not None else 'n/a'} "
                "valid answers** for the staff member who rated themselves (must be 0)."
            )
        out.append("")
    if failures:
        out += ["### Criteria that failed", ""] + [f"- {failure}" for failure in failures] + [""]
    out.append(end)
    return "\n".join(out)


def write(section: str, path: Path = RELIABILITY) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TITLE, encoding="utf-8")
    write_docs(section, path)
