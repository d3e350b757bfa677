"""Issue 9.8: no log line holds a client address, a comment, a fingerprint or a token; SQL parameters never."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import event

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.logs import RedactFilter
from feedback_app.services.tokens import counter_survey_url
from tests.helpers import hidden_fields

ROOT = Path(__file__).resolve().parent.parent
COMMENT = "Petugas Budi minta uang rokok"
ALL_GOOD = {f"u{i}": "4" for i in range(1, 10)}


def test_a_forced_500_logs_neither_the_comment_nor_the_fingerprint_nor_the_token(app, build, clock, caplog):
    counter = build.counter()
    db.session.commit()
    path = counter_survey_url(counter).removeprefix("http://survey.test")
    token = path.rsplit("/", 1)[1]
    # A second app on the same database (the fixture's app fails any test that sees a 500, as it should).
    broken = create_app({**app.config, "PROPAGATE_EXCEPTIONS": False})  # as in production: logged, then a page
    broken.test_client_class = type(app.test_client())
    with broken.app_context():
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute", retval=True)
        def break_the_insert(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("INSERT INTO survey_responses"):
                statement = statement.replace("INSERT INTO survey_responses", "INSERT INTO no_such_table", 1)
            return statement, parameters

        try:
            client = broken.test_client()
            form = hidden_fields(client.get(path).get_data(as_text=True))
            with caplog.at_level("INFO"):
                response = client.post(path, data={**form, **ALL_GOOD, "comment": COMMENT})
        finally:
            event.remove(engine, "before_cursor_execute", break_the_insert)
            db.session.remove()
            engine.dispose()
    assert response.status_code == 500
    assert "Terjadi kesalahan" in response.get_data(as_text=True)
    [record] = [record for record in caplog.records if record.levelname == "ERROR"]
    logged = caplog.text
    assert "no_such_table" in logged  # the error itself is there for the operator...
    assert "SQL parameters hidden" in logged  # ...without its parameters
    assert COMMENT not in logged and "rokok" not in logged
    assert not re.search(r"\b[0-9a-f]{32}\b", logged), "a fingerprint or submission key was logged"
    assert token not in logged and "/s/" + counter.public_code + "/[token]" in logged


def test_the_redact_filter_scrubs_messages_arguments_and_tracebacks():
    import logging

    try:
        raise ValueError("from 198.51.100.23 with sw_AbCdEf123")
    except ValueError:
        import sys as _sys

        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "Exception on %s from %s",
            ("/s/t/Zm9vYmFy", "2001:db8::7"),
            _sys.exc_info(),
        )
    RedactFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "Exception on /s/t/[token] from [address]" in text
    assert "198.51.100.23" not in text and "sw_AbCdEf123" not in text and "Zm9vYmFy" not in text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_logs_no_client_address_and_no_access_lines(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "k",
        "QR_SIGNING_KEY": "q",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    log = tmp_path / "error.log"
    with log.open("w") as sink:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90  # a worker boots in seconds, but the machine may be shared and busy
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/masuk", timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.2)
            with socket.create_connection(("127.0.0.1", port)) as raw:  # gunicorn logs "Invalid request from ip=..."
                raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                raw.recv(1000)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/s/t/c2VjcmV0LXRpY2tldA", timeout=5)
            except urllib.error.HTTPError as error:
                assert error.code == 404
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    text = log.read_text()
    assert "Invalid request from ip=[address]" in text, text
    assert "127.0.0.1" not in text, text
    assert "c2VjcmV0LXRpY2tldA" not in text and "GET /" not in text and "/masuk" not in text  # no access log
    # No control-socket thread in the master: workers are forked plain (gunicorn.conf.py, found by make proof).
    assert "Control socket" not in text, text
