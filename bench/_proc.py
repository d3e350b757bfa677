"""What every process on the machine has spent so far, from ``/proc``: the benchmarks' noise and server CPU."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Process:
    """One process: its kernel name, command line (``commands=True``), CPU-seconds so far, session and parent."""

    name: str
    command: str
    cpu_seconds: float
    session: int
    parent: int


def processes(*, commands: bool = False) -> dict[int, Process]:
    """Every visible process by pid (empty where there is no ``/proc``); ``commands`` reads their command lines
    too (kernel threads keep their name), cut to 60 characters."""
    table: dict[int, Process] = {}
    try:
        pids = [int(entry.name) for entry in os.scandir("/proc") if entry.name.isdigit()]
    except OSError:
        return table
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            name = stat[stat.find("(") + 1 : stat.rfind(")")]
            fields = stat.rpartition(")")[2].split()
            command = name
            if commands:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                command = command.strip()[:60] or name
            table[pid] = Process(
                name, command, (int(fields[11]) + int(fields[12])) / ticks, int(fields[3]), int(fields[1])
            )
        except (OSError, ValueError, IndexError):
            continue
    return table
