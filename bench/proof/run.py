"""``python -m bench.proof [--quick]``: set the deployment up, run every suite, reconcile, report, tear down."""

from __future__ import annotations

import argparse
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .client import Answer, Browser
from .forms import FuzzResult, Walk, fuzz_form, log_in, walk
from .hostile import ballot_stuffing, schemathesis, self_rating
from .load import LoadRun, Target, Window, drive, event_key, judge
from .receipts import reconcile_events, reconcile_surveys
from .report import RELIABILITY, Hostile, PhaseResult, markdown, write
from .services import Gunicorn, PostgresCluster, RedisServer, SetupError, run_flask

RAISED_LIMIT = "100000 per minute"
DEMO_PASSWORD = "suarawarga-demo"  # noqa: S105 - the documented demo password
STAFF = ("admin.bogor", "atasan.bogor", "petugas.bogor")
ROLES = ("admin", "admin.bogor", "sdm", "atasan.bogor", "petugas.bogor")
SELF_RATER = "petugas.bogor"


_T0 = time.monotonic()


def log(message: str = "") -> None:
    print(f"{time.monotonic() - _T0:6.1f}s {message}" if message else "", flush=True)


def parse_args(argv: Iterable[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.proof", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts and short outages (CI, < 5 minutes)")
    parser.add_argument("--tasks", type=int, help="client tasks of the plain load (default 1500; quick 150)")
    parser.add_argument("--fault-seconds", type=float, help="length of the load under faults (default 150; quick 45)")
    parser.add_argument("--concurrency", type=int, default=6, help="simultaneous clients (default 6)")
    parser.add_argument("--examples", type=int, help="hypothesis posts per HTML form (default 25; quick 4)")
    parser.add_argument("--api-examples", type=int, help="schemathesis cases per operation (default 60; quick 8)")
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--redis-port", type=int, default=56379)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--no-docs", action="store_true", help=f"do not write {RELIABILITY.name}")
    parser.add_argument("--report", type=Path, default=RELIABILITY, help="the file to write the section to")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data)")
    options = parser.parse_args(argv)
    q = options.quick
    options.tasks = options.tasks or (150 if q else 1500)
    options.fault_seconds = options.fault_seconds or (45.0 if q else 150.0)
    options.examples = options.examples or (4 if q else 25)
    options.api_examples = options.api_examples or (8 if q else 60)
    options.pg_down_s = 5.0 if q else 10.0
    options.redis_down_s = 5.0 if q else 10.0
    options.max_pages = 12 if q else 40
    options.repeats = 6 if q else 15
    return options


# --------------------------------------------------------------------------------------------------------------
# The database, read directly (psycopg): the harness's own reading of what was stored


class Ledger:
    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.conninfo, connect_timeout=10) as connection:
            return list(connection.execute(sql, params or {}).fetchall())

    def top_response_id(self) -> int:
        return int(self.rows("SELECT coalesce(max(id), 0) FROM survey_responses")[0][0])

    def submission_keys(self, since_id: int) -> list[str]:
        return [
            r[0] for r in self.rows("SELECT submission_key FROM survey_responses WHERE id > %(i)s", {"i": since_id})
        ]

    def statuses(self, since_id: int) -> Tally[str]:
        sql = "SELECT status, count(*) FROM survey_responses WHERE id > %(i)s GROUP BY status"
        return Tally({status: int(n) for status, n in self.rows(sql, {"i": since_id})})

    def valid_for_login(self, login: str, since_id: int) -> int:
        sql = (
            "SELECT count(*) FROM survey_responses r JOIN users u ON u.employee_id = r.employee_id "
            "WHERE u.login = %(login)s AND r.id > %(i)s AND r.status = 'valid'"
        )
        return int(self.rows(sql, {"login": login, "i": since_id})[0][0])

    def events(self, prefix: str) -> list[tuple[str, str, str]]:
        sql = (
            "SELECT t.external_id, e.event, e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
            "WHERE t.external_id LIKE %(p)s"
        )
        return [event_key(x, e, at) for x, e, at in self.rows(sql, {"p": prefix + "%"})]

    def counters(self, unit: str) -> list[tuple[str, str]]:
        sql = (
            "SELECT c.public_code, s.name FROM counters c JOIN units u ON u.id = c.unit_id "
            "JOIN counter_service_types cs ON cs.counter_id = c.id JOIN service_types s ON s.id = cs.service_type_id "
            "WHERE u.slug = %(u)s AND c.active ORDER BY c.public_code, s.name"
        )
        return [(code, name) for code, name in self.rows(sql, {"u": unit})]


# --------------------------------------------------------------------------------------------------------------


#: One pair of keys per run: every gunicorn of the run must verify the same QR links and session cookies.
KEYS = {"SECRET_KEY": secrets.token_hex(32), "QR_SIGNING_KEY": secrets.token_hex(32)}


def app_env(database_url: str, redis_url: str, *, raised: bool) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SURVEY_", "RATELIMIT_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url,
        **KEYS,
        PUBLIC_BASE_URL="http://127.0.0.1",
        RATELIMIT_STORAGE_URI=redis_url,
        PYTHONDONTWRITEBYTECODE="1",
    )
    if raised:  # the load comes from one address: the per-network cap would otherwise refuse it
        env.update(SURVEY_LIMIT_PER_BROWSER=RAISED_LIMIT, SURVEY_LIMIT_PER_IP=RAISED_LIMIT)
    return env


def survey_paths(env: dict[str, str]) -> dict[str, str]:
    """Public code -> survey path of every active counter, from ``flask welcome``."""
    found = {}
    for match in re.finditer(r"https?://[^/\s]+(/s/([A-Z]+\d+)/\S+)", run_flask(["welcome"], env)):
        found[match.group(2)] = match.group(1)
    if not found:
        raise SetupError("flask welcome printed no survey link: did demo-data run?")
    return found


def target_for(server: Gunicorn, paths: dict[str, str], token: str, ledger: Ledger, max_pages: int) -> Target:
    staff, pages = {}, {}
    for login in STAFF:
        browser = Browser(server.port, agent=f"suara-proof staff {login}")
        if not log_in(browser, login, DEMO_PASSWORD):
            raise SetupError(f"cannot log in as {login}")
        seen = walk(browser, login, ["/akun", "/loket/", "/admin/"], max_pages=max_pages)
        staff[login] = browser
        pages[login] = [p for p, s in seen.pages.items() if s == 200 and not re.search(r"\.(png|svg)|/cetak", p)]
    code = sorted(paths)[0]
    public = ["/", "/masuk", "/api/v1/openapi.json", paths[code] + "/terima-kasih"]
    bogor = [p for c, p in sorted(paths.items()) if c.startswith("BGR")] or list(paths.values())
    return Target(
        server.port, bogor + list(paths.values()), token, ledger.counters("dukcapil-bogor"), staff, pages, public
    )


def reconcile(run: LoadRun, ledger: Ledger, since_id: int, server: Gunicorn, logged_before: int) -> PhaseResult:
    verdict = judge(run)
    surveys = reconcile_surveys(run.surveys, ledger.submission_keys(since_id))
    events = reconcile_events(run.batches, ledger.events(f"proof-{run.name}-"))
    return PhaseResult(run, verdict, surveys, events, logged=server.exceptions()[logged_before:])


def recovery_of(run: LoadRun, window: Window) -> str:
    """How the service came back: when the first write was accepted after it, how long clients saw failures."""

    def failed(answer: Answer) -> bool:
        return answer.status == 0 or answer.status >= 500

    later = [w.started for w in run.windows if w.started > window.started]
    until = min(later, default=window.restored + 30)
    accepted = sorted(
        r.answer.started + r.answer.ms / 1000
        for r in run.records
        if r.answer.started >= window.restored
        and (r.answer.status == 303 if r.kind == "survey_post" else r.kind == "events" and r.answer.status == 200)
    )
    failures = [
        r.answer.started for r in run.records if window.started <= r.answer.started < until and failed(r.answer)
    ]
    parts = [
        f"first write accepted {accepted[0] - window.restored:.1f} s after it was back"
        if accepted
        else "no write accepted afterwards"
    ]
    if failures:
        parts.append(f"{len(failures)} failed answers over {max(failures) - min(failures):.1f} s")
        late = [t for t in failures if t > window.restored + 1.5]
        if late:
            parts.append(f"{len(late)} of them more than 1.5 s after it was back")
    else:
        parts.append("no client saw a failure")
    return "; ".join(parts)


def fault_schedule(options: argparse.Namespace) -> list[tuple[float, str]]:
    """(seconds into the load, fault): spread over the load, each over before the next begins."""
    span = options.fault_seconds
    if options.quick:
        return [(span * 0.15, "pg_down"), (span * 0.45, "redis_down"), (span * 0.7, "worker_kill")]
    return [
        (span * 0.1, "pg_restart"),
        (span * 0.25, "pg_down"),
        (span * 0.5, "redis_down"),
        (span * 0.72, "worker_kill"),
        (span * 0.8, "worker_kill"),
    ]


def inject(kind: str, pg: PostgresCluster, redis: RedisServer, server: Gunicorn, options: argparse.Namespace) -> Window:
    window = Window(kind, time.monotonic())
    if kind == "pg_restart":
        pg.restart()
        window.detail = "PostgreSQL restarted (`pg_ctl restart -m fast`)"
    elif kind == "pg_down":
        pg.stop("immediate")
        time.sleep(options.pg_down_s)
        pg.start()
        window.detail = f"PostgreSQL stopped `-m immediate` (as if it crashed) for {options.pg_down_s:.0f} s"
    elif kind == "redis_down":
        redis.stop()
        time.sleep(options.redis_down_s)
        redis.start()
        window.detail = f"Redis (rate-limit storage) stopped for {options.redis_down_s:.0f} s"
    elif kind == "worker_kill":
        pid = server.kill_worker()
        deadline = time.monotonic() + 30
        while len(server.worker_pids()) < server.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        window.detail = f"gunicorn worker {pid} killed with SIGKILL; the master forked a new one"
    window.restored = time.monotonic()
    window.detail += f" (back after {window.restored - window.started:.1f} s)"
    log(f"  fault {kind}: {window.detail}")
    return window


def ticket_survey_path(port: int, token: str, run: LoadRun) -> str | None:
    """The survey link of a ticket the load finished, as the API gives it to the queue machine."""
    for batch in run.batches:
        for external_id, event, _at in sorted(batch.acknowledged):
            if event != "finished":
                continue
            answer = Browser(port).get(f"/api/v1/tickets/{external_id}", headers={"Authorization": f"Bearer {token}"})
            url = (answer.json() or {}).get("survey_url") if answer.status == 200 else None
            if url:
                return "/" + url.split("/", 3)[3]
    return None


def fuzz_everything(
    port: int, paths: dict[str, str], options: argparse.Namespace, extra: list[str]
) -> tuple[list[Walk], list[FuzzResult]]:
    """Walk as every demo role (and a visitor, from ``extra`` too), then post generated values to each form."""
    walks, chosen = [], {}
    visitor = Browser(port, agent="suara-proof fuzz visitor")
    start = ["/", "/masuk", *sorted(paths.values())[:2], *extra]
    walks.append(walk(visitor, "visitor", start, max_pages=options.max_pages))
    browsers = {"visitor": visitor}
    for login in ROLES:
        browser = Browser(port, agent=f"suara-proof fuzz {login}")
        if not log_in(browser, login, DEMO_PASSWORD):
            walks.append(Walk(login, {"/masuk": 401}))
            continue
        browsers[login] = browser
        walks.append(walk(browser, login, ["/akun", "/loket/", "/admin/"], max_pages=options.max_pages))
    for seen in walks:
        for signature, form in seen.forms.items():
            if signature[1] == "/keluar":  # logging out would end the session of the role being fuzzed
                continue
            chosen.setdefault(signature, (seen.role, form))
    results = []
    # Revoking a poster makes the counter's QR links (and so its survey form) 404: such forms go last.
    order = sorted(chosen.items(), key=lambda item: ("cabut" in item[0][1], item[0]))
    for n, (_signature, (role, form)) in enumerate(order):
        result = fuzz_form(browsers[role], form, examples=options.examples, seed=options.seed + n)
        result.form += f" as {role}"
        results.append(result)
        log(f"  {result.form}: {result.posts} posts, {dict(result.statuses)}")
    return walks, results


def main(argv: Iterable[str] | None = None) -> int:
    options = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="suara-proof-"))
    pg = PostgresCluster(workdir, options.pg_port)
    redis = RedisServer(workdir, options.redis_port)
    servers: list[Gunicorn] = []
    load = faults = None
    hostile = None
    setup: dict[str, str] = {}
    failures: list[str] = []
    started = time.monotonic()
    try:
        log(f"[setup] PostgreSQL cluster on 127.0.0.1:{options.pg_port}, Redis on 127.0.0.1:{options.redis_port} ...")
        pg.init()
        redis.start()
        ledger = Ledger(pg.url.replace("postgresql+psycopg://", "postgresql://"))
        env = app_env(pg.url, redis.url, raised=True)
        run_flask(["db", "upgrade"], env)
        log("  " + run_flask(["demo-data"], env).strip().replace("\n", "\n  "))
        token = run_flask(["api-token", "create", "--unit", "dukcapil-bogor", "--name", "proof"], env).split()[-1]
        paths = survey_paths(env)
        version = ledger.rows("SHOW server_version")[0][0]
        import gunicorn

        setup["deployment"] = (
            f"gunicorn {gunicorn.__version__} (2 sync workers), PostgreSQL {version.split()[0]} (own cluster), "
            f"Redis {redis_version()} (own server, rate-limit storage); {options.concurrency} concurrent clients"
        )

        server = Gunicorn(workdir, env, workers=2, name="load")
        servers.append(server)
        server.start()
        target = target_for(server, paths, token, ledger, options.max_pages)

        log(f"[load] {options.tasks} client tasks, {options.concurrency} at a time ...")
        since = ledger.top_response_id()
        run = LoadRun("load")
        drive(target, run, tasks=options.tasks, concurrency=options.concurrency, max_seconds=600, seed=options.seed)
        load = reconcile(run, ledger, since, server, 0)
        log(
            f"  {len(run.outcomes)} tasks in {run.wall_s:.1f}s; 5xx {len(load.verdict.server_errors)}; "
            f"lost {load.surveys.lost + load.events.lost}; "
            f"duplicated {load.surveys.duplicated + load.events.duplicated}"
        )
        failures += [f"load: {f}" for f in load.failures(faults=False)]

        log(f"[faults] {options.fault_seconds:.0f} s of load with {len(fault_schedule(options))} faults ...")
        logged_before = len(server.exceptions())
        since = ledger.top_response_id()
        run = LoadRun("faults")
        driver = threading.Thread(
            target=drive,
            args=(target, run),
            kwargs={
                "tasks": 1_000_000,
                "concurrency": options.concurrency,
                "max_seconds": options.fault_seconds,
                "seed": options.seed + 1,
            },
            daemon=True,
        )
        t0 = time.monotonic()
        driver.start()
        for at, kind in fault_schedule(options):
            time.sleep(max(0.0, t0 + at - time.monotonic()))
            run.windows.append(inject(kind, pg, redis, server, options))
        driver.join(options.fault_seconds + 120)
        faults = reconcile(run, ledger, since, server, logged_before)
        faults.recovery = [(w.kind, recovery_of(run, w)) for w in run.windows]
        log(
            f"  {len(run.outcomes)} tasks in {run.wall_s:.1f}s; 5xx {len(faults.verdict.server_errors)}; "
            f"503 while PostgreSQL down {faults.verdict.db_down_503}; lost {faults.surveys.lost + faults.events.lost}; "
            f"duplicated {faults.surveys.duplicated + faults.events.duplicated}"
        )
        failures += [f"faults: {f}" for f in faults.failures(faults=True)]
        server.stop()

        log("[hostile] the real limits: ballot stuffing, self-rating, schemathesis, every HTML form ...")
        hostile_env = app_env(pg.url, redis.url, raised=False)
        server = Gunicorn(workdir, hostile_env, workers=2, name="hostile")
        servers.append(server)
        server.start()
        scenarios = ballot_stuffing(
            server.port,
            [p for c, p in sorted(paths.items()) if c.startswith("BGR")],
            repeats=options.repeats,
            count_rows=ledger.statuses,
            top_id=ledger.top_response_id,
        )
        scenarios.append(
            self_rating(
                server.port,
                paths,
                SELF_RATER,
                DEMO_PASSWORD,
                repeats=3,
                count_rows=ledger.statuses,
                top_id=ledger.top_response_id,
                valid_for=lambda since_id: ledger.valid_for_login(SELF_RATER, since_id),
            )
        )
        for sc in scenarios:
            log(
                f"  {sc.name}: {sc.posts} posts, {sc.accepted} accepted, refused {dict(sc.refused)}, "
                f"stored {dict(sc.stored)}"
            )
        schema = schemathesis(
            server.base,
            token,
            workdir,
            max_examples=options.api_examples,
            max_time=25 if options.quick else 240,
            seed=options.seed,
        )
        log(
            f"  schemathesis: {schema.operations} operations, {schema.cases} cases, {schema.server_errors} server "
            f"errors, {schema.conformance_failures} conformance failures {schema.error}"
        )
        stuck = unanswered(server, ledger, workdir)
        if stuck:
            failures.append(f"hostile: after schemathesis the server did not answer GET / ({stuck})")
        ticket_path = ticket_survey_path(server.port, token, load.run)
        walks, fuzz = fuzz_everything(server.port, paths, options, [ticket_path] if ticket_path else [])
        hostile = Hostile(schema, walks, fuzz, scenarios)
        failures += [f"hostile: {f}" for f in hostile.failures()]
    except SetupError as error:
        log(f"ERROR: {error}")
        failures.append(f"setup: {str(error).splitlines()[0]}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for server in servers:
            server.stop()
        redis.stop()
        pg.shutdown()
        if options.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    name = "proof_quick" if options.quick else "proof"
    if not options.no_docs:
        write(markdown(name, options, load, faults, hostile, failures, setup), options.report)
        log(f"wrote {options.report} (section {name})")
    log(f"\n=== make proof{' QUICK=1' if options.quick else ''}: {time.monotonic() - started:.0f} s ===")
    for failure in failures:
        log(f"FAILED {failure}")
    log("every criterion passed" if not failures else f"{len(failures)} criteria FAILED")
    return 1 if failures else 0


def unanswered(server: Gunicorn, ledger: Ledger, workdir: Path) -> str:
    """Empty when the server answers ``GET /``; else what it was doing: its workers, the database's busy sessions
    and the tail of its log, written to ``hostile-unanswered.txt`` in the work directory (kept with ``--keep``)."""
    answer = Browser(server.port, agent="suara-proof liveness").get("/")
    if answer.status:
        return ""
    lines = [f"GET / -> {answer.error or 'no answer'} after {answer.ms:.0f} ms", f"workers: {server.worker_pids()}"]
    try:
        lines += [
            " | ".join(str(v) for v in row)
            for row in ledger.rows(
                "SELECT pid, state, wait_event_type, wait_event, now() - xact_start, left(query, 120) "
                "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state <> 'idle'"
            )
        ]
    except Exception as error:  # a diagnosis must not end the run
        lines.append(f"pg_stat_activity unreadable: {error}")
    lines += ["gunicorn log:", server.log_tail(60)]
    (workdir / "hostile-unanswered.txt").write_text("\n".join(lines), encoding="utf-8")
    log("  server not answering:\n    " + "\n    ".join(lines[:12]))
    return lines[0]


def redis_version() -> str:
    import subprocess

    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True, timeout=10).stdout
    found = re.search(r"v=(\S+)", out)
    return found.group(1) if found else "?"
