"""Are the scores fair? A simulation against known truth (issue 15): ``.venv/bin/python -m bench.fairness``.

Synthetic units whose employees have a known true service quality collect SKM answers with realistic noise and a
ceiling (most answers 3 or 4); some service types and one counter rate lower whatever the employee; in one
scenario raters mark down one group of employees (sex digit 2 of the NIP). Each employee's figure is computed with
the real :mod:`scoring` functions — the raw ikp, the ikp shrunk toward the unit (spec §2.2) and the service-mix–
adjusted ikp (issue 15) — for n = 5 to 300 answers per employee, and compared with the truth: Spearman rank
correlation, the share put in the wrong half, the share put in the bottom decile wrongly, and how often the mutu
grade the figure suggests differs from the grade of the true index; each averaged over a fixed set of seeds with a
95% t-interval. The bias audit (:func:`scoring.bias_audit`) runs on every unit: how often it flags the sex gap with
and without a rater bias. Every parameter is printed with the results; the same arguments give the same output.

``--small`` is the quick form the test suite runs; ``--output`` writes the Markdown report (docs/fairness.md by
default for the full run).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from statistics import NormalDist

from scoring import (
    DEFAULT_PARAMETERS,
    UNSUR,
    GroupStats,
    SatisfactionStats,
    ServiceMixStats,
    bias_audit,
    grade,
    ikp_adjusted_indicator,
    ikp_indicator,
    round_half_up,
    t_critical,
)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "fairness.md"
ESTIMATES = ("raw", "shrunk", "adjusted")
ESTIMATE_NAMES = {
    "raw": "raw mean (ikp raw)",
    "shrunk": "shrunk (ikp, spec §2.2)",
    "adjusted": "service-mix adjusted, shrunk (ikp_adjusted)",
}
METRICS = ("spearman", "wrong_half", "wrong_bottom_decile", "grade_flip")
METRIC_NAMES = {
    "spearman": "Spearman ρ with the truth (higher is better)",
    "wrong_half": "share in the wrong half (lower is better)",
    "wrong_bottom_decile": "share of the bottom decile wrongly there (lower is better)",
    "grade_flip": "share whose suggested mutu grade differs from the truth's (lower is better)",
}
#: The estimate each headline_estimate value shows first.
HEADLINE_OF = {"shrunk": "ikp", "adjusted": "ikp_adjusted"}


@dataclass(frozen=True)
class Service:
    """A service type: its effect on every answer (answer points) whatever the employee."""

    name: str
    effect: float


@dataclass(frozen=True)
class Settings:
    """Every parameter of a simulation; all of them are printed with the results."""

    seeds: tuple[int, ...] = tuple(range(1, 21))
    units: int = 3
    counters_per_unit: int = 3
    employees_per_counter: int = 10
    n_levels: tuple[int, ...] = (5, 10, 30, 100, 300)
    quality_mean: float = 3.2  # true service quality on the 1–4 answer scale
    quality_sd: float = 0.25
    respondent_sd: float = 0.45  # one citizen's mood, shared by the three ikp answers
    item_sd: float = 0.35  # noise of each answer
    services: tuple[Service, ...] = (
        Service("ktp_el", 0.0),
        Service("kk", 0.0),
        Service("akta_kelahiran", 0.0),
        Service("akta_kematian", -0.35),
        Service("surat_pindah", -0.35),
        Service("pengaduan", -0.5),
    )
    #: Per counter (loket 1, 2, 3): the share of the hard services (the last three), and its own effect.
    counter_hard_share: tuple[float, ...] = (0.1, 0.4, 0.85)
    counter_effect: tuple[float, ...] = (0.0, 0.0, -0.1)
    ticket_share: float = 0.6  # answers whose service type comes from their ticket
    respondent_share: float = 0.2  # ... from the respondent's choice; the rest from the counter's mix
    female_share: float = 0.5
    no_nip_share: float = 0.15  # non-ASN staff without NIP: sex unknown
    rater_bias: float = 0.15  # answer points taken off for employees with sex digit 2 (bias scenario)
    shrinkage_k: int = DEFAULT_PARAMETERS.shrinkage_k
    publication_threshold: int = DEFAULT_PARAMETERS.publication_threshold
    scenarios: tuple[str, ...] = ("baseline", "service_mix", "rater_bias")

    def scenario(self, name: str) -> tuple[bool, float]:
        """(service-mix effects on, rater bias) of a scenario."""
        return {"baseline": (False, 0.0), "service_mix": (True, 0.0), "rater_bias": (True, self.rater_bias)}[name]


FULL = Settings()
SMALL = Settings(seeds=(1, 2, 3), units=1, employees_per_counter=6, n_levels=(5, 30), scenarios=("service_mix",))


@dataclass
class Employee:
    """One simulated employee and the answers they collected (prefix sums by n)."""

    unit: int
    counter: int
    quality: float
    sex: str  # "1", "2" or "unknown"
    employment_type: str
    answers: list[tuple[int, int, int, str | None, int]] = field(default_factory=list)  # u3, u6, u7, type, source


def _answer(latent: float) -> int:
    return 1 if latent < 1.5 else 2 if latent < 2.5 else 3 if latent < 3.5 else 4


def true_index(quality: float, settings: Settings) -> float:
    """The ikp an employee earns from unbiased raters on neutral work: 25 × E[answer] (answers censored at 1 and 4)."""
    sd = math.hypot(settings.respondent_sd, settings.item_sd)
    cdf = [NormalDist(quality, sd).cdf(cut) for cut in (1.5, 2.5, 3.5)]
    probabilities = [cdf[0], cdf[1] - cdf[0], cdf[2] - cdf[1], 1 - cdf[2]]
    return 25 * sum((a + 1) * p for a, p in enumerate(probabilities))


def simulate_unit(unit: int, settings: Settings, scenario: str, rng: random.Random) -> list[Employee]:
    """The employees of one unit with max(n_levels) answers each."""
    with_mix, bias = settings.scenario(scenario)
    easy = list(settings.services[:3])
    hard = list(settings.services[3:])
    employees = []
    for counter in range(settings.counters_per_unit):
        for _ in range(settings.employees_per_counter):
            no_nip = rng.random() < settings.no_nip_share
            sex = "unknown" if no_nip else ("2" if rng.random() < settings.female_share else "1")
            kind = "non-ASN" if no_nip else rng.choice(("PNS", "PNS", "PPPK"))
            employees.append(Employee(unit, counter, rng.gauss(settings.quality_mean, settings.quality_sd), sex, kind))
    most = max(settings.n_levels)
    for person in employees:
        hard_share = settings.counter_hard_share[person.counter]
        shift = (settings.counter_effect[person.counter] if with_mix else 0.0) - (bias if person.sex == "2" else 0.0)
        for _ in range(most):
            service = rng.choice(hard) if rng.random() < hard_share else rng.choice(easy)
            mood = rng.gauss(0.0, settings.respondent_sd)
            centre = person.quality + shift + mood + (service.effect if with_mix else 0.0)
            u3, u6, u7 = (_answer(centre + rng.gauss(0.0, settings.item_sd)) for _ in range(3))
            draw = rng.random()
            source = (
                0
                if draw < settings.ticket_share
                else 1
                if draw < settings.ticket_share + settings.respondent_share
                else 2
            )
            person.answers.append((u3, u6, u7, service.name if source < 2 else None, source))
    return employees


def _stats(answers: Sequence[tuple[int, int, int, str | None, int]]) -> SatisfactionStats:
    """SatisfactionStats of answers whose six other unsur are all 3 (only the ikp unsur matter here)."""
    counts = {code: [0, 0, 0, 0] for code in UNSUR}
    raw = raw_sq = 0
    for u3, u6, u7, _type, _source in answers:
        counts["U3"][u3 - 1] += 1
        counts["U6"][u6 - 1] += 1
        counts["U7"][u7 - 1] += 1
        r = u3 + u6 + u7
        raw += r
        raw_sq += r * r
    n = len(answers)
    for code in ("U1", "U2", "U4", "U5", "U8", "U9"):
        counts[code][2] = n
    ikm_sq = raw_sq + 36 * raw + 324 * n  # Σ(18 + r)²
    return SatisfactionStats(
        n,
        {c: tuple(v) for c, v in counts.items()},
        18 * n + raw,
        ikm_sq,
        raw,
        raw_sq,  # type: ignore[arg-type]
    )


def _counter_mix(settings: Settings, counter: int) -> dict[str, Fraction]:
    """The counter's mix of ticket service types (what an answer without a type is split over)."""
    hard_share = Fraction(str(settings.counter_hard_share[counter]))
    easy, hard = settings.services[:3], settings.services[3:]
    mix = {s.name: (1 - hard_share) / len(easy) for s in easy}
    mix.update({s.name: hard_share / len(hard) for s in hard})
    return mix


def _mix(answers: Sequence[tuple[int, int, int, str | None, int]], settings: Settings, counter: int) -> ServiceMixStats:
    strata: dict[str, list[Fraction]] = {}
    sources = {"ticket": 0, "respondent": 0, "counter_mix": 0}
    shares = _counter_mix(settings, counter)
    for u3, u6, u7, service, source in answers:
        r = u3 + u6 + u7
        sources[("ticket", "respondent", "counter_mix")[source]] += 1
        split = {service: Fraction(1)} if service is not None else shares
        for name, weight in split.items():
            cell = strata.setdefault(name, [Fraction(0), Fraction(0)])
            cell[0] += weight
            cell[1] += weight * r
    return ServiceMixStats({k: (w, r) for k, (w, r) in strata.items()}, sources)


def _merge(mixes: Sequence[ServiceMixStats]) -> ServiceMixStats:
    strata: dict[str, list[Fraction]] = {}
    for mix in mixes:
        for name, (w, r) in mix.strata.items():
            cell = strata.setdefault(name, [Fraction(0), Fraction(0)])
            cell[0] += w
            cell[1] += r
    return ServiceMixStats({k: (w, r) for k, (w, r) in strata.items()})


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's ρ with average ranks for ties."""
    rx, ry = _ranks(x), _ranks(y)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else 0.0


def _metrics(estimates: Sequence[float], truth: Sequence[float]) -> dict[str, float]:
    count = len(truth)
    true_rank, est_rank = _ranks(truth), _ranks(estimates)
    half = (count - 1) / 2
    wrong_half = sum((t > half) != (e > half) for t, e in zip(true_rank, est_rank)) / count
    decile = max(1, math.ceil(count / 10))
    bottom_true = set(sorted(range(count), key=lambda i: truth[i])[:decile])
    bottom_est = sorted(range(count), key=lambda i: (estimates[i], i))[:decile]
    wrong_bottom = sum(i not in bottom_true for i in bottom_est) / decile
    flips = (
        sum(
            grade(round_half_up(Decimal(repr(e)))) != grade(round_half_up(Decimal(repr(t))))
            for e, t in zip(estimates, truth)
        )
        / count
    )
    return {
        "spearman": spearman(estimates, truth),
        "wrong_half": wrong_half,
        "wrong_bottom_decile": wrong_bottom,
        "grade_flip": flips,
    }


@dataclass
class Tally:
    """Per scenario, n and estimate: one value per seed of each metric; per n: audit flags."""

    values: dict[tuple[str, int, str, str], list[float]] = field(default_factory=dict)
    audit: dict[tuple[str, int], list[int]] = field(default_factory=dict)  # (scenario, n) -> [units, flagged]

    def add(self, key: tuple[str, int, str, str], value: float) -> None:
        self.values.setdefault(key, []).append(value)


def _score_unit(
    employees: list[Employee], n: int, settings: Settings
) -> tuple[dict[str, list[float]], list[float], bool]:
    """Each estimate of each employee at n answers, the truth, and whether the audit flagged the sex gap."""
    parameters = replace(
        DEFAULT_PARAMETERS, shrinkage_k=settings.shrinkage_k, publication_threshold=settings.publication_threshold
    )
    stats = [_stats(e.answers[:n]) for e in employees]
    mixes = [_mix(e.answers[:n], settings, e.counter) for e in employees]
    unit_stats = _stats([a for e in employees for a in e.answers[:n]])
    unit_mix = _merge(mixes)
    out: dict[str, list[float]] = {name: [] for name in ESTIMATES}
    for mine, mix in zip(stats, mixes):
        plain = ikp_indicator(mine, unit_stats, parameters)
        adjusted = ikp_adjusted_indicator(mine, mix, unit_stats, unit_mix, parameters)
        assert plain.raw is not None and plain.shrunk is not None and adjusted.shrunk is not None
        out["raw"].append(float(plain.raw))
        out["shrunk"].append(float(plain.shrunk))
        out["adjusted"].append(float(adjusted.shrunk))
    by_sex: dict[str, list[tuple[int, int]]] = {}
    for person, mine in zip(employees, stats):
        by_sex.setdefault(person.sex, []).append((mine.n, mine.ikp_raw_sum))
    audit = bias_audit([GroupStats("sex", sex, tuple(members)) for sex, members in by_sex.items()], parameters)
    flagged = any(c.dimension == "sex" and c.flagged for c in audit.comparisons)
    return out, [true_index(e.quality, settings) for e in employees], flagged


def run(settings: Settings, progress: Callable[[int, int], None] | None = None) -> Tally:
    """Simulate every scenario and seed and tally the metrics."""
    tally = Tally()
    total, done = len(settings.scenarios) * len(settings.seeds), 0
    for scenario in settings.scenarios:
        for seed in settings.seeds:
            per_estimate: dict[tuple[int, str, str], list[float]] = {}
            for unit in range(settings.units):
                rng = random.Random(f"{scenario}:{seed}:{unit}")
                employees = simulate_unit(unit, settings, scenario, rng)
                for n in settings.n_levels:
                    estimates, truth, flagged = _score_unit(employees, n, settings)
                    cell = tally.audit.setdefault((scenario, n), [0, 0])
                    cell[0] += 1
                    cell[1] += int(flagged)
                    for name, values in estimates.items():
                        for metric, value in _metrics(values, truth).items():
                            per_estimate.setdefault((n, name, metric), []).append(value)
            for (n, name, metric), values in per_estimate.items():
                tally.add((scenario, n, name, metric), statistics.fmean(values))
            done += 1
            if progress:
                progress(done, total)
    return tally


def interval(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and 95% t-interval over seeds."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, mean, mean
    half = t_critical(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def _cell(values: Sequence[float]) -> str:
    mean, low, high = interval(values)
    return f"{mean:.3f} ({low:.3f}–{high:.3f})"


def best_estimate(tally: Tally, scenario: str, n: int) -> str:
    """The estimate with the highest mean Spearman ρ in ``scenario`` at ``n``."""
    return max(ESTIMATES, key=lambda name: statistics.fmean(tally.values[(scenario, n, name, "spearman")]))


def paired_difference(tally: Tally, scenario: str, n: int, better: str, worse: str) -> tuple[float, float, float]:
    """Spearman ρ of ``better`` minus that of ``worse``, seed by seed, with its 95% interval."""
    a = tally.values[(scenario, n, better, "spearman")]
    b = tally.values[(scenario, n, worse, "spearman")]
    return interval([x - y for x, y in zip(a, b)])


def report(settings: Settings, tally: Tally) -> str:
    """The Markdown report: parameters, tables per scenario, the audit, and the conclusions."""
    lines = [
        "# Are the scores fair? A simulation against known truth",
        "",
        "Written by `.venv/bin/python -m bench.fairness` (issue 15); rerun it to reproduce every figure: the seeds "
        "are fixed, so the same arguments give the same file. Figures are means over the seeds with a 95% "
        "t-interval over seeds in brackets; metrics are computed within each unit (as appraisal compares the "
        "people of one unit) and averaged over units. Estimates are computed with the real `scoring` functions: "
        "`ikp_indicator` (raw and shrunk) and `ikp_adjusted_indicator` (service-mix adjusted, shrunk).",
        "",
        "## Parameters",
        "",
        "| parameter | value |",
        "|---|---|",
    ]
    for key, value in asdict(settings).items():
        if key == "services":
            value = ", ".join(f"{s['name']} {s['effect']:+.2f}" for s in value)
        lines.append(f"| {key} | {value} |")
    lines += [
        "",
        "The model: an answer is the employee's true quality + the service type's effect + the counter's effect "
        "− the rater bias (employees with sex digit 2, bias scenario only) + the citizen's mood (shared by the "
        "three answers) + the answer's own noise, rounded and censored to 1–4. The truth is the ikp the employee "
        "earns from unbiased raters on neutral work, 25 × E[answer]. An answer's service type is its ticket's or "
        "the respondent's choice (shares above); otherwise it is split over the counter's mix of service types. "
        "`grade_flip` compares the mutu grade (A–D, spec §1.3) of the figure with the grade of the true index.",
    ]
    for scenario in settings.scenarios:
        with_mix, bias = settings.scenario(scenario)
        lines += [
            "",
            f"## Scenario `{scenario}` (service-mix effects {'on' if with_mix else 'off'}, rater bias {bias:.2f})",
        ]
        for metric in METRICS:
            lines += [
                "",
                f"**{METRIC_NAMES[metric]}**",
                "",
                "| n | " + " | ".join(ESTIMATE_NAMES[e] for e in ESTIMATES) + " |",
            ]
            lines.append("|---|" + "---|" * len(ESTIMATES))
            for n in settings.n_levels:
                cells = [_cell(tally.values[(scenario, n, e, metric)]) for e in ESTIMATES]
                lines.append(f"| {n} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Bias audit",
        "",
        "Share of unit audits (`scoring.bias_audit`, Holm-corrected, groups of at least 5 employees and "
        f"{settings.publication_threshold} answers) that flagged the sex gap.",
        "",
        "| scenario | " + " | ".join(f"n = {n}" for n in settings.n_levels) + " |",
        "|---|" + "---|" * len(settings.n_levels),
    ]
    for scenario in settings.scenarios:
        cells = []
        for n in settings.n_levels:
            units, flagged = tally.audit[(scenario, n)]
            cells.append(f"{flagged / units:.2f} ({flagged}/{units})")
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Without a rater bias the audit flags about as often as its 5% error rate allows. A bias of "
        f"{settings.rater_bias:.2f} answer points (about {20 * settings.rater_bias:.0f} index points) is smaller than "
        "the spread of true quality between the dozen employees of each sex in a unit of "
        f"{settings.counters_per_unit * settings.employees_per_counter}, so one unit's audit often cannot tell it "
        "from chance: the audit only flags what the data can show. The test suite "
        "(tests/scoring/test_scoring_bias.py) states the size it detects: 0.5 answer points in a unit of 60 "
        "employees with 100 answers each is flagged in every one of 20 seeds, and without a bias 95% or more of the "
        "seeds flag nothing.",
    ]
    lines += ["", "## Conclusions", ""]
    lines.append(
        "- Within a unit the raw and the shrunk ikp rank employees identically when all have the same n (shrinkage "
        "toward one unit mean is monotone); shrinkage changes the figures, and so the grades, not the order."
    )
    if "service_mix" in settings.scenarios:
        for n in (n for n in (10, 30, 100) if n in settings.n_levels):
            best = best_estimate(tally, "service_mix", n)
            lines.append(f"- Service-mix scenario, n = {n}: **{ESTIMATE_NAMES[best]}** ranks closest to the truth.")
        if 30 in settings.n_levels:
            mean, low, high = paired_difference(tally, "service_mix", 30, "adjusted", "raw")
            verdict = (
                "ranks closer to the truth than the raw mean, outside the seeds' interval"
                if low > 0
                else "does **not** rank closer to the truth than the raw mean beyond the seeds' interval"
            )
            figures = ", ".join(f"{e} {_cell(tally.values[('service_mix', 30, e, 'spearman')])}" for e in ESTIMATES)
            lines.append(
                f"- At n = 30 the adjusted estimate {verdict}: Spearman ρ difference {mean:+.3f} "
                f"({low:+.3f} to {high:+.3f}); the three estimates: {figures}."
            )
        winners = {best_estimate(tally, "service_mix", n) for n in (10, 30, 100) if n in settings.n_levels}
        headline = HEADLINE_OF.get(next(iter(winners))) if len(winners) == 1 else None
        if headline:
            lines.append(
                f"- Default of the run parameter `headline_estimate`: **`{headline}`** (this code's default: "
                f"`{DEFAULT_PARAMETERS.headline_estimate}`)."
            )
        else:
            lines.append(
                "- No single shrunk estimate ranks closest at n = 10, 30 and 100; `headline_estimate` keeps "
                f"`{DEFAULT_PARAMETERS.headline_estimate}`."
            )
    return "\n".join(lines) + "\n"


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} scenario-seeds", end="", file=sys.stderr)
    if done == total:
        print(file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulation and write its report."""
    parser = argparse.ArgumentParser(prog="python -m bench.fairness", description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="the quick form the test suite runs")
    parser.add_argument("--seeds", type=int, help="how many seeds (1, 2, …); default 20 (3 with --small)")
    parser.add_argument("--output", type=Path, help="where to write the report (default docs/fairness.md)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    settings = SMALL if args.small else FULL
    if args.seeds is not None:
        if args.seeds < 2:
            parser.error("--seeds must be at least 2 (an interval over seeds needs two)")
        settings = replace(settings, seeds=tuple(range(1, args.seeds + 1)))
    output = args.output or (None if args.small else DOCS)
    started = time.perf_counter()
    tally = run(settings, None if args.quiet else _progress)
    text = report(settings, tally)
    print(f"simulated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    print(text)
    return 0


def iter_units(settings: Settings, scenario: str, seeds: Sequence[int]) -> Iterator[list[Employee]]:
    """The simulated units of ``scenario`` for ``seeds`` (the tests audit them)."""
    for seed in seeds:
        for unit in range(settings.units):
            yield simulate_unit(unit, settings, scenario, random.Random(f"{scenario}:{seed}:{unit}"))


if __name__ == "__main__":
    raise SystemExit(main())
