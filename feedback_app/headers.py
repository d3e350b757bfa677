"""Security headers on every response: a Content-Security-Policy with no scripts, no framing, no sniffing, and no
Referer leaving the pages whose URLs carry tokens.

The site needs no JavaScript, so pages may run none. Their inline ``<style>`` blocks carry a per-request nonce
(``{{ csp_nonce() }}`` in the templates); nothing else inline is allowed. The one exception is the API reference
page (``/api/v1/docs``): Swagger UI's own scripts are served by the app ('self') and its one inline start-up script
carries the nonce; the view says so with :func:`allow_own_scripts`.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

#: Paths whose URLs carry a survey or ticket token: a followed link must not tell another site that token.
TOKEN_PATH_PREFIXES = ("/s/", "/api/v1/", "/pengaduan/", "/atur-ulang-sandi/")  # URLs that carry a secret


def csp_nonce() -> str:
    """This response's nonce for inline ``<style>`` (and, on the API reference page, ``<script>``) elements."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_own_scripts() -> None:
    """Let this response run scripts served by the app itself and its nonce-carrying inline script."""
    g.csp_scripts = True


def content_security_policy() -> str:
    nonce = f"'nonce-{g.csp_nonce}'" if "csp_nonce" in g else None
    directives = {
        "default-src": ["'none'"],
        "style-src": [nonce] if nonce else ["'none'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    if g.get("csp_scripts"):
        directives["script-src"] = ["'self'", *([nonce] if nonce else [])]
        directives["style-src"] = ["'self'", *([nonce] if nonce else [])]
        directives["connect-src"] = ["'self'"]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def add_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers that predate it
    # Staff pages keep a same-origin Referer: Flask-WTF checks it on HTTPS form posts (WTF_CSRF_SSL_STRICT).
    token_page = request.path.startswith(TOKEN_PATH_PREFIXES)
    response.headers["Referrer-Policy"] = "no-referrer" if token_page else "same-origin"
    return response


def init_security_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)
