"""The Content-Security-Policy allows no inline style attribute and no script: no template may rely on one.

The one exception is the API reference page (``api/docs.html``), whose bundled Swagger UI scripts its own policy allows.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FORBIDDEN = re.compile(r"""\sstyle\s*=|\son[a-z]+\s*=\s*["']|<script(?![^>]*nonce)""", re.IGNORECASE)


def test_no_template_has_an_inline_style_attribute_an_event_handler_or_a_script_without_nonce():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:100]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        if path.relative_to(TEMPLATES).as_posix() != "api/docs.html"  # Swagger UI: its own scripts, allowed by CSP
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert found == [], "the CSP blocks these (use a class in templates/_head.html):\n" + "\n".join(found)


def test_the_check_catches_an_inline_style():
    assert FORBIDDEN.search('<div style="overflow-x:auto">') and FORBIDDEN.search('<a onclick="x()">')
    assert not FORBIDDEN.search('<style nonce="{{ csp_nonce() }}">')
