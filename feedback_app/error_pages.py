"""Error pages in the visitor's language; never a stack trace."""

from __future__ import annotations

import sqlite3

from flask import Flask, Response, current_app, g, make_response, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .extensions import login_manager
from .i18n import lazy_gettext as _l

MESSAGES = {
    400: (
        _l("Permintaan tidak dapat diproses"),
        _l("Data yang dikirim tidak lengkap atau tidak sah. Muat ulang halaman lalu coba lagi."),
    ),
    403: (_l("Akses ditolak"), _l("Akun Anda tidak berhak membuka halaman ini.")),
    404: (
        _l("Halaman tidak ditemukan"),
        _l("Alamat ini tidak dikenal. Jika Anda memindai kode QR, pastikan kode QR itu yang terpasang di loket."),
    ),
    405: (_l("Cara akses tidak didukung"), _l("Halaman ini tidak dapat dibuka dengan cara tersebut.")),
    410: (_l("Tidak tersedia lagi"), _l("Halaman ini sudah tidak aktif.")),
    413: (_l("Data terlalu besar"), _l("Isian yang dikirim terlalu panjang. Persingkat lalu kirim lagi.")),
    429: (
        _l("Terlalu banyak pengiriman"),
        _l("Terlalu banyak isian dari perangkat atau jaringan ini. Silakan coba lagi nanti."),
    ),
    500: (_l("Terjadi kesalahan"), _l("Maaf, terjadi kesalahan di sistem kami. Silakan coba lagi beberapa saat lagi.")),
    503: (
        _l("Layanan sedang tidak tersedia"),
        _l(
            "Sistem sedang tidak dapat menyimpan atau membaca data. Isian Anda belum tersimpan: "
            "kembali ke halaman sebelumnya lalu kirim lagi dalam satu menit."
        ),
    ),
}

#: Seconds a client is asked to wait (``Retry-After``) while the database cannot be reached.
RETRY_AFTER_SECONDS = 30

#: SQLite's own words for a database that is there but cannot be used right now.
_SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open database file", "disk I/O")


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached or used now (not that a query is wrong)."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.OperationalError):
        return str(error.orig).startswith(_SQLITE_UNAVAILABLE)
    # psycopg: connection refused or lost, server shutting down, too many clients, a statement cancelled.
    return isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError))


def _page(code: int, headers: dict[str, str] | None = None) -> Response:
    title, message = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    response = make_response(render_template("errors/error.html", code=code, title=title, message=message), code)
    response.headers.update(headers or {})
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return _page(400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.response is not None:  # a view already built its own page (e.g. inactive counter)
            return error.response
        headers = {name: value for name, value in error.get_headers() if name.lower() == "retry-after"}
        return _page(error.code or 500, headers)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> Response:
        return _page(500)

    @app.errorhandler(sa_exc.SQLAlchemyError)
    def database_error(error: sa_exc.SQLAlchemyError) -> ResponseReturnValue:
        """Database down: 503 with Retry-After (a page, or JSON under /api/v1), never a bare 500. The request's
        transaction is rolled back when its session ends, so nothing is half-written."""
        if not database_unavailable(error):
            raise error  # a real fault: logged with its traceback, then the 500 page
        reason = getattr(error, "orig", None) or error
        current_app.logger.warning("Database unavailable, answered 503: %s", str(reason).splitlines()[0][:200])
        # The page must not ask the database again: a logged-in user's account would be loaded for the menu.
        g._login_user = login_manager.anonymous_user()
        return current_app.handle_http_exception(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))
