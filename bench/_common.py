"""What the benchmark packages share besides their database, process and report helpers: the repository root,
the setup error, the console log and a one-line description of the machine."""

from __future__ import annotations

import os
import platform
from pathlib import Path

#: The repository root: servers and child processes run there, so ``wsgi`` and ``bench`` import.
ROOT = Path(__file__).resolve().parent.parent


class BenchError(RuntimeError):
    """Setup went wrong: the benchmark could not run (exit 2)."""


def log(message: str = "") -> None:
    print(message, flush=True)


def machine() -> str:
    """CPUs (and their model), memory, system and Python, as the reports print them."""
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kib = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return (
        f"{os.cpu_count()} CPU(s){f' ({model})' if model else ''}{memory}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )
