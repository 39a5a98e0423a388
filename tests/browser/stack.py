"""Helpers for browser tests against the FULL local stack (tools.localstack): the built portal and
the API on one origin, Cognito on moto's server. Used by test_staff.py."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
STAFF_SEED = ROOT / "tools" / "seed" / "staff.json"


def demo_password() -> str:
    return str(json.loads(STAFF_SEED.read_text(encoding="utf-8"))["password"])


def demo_needs_totp(username: str) -> bool:
    """Is this demo login a city administrator or finance staff (enrolled in TOTP at start)?"""
    from tools.cognito import needs_totp

    staff = json.loads(STAFF_SEED.read_text(encoding="utf-8"))["staff"]
    return any(p["username"] == username and needs_totp(p["roles"]) for p in staff)


def answer_totp(page: Any, secret: str | None = None) -> None:
    """After the password: type the authenticator's current code into the sign-in page's TOTP step
    (the demo accounts' secret unless another is given), as a person with the app would."""
    from tools.cognito import DEMO_TOTP_SECRET, steady_totp_code

    form = page.locator("#ws-totp")
    form.wait_for(state="visible")
    form.locator('[name="code"]').fill(steady_totp_code(secret or DEMO_TOTP_SECRET))
    form.locator('button[type="submit"]').click()


def submit_sign_in(page: Any, username: str, password: str) -> None:
    """Fill and send the sign-in form on the page already open, answering the TOTP step for the
    demo logins that have one."""
    form = page.locator("#ws-signin")
    form.locator('[name="username"]').fill(username)
    form.locator('[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()
    if password == demo_password() and demo_needs_totp(username):
        answer_totp(page)


def open_page(page: Any, url: str) -> None:
    """Go to a page and let its scripts finish their first requests."""
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")


def sign_in(page: Any, base_url: str, username: str, password: str | None = None, *, arrive: bool = True) -> None:
    """On this tab, open the staff sign-in page and sign `username` in (with the demo password unless
    another is given); with `arrive`, wait until the workbench greets them."""
    open_page(page, base_url + "/staff/")
    submit_sign_in(page, username, password or demo_password())
    if arrive:
        page.wait_for_url(base_url + "/staff/workbench/")
        page.locator(".ws-me").wait_for()


def open_tile(page: Any, base_url: str, tile: str, path: str, ready: str) -> None:
    """From the workbench, follow the tile named `tile` to `path`, load that page whole (its own script
    runs on a full load) and wait for the element `ready` says it is done."""
    page.locator(".ws-staff-nav a.ws-tile", has_text=tile).click()
    page.wait_for_url(base_url + path)
    page.reload(wait_until="load")
    page.locator(ready).wait_for()


@dataclass
class Running:
    url: str
    cognito: str  # Cognito endpoint (moto's server) the browser talks to
    warning: str | None


@contextmanager
def full_stack(site_dir: Path, *, demo: bool = False) -> Iterator[Running]:
    """Start tools.localstack on an ephemeral port with its own data directory (with the demo data
    set if asked); stop it after."""
    from tools.localstack import start_stack

    with tempfile.TemporaryDirectory(prefix="ws-stack-") as tmp:
        stack, warning = start_stack(Path(tmp), port=0, site_dir=site_dir, demo=demo)
        try:
            yield Running(stack.url, stack.aux.endpoint, warning)
        finally:
            stack.stop()


@dataclass
class Watch:
    """What a page asked for and complained about. Cognito's 400 answers (a wrong password is
    one) make Chromium log 'Failed to load resource'; those are expected and left out."""

    cognito: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> Any:
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"))
        return page

    def _console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if url.startswith(self.cognito) and "status of 400" in msg.text:
            return
        self.console_errors.append(f"{msg.text} ({url})")

    def foreign_hosts(self) -> set[str]:
        hosts = {
            urlsplit(u).hostname or "" for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
        }
        return {h for h in hosts if h != "127.0.0.1"}


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # package.json pins it


def axe_problems(page: Any, label: str) -> list[str]:
    """The serious and critical violations axe-core finds on the page as it is now. The script comes
    from node_modules and is evaluated in the page (no request anywhere, not even to our origin)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    problems = []
    for v in result["violations"]:
        if v.get("impact") in ("serious", "critical"):
            targets = [n.get("target") for n in v.get("nodes", [])][:3]
            problems.append(f"{label}: {v['id']} ({v['impact']}) {targets}")
    return problems


def storage_dump(page: Any) -> dict[str, dict[str, str]]:
    """Everything in the tab's sessionStorage and localStorage."""
    result: dict[str, dict[str, str]] = page.evaluate(
        """() => {
          const dump = s => Object.fromEntries(Array.from({length: s.length}, (_, i) => s.key(i))
            .map(k => [k, s.getItem(k)]));
          return {session: dump(sessionStorage), local: dump(localStorage)};
        }"""
    )
    return result
