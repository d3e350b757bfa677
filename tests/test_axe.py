"""The accessibility checker itself finds what it must (a checker that finds nothing proves nothing)."""

from __future__ import annotations

import pytest

from tests.axe import assert_accessible, axe_violations
from tests.browser_fixtures import browser, live_server, phone  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_a_page_with_an_unlabelled_field_and_an_image_without_text_fails(app, live_server, browser):
    page = phone(browser).new_page()
    page.goto(
        "data:text/html,<!doctype html><html lang=id><title>x</title><main>"
        "<form><input type=text name=q></form><img src=x.png></main></html>"
    )
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"label", "image-alt"} <= found
    with pytest.raises(AssertionError, match="axe-core found"):
        assert_accessible(page)
