"""Which code is running: recorded with every score run so a stored figure names the code that computed it."""

from __future__ import annotations

import functools
import subprocess
import tomllib
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def code_version() -> str:
    """The code a run was computed with: the short git commit, else the package version (computed once)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607  (git from PATH, like a developer runs it)
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    if commit:
        return commit
    try:
        with (_ROOT / "pyproject.toml").open("rb") as handle:
            return f"v{tomllib.load(handle)['project']['version']}"
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"
