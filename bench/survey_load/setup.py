"""Setup: the app's environment, the counters and their survey paths, the floor's configuration."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench._common import BenchError
from bench.survey_load.citizens import hidden_inputs
from bench.survey_load.databases import Database
from bench.survey_load.servers import FirstError
from bench.survey_load.settings import RAISED_BURST, RAISED_LIMIT


def bench_env(database_url: str, secret: str, qr_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SURVEY_", "RATELIMIT_", "FLAG_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret,
            "QR_SIGNING_KEY": qr_key,
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "SURVEY_LIMIT_PER_BROWSER": RAISED_LIMIT,
            "SURVEY_LIMIT_PER_IP": RAISED_LIMIT,
            # Hundreds of synthetic citizens a minute at a few counters are a burst by design; like the rate
            # limits the rule is raised out of the way (its counting SELECT still runs on every POST).
            "FLAG_BURST_MIN_ANSWERS": RAISED_BURST,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def make_app(env: dict[str, str]) -> Any:
    """The real app, configured exactly as gunicorn's workers see it (same environment layer)."""
    from feedback_app import create_app
    from feedback_app.config import from_environment

    return create_app(from_environment(env))


def close_app(app: Any) -> None:
    from feedback_app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class Survey:
    paths: list[str]
    page_bytes: dict[str, int]  # public code -> size of the rendered form
    floor_config: Path


def prepare_survey(env: dict[str, str], workdir: Path, database: Database) -> Survey:
    """Render every active counter's form once in-process: its URL, its size, and the floor's copy of it."""
    from sqlalchemy import select

    from feedback_app.clock import now
    from feedback_app.extensions import db
    from feedback_app.models import Counter
    from feedback_app.services.attribution import on_duty
    from feedback_app.services.tokens import counter_survey_url

    app = make_app(env)
    first_error = FirstError()
    app.logger.addFilter(first_error)
    paths, sizes, counters = [], {}, {}
    try:
        with app.app_context():
            for counter in db.session.scalars(select(Counter).where(Counter.active).order_by(Counter.public_code)):
                path = urlsplit(counter_survey_url(counter)).path
                duty = on_duty(counter.id, now())
                attributed = duty.source in ("sign_in", "roster")
                counters[counter.public_code] = {
                    "row": {
                        "unit_id": counter.unit_id,
                        "counter_id": counter.id,
                        "employee_id": duty.employee_id if attributed else None,
                        "counter_assignment_id": duty.assignment_id if attributed else None,
                        "attribution_source": duty.source,
                    }
                }
                paths.append(path)
        client = app.test_client()
        for path in paths:
            code = path.split("/")[2]
            response = client.get(path)
            if response.status_code != 200:
                raise BenchError(f"GET {path} in-process answered {response.status_code}\n{first_error.text}")
            page = response.get_data(as_text=True)
            key = hidden_inputs(page).get("submission_key", "")
            if not re.fullmatch(r"[0-9a-f]{32}", key) or page.count(key) != 1:
                raise BenchError(f"cannot find the submission key in the page of {code}")
            prefix, suffix = page.split(key)
            counters[code].update(page_prefix=prefix, page_suffix=suffix)
            sizes[code] = len(response.get_data())
    finally:
        close_app(app)
    if not paths:
        raise BenchError("no active counter: did demo-data run?")
    floor_config = workdir / f"floor-{database.label.lower()}.json"
    floor_config.write_text(json.dumps({"database_url": database.url, "counters": counters}), encoding="utf-8")
    return Survey(paths, sizes, floor_config)
