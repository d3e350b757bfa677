"""The benchmark's fixed choices: the target ratio, workers, the raised rate limit, the profiled packages."""

from __future__ import annotations

from bench import _postgres as postgres
from bench._report import markers

BEGIN, END = markers("survey_load")


TARGET_RATIO = 0.35


NOISY_SHARE = 0.10


PG_BENCH_DATABASE = postgres.BENCH_DATABASES[0]


RAISED_LIMIT = "100000 per minute"


WORKERS = 2


ANSWER_FIELDS = tuple(f"u{i}" for i in range(1, 10))


HIDDEN_FIELDS = ("csrf_token", "duty", "submission_key")


PROFILED_PACKAGES = (
    "feedback_app",
    "jinja2",
    "sqlalchemy",
    "wtforms",
    "flask_limiter",
    "werkzeug",
    "flask_wtf",
    "flask_babel",
    "flask_sqlalchemy",
    "flask_login",
    "limits",
    "itsdangerous",
    "babel",
    "flask",
    "templates",
)
