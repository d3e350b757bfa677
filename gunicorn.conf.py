"""gunicorn's settings for Suara Warga (``make run`` and the README's deployment line use this file).

Logs keep no personal data (issue 9.8): there is no access log (it would hold every client's address and the
ticket-survey links), and the error log, which also receives the app's own loggers, goes through
``feedback_app.logs.RedactFilter`` so that no line holds a client address, a token or a fingerprint (gunicorn
itself writes "Invalid request from ip=..." for a malformed request). How many processes and threads run is given
on the command line (``make run``: one process, eight threads; the deployment line: four workers).
"""

from __future__ import annotations

import logging

from gunicorn.glogging import Logger

from feedback_app.logs import RedactFilter

accesslog = None
errorlog = "-"
loglevel = "info"
# gunicorn 25.1+ runs a control socket (for ``gunicornc``) on an asyncio thread in the master, stopped and restarted
# around every fork of a worker; on a loaded machine that thread may not stop in time and a worker forked beside it
# can hang at boot (gunicorn #3509, #3648), and every gunicorn of one account shares its path ($HOME/.gunicorn).
# Nothing here uses it: the master forks plain, and a worker lost to a timeout is always replaced.
control_socket_disable = True


class RedactingLogger(Logger):
    """gunicorn's logger with every error-log handler redacting; Python's root logger (the app, Flask-Limiter,
    SQLAlchemy) writes through the same handlers."""

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        super().setup(cfg)
        root = logging.getLogger()
        for handler in self.error_log.handlers:
            if not any(isinstance(existing, RedactFilter) for existing in handler.filters):
                handler.addFilter(RedactFilter())
            if handler not in root.handlers:
                root.addHandler(handler)
        # Root stays at WARNING: at INFO, SQLAlchemy would log every statement.
        logging.getLogger("sqlalchemy").setLevel(logging.WARNING)

    def access(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        """No access log, whatever the command line says."""


logger_class = RedactingLogger
