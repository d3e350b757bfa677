"""axe-core accessibility checks for browser tests (the npm package, installed by ``make system-deps``).

The pages under test run no JavaScript and forbid scripts by Content-Security-Policy, so axe runs in a sibling
browser context with the same cookies, JavaScript on and CSP bypassed, on the same URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import need_service

AXE_VERSION = "4.14.1"  # keep equal to the version in the Makefile's system-deps
AXE_SCRIPT = Path(__file__).resolve().parent / ".node" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations of the page's current URL."""
    if not AXE_SCRIPT.exists():
        need_service(f"axe-core {AXE_VERSION} (make system-deps installs it)", available=False)
    context = page.context.browser.new_context(
        storage_state=page.context.storage_state(),
        viewport=page.viewport_size,
        java_script_enabled=True,
        bypass_csp=True,
    )
    try:
        checked = context.new_page()
        checked.goto(page.url)
        checked.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
        result = checked.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    return [violation for violation in result["violations"] if violation.get("impact") in BLOCKING_IMPACTS]


def assert_accessible(page: Any) -> None:
    """Fail with a readable list when the page has a serious or critical accessibility violation."""
    violations = axe_violations(page)
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[node['target'] for node in v['nodes']][:5]}" for v in violations
    ]
    assert not violations, f"axe-core found on {page.url}:\n" + "\n".join(summary)
