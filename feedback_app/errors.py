"""Error pages in the visitor's language; never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
}


def _page(code: int) -> tuple[str, int]:
    title, message = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return _page(400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.response is not None:  # a view already built its own page (e.g. inactive counter)
            return error.response
        return _page(error.code or 500)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        return _page(500)
