"""Every Indonesian text in the code and templates has its English translation, with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_english_catalogue_covers_every_message(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with template.open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with (ROOT / "feedback_app/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(fh) if m.id}
    untranslated = sorted(
        msgid
        for msgid in wanted
        if msgid not in catalogue
        or not (catalogue[msgid].string if isinstance(catalogue[msgid].string, str) else catalogue[msgid].string[0])
    )
    assert untranslated == [], "run `make extract-messages` and translate these"
    for msgid in wanted:
        english = catalogue[msgid].string
        english = english if isinstance(english, str) else english[0]
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(english)), msgid
