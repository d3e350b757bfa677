"""Suara Warga: citizens' SKM answers at the counter, turned into fair indicators for the staff who served them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Flask, Response, g, request
from flask_babel import format_datetime, get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ROOT, load_config
from .extensions import NETWORK_LIMIT_KEY, babel, csrf, db, limiter, login_manager, migrate
from .logs import redact_logs


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, error pages, CLI."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=None,
    )
    if config and config.get("TESTING"):
        app.testing = True
    load_config(app, config)

    redact_logs(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories=str(ROOT / "feedback_app" / "translations")
    )
    limiter.init_app(app)
    from .security import hashed_client_ip

    app.extensions[NETWORK_LIMIT_KEY] = hashed_client_ip  # the limiter's default key (see extensions)
    from .services import jobs

    jobs.init_app(app)
    from .request_guard import init_request_guard

    init_request_guard(app)  # before the views' own hooks see the request

    from . import access  # noqa: F401  (registers the user loader)
    from .blueprints import admin, complaints, console, hr, public, staff, supervisor, survey
    from .blueprints import auth as auth_views

    for blueprint in (
        public.bp,
        survey.bp,
        auth_views.bp,
        admin.bp,
        console.bp,
        staff.bp,
        supervisor.bp,
        hr.bp,
        complaints.bp,
    ):
        app.register_blueprint(blueprint)

    from .error_pages import register_error_handlers

    register_error_handlers(app)
    from .blueprints.api import init_api

    init_api(app)  # after the HTML error pages: errors under /api/v1 become JSON, the rest stay pages
    app.after_request(remember_language)
    from .headers import init_security_headers

    init_security_headers(app)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["current_language"] = current_language

    from .cli import register_cli

    register_cli(app)
    return app


def select_locale() -> str:
    """Indonesian unless the visitor chose English (``?lang=en``, remembered in a cookie)."""
    languages = ("id", "en")
    chosen = request.args.get("lang") or request.cookies.get("lang")
    g.language = chosen if chosen in languages else "id"
    return g.language


def current_language() -> str:
    """The page's language. Asks Flask-Babel, so the choice is made even on a page that has translated nothing yet
    (``<html lang>`` and the switch come first in every template)."""
    return str(get_locale() or "id")


def remember_language(response: Response) -> Response:
    if request.args.get("lang") in ("id", "en"):
        response.set_cookie("lang", request.args["lang"], max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def local_time(instant: datetime | None, zone: str, fmt: str = "d MMM yyyy HH:mm") -> str:
    """Format a UTC instant in a unit's zone with its WIB/WITA/WIT suffix."""
    if instant is None:
        return "–"
    from zoneinfo import ZoneInfo

    from .models import ZONE_ABBREVIATIONS

    local = instant.astimezone(ZoneInfo(zone))
    return f"{format_datetime(local.replace(tzinfo=None), fmt, rebase=False)} {ZONE_ABBREVIATIONS.get(zone, zone)}"
