"""scoring is pure: importing all of it loads only the standard library (STYLE.md, spec §6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import importlib, json, pkgutil, sys
before = set(sys.modules)
import scoring
for info in pkgutil.iter_modules(scoring.__path__, "scoring."):
    importlib.import_module(info.name)
print(json.dumps({"file": scoring.__file__, "modules": sorted(set(sys.modules) - before)}))
"""


@pytest.fixture(scope="module")
def imported() -> dict[str, object]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_the_probe_imported_this_checkout_of_every_scoring_module(imported: dict[str, object]) -> None:
    assert Path(str(imported["file"])).resolve() == ROOT / "scoring" / "__init__.py"
    modules = imported["modules"]
    assert isinstance(modules, list)
    for name in (
        "scoring.skm",
        "scoring.stats",
        "scoring.indicators.satisfaction",
        "scoring.appraisal",
        "scoring.periods",
    ):
        assert name in modules


def test_no_web_or_database_module_is_imported(imported: dict[str, object]) -> None:
    forbidden = ("flask", "sqlalchemy", "feedback_app", "werkzeug", "numpy", "scipy")
    modules = imported["modules"]
    assert isinstance(modules, list)
    assert [m for m in modules if m.startswith(forbidden)] == []


def test_only_the_standard_library_is_imported(imported: dict[str, object]) -> None:
    modules = imported["modules"]
    assert isinstance(modules, list)
    top_level = {m.split(".")[0] for m in modules} - {"scoring"}
    assert sorted(top_level - set(sys.stdlib_module_names)) == []


def test_the_package_ships_py_typed() -> None:
    assert (ROOT / "scoring" / "py.typed").is_file()
