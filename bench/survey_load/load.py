"""The load: both servers side by side, in alternating rounds, with the CPU other processes used meanwhile."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench._proc import Process, processes
from bench.survey_load.citizens import LoadResult, drive
from bench.survey_load.databases import Database, _command_line, count_rows
from bench.survey_load.servers import Server, first_traceback
from bench.survey_load.setup import Survey


def describe_process(pid: int, name: str) -> str:
    words = _command_line(pid)
    if not words:
        return name
    if len(words) == 1:  # a rewritten process title, e.g. "postgres: 15/main: walwriter"
        return words[0][:60]
    return " ".join([Path(words[0]).name, *words[1:4]])[:60]


def cpu_snapshot() -> tuple[float, float] | None:
    """(CPU-seconds processes have used on the whole machine, CPU-seconds of this process and its reaped children).

    The machine's figure is user + nice + system from /proc/stat: interrupt time (the loopback traffic and disk
    flushes of the load itself) and time stolen by a hypervisor are left out.
    """
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:4]]
    except (OSError, ValueError, IndexError):
        return None
    busy = sum(values) / os.sysconf("SC_CLK_TCK")
    own = os.times()
    return busy, own.user + own.system + own.children_user + own.children_system


@dataclass
class Background:
    """What other processes did to the machine while the load ran."""

    share: float  # of all the CPUs over the load's wall time
    busiest: list[tuple[str, float]]  # (process, CPU-seconds), the few that used the most


def background(
    before: tuple[float, float] | None,
    after: tuple[float, float] | None,
    wall: float,
    table_before: dict[int, Process],
    table_after: dict[int, Process],
    serves_run: Callable[[int, str], bool],
    server_sessions: set[int],
) -> Background | None:
    """CPU used by processes that are not part of the run while it loaded the servers.

    Part of the run: this process (the client), its gunicorn servers (``server_sessions``), the database server's
    processes working for it (``serves_run``: backends, WAL writer, checkpointer) and kernel threads (disk flushes).
    ``after`` is taken once the servers have stopped (their time is then this process's children's time);
    ``table_after`` just before, while the database backends that served them still exist.
    """
    if before is None or after is None or wall <= 0:
        return None
    ticks = 1 / os.sysconf("SC_CLK_TCK")

    def spent(pid: int) -> float:
        earlier = table_before.get(pid)
        return table_after[pid].cpu_seconds - (earlier.cpu_seconds if earlier else 0.0)

    part_of_run = {pid for pid, p in table_after.items() if pid == 2 or p.parent == 2 or serves_run(pid, p.name)}
    foreign = (after[0] - before[0]) - (after[1] - before[1]) - sum(spent(pid) for pid in part_of_run)
    used = []
    for pid, p in table_after.items():
        if pid in part_of_run or pid == os.getpid() or p.session in server_sessions:
            continue
        if spent(pid) >= max(0.2, 5 * ticks):
            used.append((describe_process(pid, p.name), spent(pid)))
    used.sort(key=lambda item: item[1], reverse=True)
    return Background(max(0.0, foreign / (wall * (os.cpu_count() or 1))), used[:3])


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (n < total % parts) for n in range(parts)]


def load_targets(
    targets: list[tuple[str, str, dict[str, str]]],
    database: Database,
    survey: Survey,
    options: argparse.Namespace,
    workdir: Path,
) -> tuple[dict[str, LoadResult], Background | None]:
    """Serve every target at once (an idle server costs nothing), warm each up, then load them in alternation.

    The citizens are split into ``options.rounds`` rounds; in each round every target gets the same citizens (same
    counters, same answers), the order of the targets swapping from round to round, so a background job slowing
    the machine for a while weighs on both. Rows are counted around every phase, which therefore checks each one.
    Also returns the share of the machine's CPU that processes other than this run's used meanwhile.
    """
    database.settle()
    table_before, before, started = processes(), cpu_snapshot(), time.perf_counter()
    servers: dict[str, Server] = {}
    results = {
        name: LoadResult(name, database.label, options.citizens, options.concurrency) for name, _spec, _env in targets
    }
    common = dict(seed=options.seed, timeout=options.timeout, max_seconds=options.max_seconds)

    def server_cpu(name: str) -> float | None:
        """CPU-seconds of a server's master and workers so far (they share the session the master leads)."""
        table = processes()
        session = servers[name].process.pid
        return sum(p.cpu_seconds for p in table.values() if p.session == session) if table else None

    def phase(name: str, citizens: int, first_index: int, timed: bool) -> None:
        result = results[name]
        rows_before, top_before, _ = count_rows(database.url)
        cpu_before = server_cpu(name)
        done, wall = drive(
            servers[name].port, survey.paths, citizens, options.concurrency, first_index=first_index, **common
        )
        cpu_after = server_cpu(name)
        if timed and cpu_before is not None and cpu_after is not None:
            result.server_cpu_s = (result.server_cpu_s or 0.0) + cpu_after - cpu_before
        rows_after, _, not_valid = count_rows(database.url, since_id=top_before)
        result.stored += rows_after - rows_before
        result.not_valid += not_valid
        if timed:
            result.results += done
            result.wall_s += wall
            result.round_rates.append(sum((r.get_ms is not None) + (r.post_ms is not None) for r in done) / wall)
        else:
            result.warmup += done

    try:
        for name, spec, env in targets:
            servers[name] = Server(f"{name}-{database.label.lower()}", spec, env, workdir)
        for name in servers:
            servers[name].wait_ready(survey.paths[0])
        for name in servers:
            phase(name, options.warmup, 1_000_000, timed=False)
        first_index = 0
        for round_number, citizens in enumerate(split(options.citizens, options.rounds)):
            order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
            for name in order:
                phase(name, citizens, first_index, timed=True)
            first_index += citizens
        table_after = processes()  # before the servers stop: the database backends serving them end with them
    finally:
        for server in servers.values():
            server.stop()
    for name, server in servers.items():
        if results[name].server_errors:
            try:
                results[name].server_error = first_traceback(server.log_path.read_text(errors="replace"))
            except OSError:
                pass
    after = cpu_snapshot()
    return results, background(
        before,
        after,
        time.perf_counter() - started,
        table_before,
        table_after,
        database.serves_run,
        {server.process.pid for server in servers.values()},
    )
