"""Configuration layers: defaults -> instance/config.py -> environment -> test mapping.

Every setting a deployer may change is listed in ``DefaultConfig`` with its default; the README's
"Configuration" section documents the environment variables read by :func:`from_environment`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


class DefaultConfig:
    # Database: SQLite in instance/ unless DATABASE_URL says otherwise (filled in by load_config).
    SQLALCHEMY_DATABASE_URI: str | None = None
    # hide_parameters: an error message never carries SQL parameters (comments, fingerprints) into a log.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}

    SECRET_KEY: str | None = None
    # QR posters are signed with their own key so that SECRET_KEY can change without reprinting.
    QR_SIGNING_KEY: str | None = None
    QR_SIGNING_KEY_ID = "1"
    # Keys that still verify old posters during a rotation: {"key id": "key"}.
    QR_RETIRED_KEYS: dict[str, str] = {}
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"

    # Ballot-stuffing defences on the public survey (see README, "Rate limits").
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down: count in this process's memory (one warning logged), never refuse a citizen's answer with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # A Redis that hangs instead of refusing must not hold every request for long.
    RATELIMIT_STORAGE_OPTIONS: dict[str, Any] = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    SURVEY_LIMIT_PER_BROWSER = "10 per minute;30 per day"
    SURVEY_LIMIT_PER_IP = "300 per hour"
    SURVEY_DUPLICATE_WINDOW_MINUTES = 30
    # Flag rules (services/flags.py, README "Flags"): a flagged answer counts nowhere until a moderator releases it.
    # A ticket answer whose visit (finished - issued) is shorter than this is flagged short_visit.
    FLAG_SHORT_VISIT_SECONDS = 120
    # burst: answers at one counter in the last window beyond max(min answers, factor x max(plausible tickets
    # finished in the window, the counter's usual answers per window over the baseline days' service hours)).
    FLAG_BURST_WINDOW_MINUTES = 15
    FLAG_BURST_MIN_ANSWERS = 6
    FLAG_BURST_FACTOR = 3
    FLAG_BURST_BASELINE_DAYS = 14
    FLAG_BURST_SERVICE_HOURS_PER_DAY = 8
    # fingerprint_many_counters: one browser answering more counters than this inside the window (hours).
    FLAG_FINGERPRINT_MAX_COUNTERS = 3
    FLAG_FINGERPRINT_WINDOW_HOURS = 24
    # These are the defaults; each unit may set its own thresholds (admin inbox, "Ambang tanda").
    # How long the "who is on duty" reference printed into an opened survey page stays authoritative (spec §2.1).
    DUTY_REFERENCE_MAX_AGE_MINUTES = 30
    # A counter sign-in nobody closed stops counting after this many hours.
    SIGN_IN_MAX_HOURS = 12
    # How long the survey QR printed on a queue ticket stays valid.
    TICKET_SURVEY_MAX_AGE_DAYS = 7
    # Complaint answers are mailed through this SMTP server when set (no authentication: a local relay).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_FROM = "suara-warga@localhost"
    # Answers, tickets and their events older than this are dropped by `flask db retention` (PostgreSQL).
    HISTORY_RETENTION_YEARS = 5
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0 = none).
    TRUSTED_PROXIES = 0

    # Background jobs (score runs): "thread" runs them inside this process (make run, tests); "celery" sends them to
    # Celery workers over CELERY_BROKER_URL (production: Redis). See feedback_app/services/jobs.py.
    JOB_RUNNER = "thread"
    CELERY_BROKER_URL = "redis://127.0.0.1:6379/1"
    # Days after a period ends before its runs are computed automatically (a unit parameter may say otherwise).
    PERIOD_CLOSE_GRACE_DAYS = 3

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")

    # A citizen may wait in the queue for hours between opening the page and submitting it.
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Every form message is our own (Indonesian source, English catalogue); WTForms' catalogue is not needed.
    WTF_I18N_ENABLED = False
    # A staff login ends after this many minutes without a request (the citizen's form token lives on: 8 hours).
    SESSION_IDLE_MINUTES = 30
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    MAX_FORM_MEMORY_SIZE = 500_000
    MAX_CONTENT_LENGTH = 2_000_000


#: Environment variables read as strings, and the config key each one sets.
_ENV_STRINGS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "QR_SIGNING_KEY": "QR_SIGNING_KEY",
    "QR_SIGNING_KEY_ID": "QR_SIGNING_KEY_ID",
    "PUBLIC_BASE_URL": "PUBLIC_BASE_URL",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "SURVEY_LIMIT_PER_BROWSER": "SURVEY_LIMIT_PER_BROWSER",
    "SURVEY_LIMIT_PER_IP": "SURVEY_LIMIT_PER_IP",
    "JOB_RUNNER": "JOB_RUNNER",
    "CELERY_BROKER_URL": "CELERY_BROKER_URL",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_FROM": "MAIL_FROM",
}
_ENV_INTS = {
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "SURVEY_DUPLICATE_WINDOW_MINUTES": "SURVEY_DUPLICATE_WINDOW_MINUTES",
    "SIGN_IN_MAX_HOURS": "SIGN_IN_MAX_HOURS",
    "TICKET_SURVEY_MAX_AGE_DAYS": "TICKET_SURVEY_MAX_AGE_DAYS",
    "PERIOD_CLOSE_GRACE_DAYS": "PERIOD_CLOSE_GRACE_DAYS",
    "FLAG_SHORT_VISIT_SECONDS": "FLAG_SHORT_VISIT_SECONDS",
    "FLAG_BURST_WINDOW_MINUTES": "FLAG_BURST_WINDOW_MINUTES",
    "FLAG_BURST_MIN_ANSWERS": "FLAG_BURST_MIN_ANSWERS",
    "FLAG_BURST_FACTOR": "FLAG_BURST_FACTOR",
    "FLAG_BURST_BASELINE_DAYS": "FLAG_BURST_BASELINE_DAYS",
    "FLAG_BURST_SERVICE_HOURS_PER_DAY": "FLAG_BURST_SERVICE_HOURS_PER_DAY",
    "FLAG_FINGERPRINT_MAX_COUNTERS": "FLAG_FINGERPRINT_MAX_COUNTERS",
    "FLAG_FINGERPRINT_WINDOW_HOURS": "FLAG_FINGERPRINT_WINDOW_HOURS",
    "MAIL_PORT": "MAIL_PORT",
    "HISTORY_RETENTION_YEARS": "HISTORY_RETENTION_YEARS",
}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings the process environment overrides."""
    settings: dict[str, Any] = {key: environ[var] for var, key in _ENV_STRINGS.items() if environ.get(var)}
    for var, key in _ENV_INTS.items():
        if environ.get(var):
            settings[key] = int(environ[var])
    if environ.get("QR_RETIRED_KEYS"):
        # "2:old-secret,1:older-secret"
        pairs = (item.split(":", 1) for item in environ["QR_RETIRED_KEYS"].split(",") if ":" in item)
        settings["QR_RETIRED_KEYS"] = {key_id.strip(): key.strip() for key_id, key in pairs}
    return settings


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` forms hosting providers hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` layer by layer and refuse to run in production without real secrets."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment(os.environ))
    if overrides:
        app.config.update(overrides)

    # Whatever engine options a deployment sets, SQL parameters stay out of error messages (issue 9.8).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"hide_parameters": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    uri = app.config["SQLALCHEMY_DATABASE_URI"] or f"sqlite:///{Path(app.instance_path) / 'suara_warga.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    app.config["PUBLIC_BASE_URL"] = app.config["PUBLIC_BASE_URL"].rstrip("/")
    if app.config["PUBLIC_BASE_URL"].startswith("https://"):
        # Served over TLS: no cookie (session, login, browser id) may travel in clear text.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    for key in ("SECRET_KEY", "QR_SIGNING_KEY"):
        if not app.config.get(key):
            if not (app.testing or app.debug):
                raise RuntimeError(
                    f"{key} is not set. Set it in the environment or in instance/config.py "
                    "(`make run` writes a random one for local use)."
                )
            app.config[key] = f"insecure-development-{key.lower()}"
