"""Configuration: the layers, the refusal to run without secrets, database URLs and the proxy setting."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask

import feedback_app
from feedback_app import create_app
from feedback_app.config import from_environment, load_config, normalise_database_url
from feedback_app.extensions import db
from feedback_app.services.tokens import counter_survey_url
from tests.blueprints.test_survey import ALL_GOOD, path_of
from tests.helpers import hidden_fields

ENVIRONMENT = (
    "DATABASE_URL",
    "SECRET_KEY",
    "QR_SIGNING_KEY",
    "QR_SIGNING_KEY_ID",
    "PUBLIC_BASE_URL",
    "RATELIMIT_STORAGE_URI",
    "SURVEY_LIMIT_PER_BROWSER",
    "SURVEY_LIMIT_PER_IP",
    "TRUSTED_PROXIES",
    "SURVEY_DUPLICATE_WINDOW_MINUTES",
    "SIGN_IN_MAX_HOURS",
    "QR_RETIRED_KEYS",
)
PRODUCTION = {"TESTING": False, "SQLALCHEMY_DATABASE_URI": "sqlite://"}


@pytest.fixture
def clean_environment(monkeypatch):
    """No setting leaks in from the developer's shell."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def bare_app(tmp_path, clean_environment) -> Flask:
    """A Flask app whose instance folder (and so instance/config.py) is an empty temporary directory."""
    return Flask(__name__, instance_path=str(tmp_path), instance_relative_config=True)


# --- secrets -----------------------------------------------------------------------------------------------------


def test_create_app_refuses_to_start_in_production_without_secret_key(tmp_path, clean_environment):
    clean_environment.setattr(feedback_app, "ROOT", tmp_path)  # no instance/config.py of this machine
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({**PRODUCTION, "QR_SIGNING_KEY": "qr"})


def test_load_config_refuses_a_missing_qr_signing_key(bare_app):
    with pytest.raises(RuntimeError, match="QR_SIGNING_KEY is not set"):
        load_config(bare_app, {**PRODUCTION, "SECRET_KEY": "s"})


def test_load_config_refuses_an_empty_secret_key(bare_app):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config(bare_app, {**PRODUCTION, "SECRET_KEY": "", "QR_SIGNING_KEY": "qr"})


@pytest.mark.parametrize("mode", ["TESTING", "DEBUG"])
def test_development_and_tests_get_placeholder_secrets(bare_app, mode):
    load_config(bare_app, {**PRODUCTION, mode: True})
    assert bare_app.config["SECRET_KEY"] == "insecure-development-secret_key"
    assert bare_app.config["QR_SIGNING_KEY"] == "insecure-development-qr_signing_key"


# --- layers ------------------------------------------------------------------------------------------------------


def test_layers_instance_file_then_environment_then_mapping(bare_app, tmp_path, clean_environment):
    (tmp_path / "config.py").write_text(
        'SECRET_KEY = "from-file"\nQR_SIGNING_KEY = "qr-from-file"\nPUBLIC_BASE_URL = "https://file.example/"\n'
    )
    clean_environment.setenv("QR_SIGNING_KEY", "qr-from-env")
    clean_environment.setenv("PUBLIC_BASE_URL", "https://env.example/")
    load_config(bare_app, {"TESTING": False, "PUBLIC_BASE_URL": "https://mapping.example/"})
    assert bare_app.config["SECRET_KEY"] == "from-file"
    assert bare_app.config["QR_SIGNING_KEY"] == "qr-from-env"
    assert bare_app.config["PUBLIC_BASE_URL"] == "https://mapping.example"  # without the trailing slash


def test_default_database_is_sqlite_in_the_instance_folder(bare_app, tmp_path):
    load_config(bare_app, {"TESTING": True})
    assert bare_app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'suara_warga.db'}"


def test_database_url_from_the_environment_is_normalised(bare_app, clean_environment):
    clean_environment.setenv("DATABASE_URL", "postgres://warga:rahasia@db.example:5432/suara")
    load_config(bare_app, {"TESTING": True})
    assert bare_app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://warga:rahasia@db.example:5432/suara"


@pytest.mark.config(PUBLIC_BASE_URL="https://survei.example.go.id/")
def test_an_https_site_sends_its_cookies_only_over_https(client, build):
    counter = build.counter()
    db.session.commit()
    response = client.get("/masuk")  # the CSRF token lives in the session
    [session] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "; Secure" in session
    survey = client.get(urlsplit(counter_survey_url(counter)).path)
    [browser] = [c for c in survey.headers.getlist("Set-Cookie") if c.startswith("sw_browser=")]
    assert "; Secure" in browser


def test_an_http_site_keeps_cookies_usable_over_http(client):
    [session] = [c for c in client.get("/masuk").headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Secure" not in session  # PUBLIC_BASE_URL is http://survey.test here: a local run must still log in


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@host/db", "postgresql+psycopg://u:p@host/db"),
        ("postgresql://u:p@host:6543/db?sslmode=require", "postgresql+psycopg://u:p@host:6543/db?sslmode=require"),
        ("postgresql+psycopg://u@host/db", "postgresql+psycopg://u@host/db"),
        ("sqlite:///instance/suara_warga.db", "sqlite:///instance/suara_warga.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_normalise_database_url(url, expected):
    assert normalise_database_url(url) == expected


def test_from_environment_reads_strings_numbers_and_retired_keys():
    settings = from_environment(
        {
            "DATABASE_URL": "postgres://h/db",
            "TRUSTED_PROXIES": "1",
            "SURVEY_DUPLICATE_WINDOW_MINUTES": "45",
            "QR_RETIRED_KEYS": "2:a,1:b:with-colon",
            "SURVEY_LIMIT_PER_IP": "100 per hour",
            "UNRELATED": "x",
        }
    )
    assert settings == {
        "SQLALCHEMY_DATABASE_URI": "postgres://h/db",  # normalised later, by load_config
        "TRUSTED_PROXIES": 1,
        "SURVEY_DUPLICATE_WINDOW_MINUTES": 45,
        "QR_RETIRED_KEYS": {"2": "a", "1": "b:with-colon"},
        "SURVEY_LIMIT_PER_IP": "100 per hour",
    }


def test_from_environment_ignores_empty_variables():
    assert from_environment({"SECRET_KEY": "", "TRUSTED_PROXIES": "", "QR_RETIRED_KEYS": ""}) == {}


def test_a_non_numeric_number_is_refused():
    with pytest.raises(ValueError):
        from_environment({"TRUSTED_PROXIES": "yes"})


# --- behind a reverse proxy --------------------------------------------------------------------------------------


def submit_from(app, counter, forwarded_for: str):
    """A new browser on the network ``forwarded_for`` (as its proxy reports it) answers the survey."""
    browser = app.test_client()
    headers = {"X-Forwarded-For": forwarded_for}
    form = hidden_fields(browser.get(path_of(counter), headers=headers).get_data(as_text=True))
    return browser.post(path_of(counter), data={**form, **ALL_GOOD}, headers=headers).status_code


@pytest.mark.config(
    TRUSTED_PROXIES=1, RATELIMIT_ENABLED=True, SURVEY_LIMIT_PER_IP="1 per hour", SURVEY_DUPLICATE_WINDOW_MINUTES=0
)
def test_behind_a_trusted_proxy_networks_are_told_apart_by_x_forwarded_for(app, build, clock):
    counter = build.counter()
    db.session.commit()
    assert submit_from(app, counter, "198.51.100.7") == 303
    assert submit_from(app, counter, "203.0.113.9") == 303
    assert submit_from(app, counter, "198.51.100.7") == 429
    # Only the hop the proxy itself appended counts: a client cannot choose its address by prepending one.
    assert submit_from(app, counter, "192.0.2.1, 203.0.113.9") == 429


@pytest.mark.config(
    TRUSTED_PROXIES=0, RATELIMIT_ENABLED=True, SURVEY_LIMIT_PER_IP="1 per hour", SURVEY_DUPLICATE_WINDOW_MINUTES=0
)
def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(app, build, clock):
    counter = build.counter()
    db.session.commit()
    assert submit_from(app, counter, "198.51.100.7") == 303
    assert submit_from(app, counter, "203.0.113.9") == 429  # a forged header does not escape the network limit
