"""Browser tier for the portal: build the site once, serve it locally, drive Debian's Chromium.

The server answers /api/* with 503, so dynamic lists show their static fallback; tests that need
API answers fake them with page.route(). It sends the CDN's security headers (tools/security_headers.py),
as the full local stack does, and any test whose pages meet a content security policy violation fails.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tools import security_headers

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN"
)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": WECHAT_UA,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
SCREENSHOTS = ROOT / "build" / "screenshots"


def _missing(reason: str) -> None:
    if os.environ.get("WS_REQUIRE_ALL_TIERS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


# Every page reports each content security policy violation on the console (the script is added
# by the browser's debugging protocol, which the policy does not govern); Chromium logs "Refused to
# ..." itself for most. Either fails the test (no_csp_violations).
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => console.error(
  "CSP violation: " + e.violatedDirective + " refused " + (e.blockedURI || "inline") + " at "
  + e.sourceFile + ":" + e.lineNumber));"""
CSP_REPORTS: list[str] = []
SECURITY_HEADERS = security_headers.headers()  # no AWS endpoint in this tier: /api/* is faked


def _csp_report(msg: Any) -> None:
    if msg.text.startswith("CSP violation") or "Refused to" in msg.text:
        CSP_REPORTS.append(f"{msg.text} ({(msg.location or {}).get('url', '')})")


class GuardedBrowser:
    """The browser, with every new context listening for content security policy violations."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **kwargs: Any) -> Any:
        context = self._browser.new_context(**kwargs)
        # The browser tier shares 2 cores with the API and integration tiers in CI: a staff step that
        # waits on several API calls may need longer than Playwright's 30 s default there.
        context.set_default_timeout(60_000)
        context.add_init_script(CSP_LISTENER)
        context.on("console", _csp_report)
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def no_csp_violations() -> Iterator[None]:
    start = len(CSP_REPORTS)
    yield
    if len(CSP_REPORTS) > start:
        pytest.fail("content security policy violations:\n" + "\n".join(CSP_REPORTS[start:]))


class _Handler(SimpleHTTPRequestHandler):
    """Static files; /api/* is 'down' (503) unless a test routes it. The CDN's security headers on all."""

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def _api_down(self) -> bool:
        if not self.path.startswith("/api/"):
            return False
        body = b'{"title":"service unavailable","status":503}'
        self.send_response(503)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return True

    def do_GET(self) -> None:
        if self._api_down():
            return
        if self.path == "/sitemap.xml":
            self._sitemap()
            return
        super().do_GET()

    def _sitemap(self) -> None:
        # Material's instant navigation only takes over links whose origin matches the sitemap's
        # (it rebases protocol and host, not the port). The build carries site_url's port; a
        # real host serves the site at site_url, so serve the sitemap as if we were there.
        host = f"http://{self.headers.get('Host', '127.0.0.1')}"
        text = (Path(self.directory) / "sitemap.xml").read_text(encoding="utf-8")
        body = re.sub(r"<loc>https?://[^/<]+", f"<loc>{host}", text).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        if not self._api_down():
            self.send_error(405)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("portal") / "site"
    mkdocs = Path(sys.executable).with_name("mkdocs")
    cmd = [str(mkdocs) if mkdocs.exists() else "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


@pytest.fixture(scope="session")
def base_url(built_site: Path) -> Iterator[str]:
    handler = functools.partial(_Handler, directory=str(built_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def page_paths(built_site: Path) -> list[str]:
    """Every page, from the built sitemap (paths only: the sitemap carries site_url's host)."""
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.parse(built_site / "sitemap.xml").getroot()  # noqa: S314 - our own build output
    paths = [urlsplit(loc.text or "").path for loc in root.findall("s:url/s:loc", ns)]
    assert paths, "sitemap.xml lists no pages (is site_url set?)"
    return paths


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield GuardedBrowser(b)
        b.close()


@dataclass
class Watch:
    """What a page asked for and complained about."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_hosts(self) -> set[str]:
        hosts = {
            urlsplit(u).hostname or "" for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
        }
        return {h for h in hosts if h != "127.0.0.1"}


@pytest.fixture
def context(browser):
    ctx = browser.new_context(**PHONE)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    p = context.new_page()
    watch = Watch()

    def on_console(msg):
        # The local server's /api/* is down on purpose: its 503s are expected noise.
        if msg.type == "error" and "/api/" not in (msg.location or {}).get("url", ""):
            watch.console_errors.append(msg.text)

    p.on("request", lambda r: watch.requests.append(r.url))
    p.on("console", on_console)
    p.on("pageerror", lambda e: watch.console_errors.append(f"pageerror: {e}"))
    p.watch = watch
    yield p
    p.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
