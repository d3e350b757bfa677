"""The deployment under proof: its own PostgreSQL cluster, its own Redis and gunicorn, all on loopback.

Each server runs in a process group of its own, started and stopped only by this harness, on ports nobody else
uses (PostgreSQL 55432, Redis 56379 by default), so restarting or stopping one disturbs no other database or cache
on the machine. Every wait is bounded; ``stop`` is safe to call twice and runs on exit, errors and Ctrl-C alike.
"""

from __future__ import annotations

import glob
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


class SetupError(RuntimeError):
    """A server would not start: the proof cannot run (exit 2)."""


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is no owner
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_group(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """End a process we started in its own session (and its children): ``sig``, then SIGKILL after ``timeout``."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    located = shutil.which(name)
    if not located:
        raise SetupError(f"{name} not found (install PostgreSQL: apt-get install postgresql)")
    return located


class PostgresCluster:
    """A throw-away cluster in ``workdir`` (initdb, pg_ctl), run as the ``postgres`` user when we are root."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.port = port
        self.data = workdir / "pgdata"
        self.log = workdir / "postgres.log"
        self.started = False
        self._user = None
        if os.geteuid() == 0:  # initdb refuses root
            try:
                self._user = pwd.getpwnam("postgres")
            except KeyError:
                raise SetupError("running as root but there is no 'postgres' user for initdb") from None

    def _run(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self._user is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd="/"
        )
        if check and completed.returncode != 0:
            raise SetupError(f"{' '.join(args[:2])} failed:\n{completed.stdout}\n{completed.stderr}\n{self.log_tail()}")
        return completed

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/suara_proof"

    def init(self) -> None:
        if not port_free(self.port):
            raise SetupError(f"port {self.port} is taken: another proof run, or pass --pg-port")
        self.data.parent.chmod(0o755)
        self.data.mkdir()
        self.log.touch()
        if self._user is not None:
            os.chown(self.data, self._user.pw_uid, self._user.pw_gid)
            os.chown(self.log, self._user.pw_uid, self._user.pw_gid)
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.data}'\n"
                "max_connections = 60\nshared_buffers = 64MB\nlog_min_messages = warning\n"
            )
        self.start()
        self._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "suara_proof")

    def start(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        """``fast`` (clean shutdown) or ``immediate`` (as if the server died: crash recovery at the next start)."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)
        self.started = False

    def restart(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")
        self.started = True

    def shutdown(self) -> None:
        if self.data.exists() and (self.data / "postmaster.pid").exists():
            self.stop("fast")


class RedisServer:
    """``redis-server`` on its own port, no persistence, in its own process group."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise SetupError("redis-server not found (apt-get install redis-server)")
        if not port_free(self.port):
            raise SetupError(f"port {self.port} is taken: another proof run, or pass --redis-port")
        # redis-server listens on IPv4 and IPv6 loopback by default; bind to 127.0.0.1 only.
        self.process = subprocess.Popen(
            [
                *(binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log"), "--protected-mode", "yes"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise SetupError(f"redis-server did not start on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)
            self.process = None


_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)):? ")


class Gunicorn:
    """``gunicorn wsgi:app`` with ``workers`` sync workers on one loopback port; its workers can be killed."""

    def __init__(self, workdir: Path, env: dict[str, str], *, workers: int, name: str) -> None:
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.log = workdir / f"gunicorn-{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/") -> None:
        # The deployment's own settings (no access log, a redacting error log, no control socket), as `make run`.
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers"]
        command += [str(self.workers), "--timeout", "30", "--graceful-timeout", "10", "--log-level", "warning"]
        command += ["--error-logfile", str(self.log), "wsgi:app"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", ready_path)
                status = connection.getresponse().status
                connection.close()
                if status == 200 and len(self.worker_pids()) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SetupError(f"gunicorn did not answer GET {ready_path} within 60 s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The master's children, from /proc."""
        if self.process is None:
            return []
        children = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == self.process.pid:
                children.append(int(entry.name))
        return sorted(children)

    def kill_worker(self) -> int | None:
        """SIGKILL one worker (the master forks a new one); its pid, or None when there was none."""
        pids = self.worker_pids()
        if not pids:
            return None
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def exceptions(self) -> list[str]:
        """The exception class of every traceback line in the log that names one (chained ones included)."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [found.group(1) for line in lines if (found := _EXCEPTION.match(line))]

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)
            self.process = None


#: Setup commands (the demo data above all) on a machine shared with a busy test suite can take many minutes; a
#: setup bound, not a criterion of the proof.
SETUP_TIMEOUT_S = 1800


def run_flask(args: list[str], env: dict[str, str], timeout: float = SETUP_TIMEOUT_S) -> str:
    """A ``flask`` command of the setup; one that fails or overruns ``timeout`` is a :class:`SetupError`."""
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise SetupError(f"flask {' '.join(args)} did not finish within {timeout:.0f} s") from None
    if completed.returncode != 0:
        raise SetupError(f"flask {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout
