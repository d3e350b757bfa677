"""The gunicorn servers (the app and the floor), each in its own process group on a free loopback port."""

from __future__ import annotations

import http.client
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench._common import ROOT, BenchError
from bench.survey_load.settings import WORKERS


def first_traceback(text: str, tail: int = 8) -> str:
    """The last ``tail`` lines of the first traceback in a log (where the exception itself is named)."""
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("Traceback")), None)
    if start is None:
        return ""
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("[")), len(lines))
    return "\n".join("    " + line for line in lines[start:end][-tail:])


class FirstError(logging.Filter):
    """Silence an in-process app's error log (hundreds of identical tracebacks) but keep the first one."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.text and record.exc_info:
            self.text = first_traceback(logging.Formatter().formatException(record.exc_info))
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn master in its own process group; ``stop`` ends it (and its workers) and nothing else."""

    live: list[Server] = []

    def __init__(self, name: str, app_spec: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = workdir / f"gunicorn-{name}-{self.port}.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
            app_spec,
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        Server.live.append(self)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn ({self.name}) exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", path)
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn ({self.name}) did not answer GET {path} within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self in Server.live:
            Server.live.remove(self)
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # the group we created: the master and its workers
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass

    @classmethod
    def stop_all(cls) -> None:
        for server in list(cls.live):
            server.stop()
