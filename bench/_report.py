"""The one way benchmarks write ``docs/benchmarks.md``: each replaces only its own marked section (spec §6).

A section starts with ``<!-- bench:NAME -->`` on its first line and ends with ``<!-- /bench:NAME -->`` on its last;
the rest of the file (other benchmarks' sections, the title) is kept byte for byte. A file without the section
gets it appended; a missing file is created with a ``# Benchmarks`` title.
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
_BEGIN = re.compile(r"<!-- bench:([a-z0-9_]+) -->")


def markers(name: str) -> tuple[str, str]:
    """The opening and closing marker of the section ``name``."""
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def section_name(section: str) -> str:
    """The NAME of a well-formed section: first line its opening marker, last line its closing one, once each."""
    lines = section.strip("\n").splitlines()
    found = _BEGIN.fullmatch(lines[0].strip()) if lines else None
    if not found:
        raise ValueError("a benchmark section must start with its <!-- bench:NAME --> marker line")
    name = found.group(1)
    begin, end = markers(name)
    if lines[-1].strip() != end or section.count(begin) != 1 or section.count(end) != 1:
        raise ValueError(f"the section must end with {end} and contain each of its markers exactly once")
    return name


def write_docs(section: str, path: Path = DOCS) -> None:
    """Put ``section`` in place of the section with the same markers in ``path`` (appending it if absent)."""
    begin, end = markers(section_name(section))
    section = section.strip("\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start, stop = text.find(begin), text.find(end)
    if start != -1 and stop > start:
        text = text[:start] + section + text[stop + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
