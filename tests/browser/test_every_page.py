"""axe-core on every page of the built portal against the full stack with the demo data set: the
public pages as a reader sees them, each staff page signed in as the demo login whose workbench
links to it, with records on it (tests/browser/pages.py walks them). Any serious or critical
violation fails."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import Walk
from tests.browser.stack import axe_problems, full_stack
from tests.conftest import scans_allowed

pytestmark = pytest.mark.browser


def test_no_serious_or_critical_axe_violation_on_any_page(browser: Any, built_site: Path) -> None:
    problems: list[str] = []
    visited: list[str] = []

    def check(page: Any, path: str, who: str) -> None:
        visited.append(path)
        problems.extend(axe_problems(page, f"{path} ({who or 'public'})"))

    with ExitStack() as running:
        with scans_allowed():  # the demo seed's check for an empty table is a maintenance Scan
            stack = running.enter_context(full_stack(built_site, demo=True))
        missed = Walk(stack.url, browser, built_site).run("desktop", check)
    assert missed == [], "staff pages no demo login's workbench links to"
    assert "/staff/support/" in visited and "/staff/frontline/my-families/" in visited
    assert problems == []
