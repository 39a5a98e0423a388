"""The portal's scripts put data on a page as text only: whatever a person typed (a script tag, a
bidi override) shows as the characters it is. HTML strings may be assigned only when they are
written out in the script itself, never built from a value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[2] / "site"
SCRIPTS = sorted(SITE.rglob("*.js"))
SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML|document\.write|\.srcdoc\s*=|eval\(")
LITERAL = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")


def _assigned(text: str, start: int) -> str:
    """The expression assigned from `start` to the end of its statement, string literals removed."""
    rest = LITERAL.sub("", text[start:])
    return rest.split(";", 1)[0]


def test_there_are_scripts_to_check():
    assert len(SCRIPTS) >= 5


@pytest.mark.parametrize("script", SCRIPTS, ids=[str(p.relative_to(SITE)) for p in SCRIPTS])
def test_html_sinks_take_only_literal_markup(script: Path):
    text = script.read_text("utf-8")
    found = []
    for match in SINKS.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if match.group(1) and not _assigned(text, match.end()).replace("+", "").strip():
            continue  # markup written out in the script itself
        found.append(f"{script.name}:{line}: {match.group(0)}")
    assert not found, found
