"""Browser fixtures for Playwright tests: a live server and Debian's Chromium (no downloaded browser).

Import the fixtures into a test module (``from tests.browser_fixtures import browser, live_server  # noqa: F401``)
and open contexts with :func:`tablet` or :func:`phone`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.helpers import need_tool

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free local port; QR codes and links point at it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def browser(live_server: str) -> Iterator[Any]:
    """Headless Chromium from the system (a skip on a developer machine without it, a failure in CI)."""
    executable = need_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def tablet(browser: Any, *, javascript: bool = False) -> Any:
    """A landscape tablet at a counter, JavaScript off unless asked: everything must work without it."""
    return browser.new_context(viewport={"width": 1024, "height": 768}, java_script_enabled=javascript, has_touch=True)


def phone(browser: Any) -> Any:
    """A citizen's phone, JavaScript off."""
    return browser.new_context(
        viewport={"width": 360, "height": 740},
        java_script_enabled=False,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
