"""Every page of the built portal, public and staff, walked in Chromium against the full local stack
with the demo data set: `make screenshots` writes each at 1366×800 and 390×844 to build/screenshots/,
and test_every_page.py runs axe on each.

The pages come from the build, never from a list kept here: the public ones from sitemap.xml, the
staff ones from the tiles each demo login's workbench shows (the workbench's own list of pages and
roles). Each staff page is opened by the first login below whose workbench links to it, signed in
as that person; staff pages no login reaches (sign-in, workbench) are opened as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.stack import ROOT, axe_problems, full_stack, open_page, sign_in

SITE = ROOT / "build" / "site"
OUT = ROOT / "build" / "screenshots"
SIZES: dict[str, dict[str, Any]] = {"desktop": {"viewport": {"width": 1366, "height": 800}},
         "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True,
                   "has_touch": True}}
# Who opens a staff page: the first whose workbench links to it. The demo data set lies in 泰山区
# (tools/demo.py): its caseworker opens the casework pages, the city administrator the others.
LOGINS = ("taishan.caseworker", "hospital.contact", "city.admin", "city.hotline", "city.counsellor")

MAX_HEIGHT = 6000
Visit = Callable[[Any, str, str], None]  # (page, path, who: "" for the public)


def site_paths(site_dir: Path) -> list[str]:
    """Every page the build lists in its sitemap, as paths."""
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.parse(site_dir / "sitemap.xml").getroot()  # noqa: S314 - our own build output
    return [urlsplit(loc.text or "").path for loc in root.findall("s:url/s:loc", ns)]


def workbench_pages(page: Any) -> list[str]:
    """The staff pages the signed-in person's workbench links to."""
    hrefs: list[str] = page.locator(".ws-staff-nav a.ws-tile").evaluate_all(
        "els => els.map(e => new URL(e.href).pathname)")
    return hrefs


@dataclass
class Walk:
    base_url: str
    browser: Any
    site_dir: Path

    @contextmanager
    def _tab(self, size: str) -> Iterator[Any]:
        context = self.browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **SIZES[size])
        context.set_default_timeout(60_000)
        try:
            yield context.new_page()
        finally:
            context.close()

    def run(self, size: str, visit: Visit) -> list[str]:
        """Visit every page at this size; gives the staff pages of the sitemap no login's workbench had."""
        paths = site_paths(self.site_dir)
        staff = [p for p in paths if p.startswith("/staff/")]
        with self._tab(size) as page:
            for path in paths:
                if path not in staff or path in ("/staff/", "/staff/workbench/"):
                    open_page(page, self.base_url + path)
                    visit(page, path, "")
        done = {"/staff/", "/staff/workbench/"}
        for username in LOGINS:
            with self._tab(size) as page:
                sign_in(page, self.base_url, username)
                visit(page, "/staff/workbench/", username)
                for path in workbench_pages(page):
                    if path in done:
                        continue
                    done.add(path)
                    open_page(page, self.base_url + path)
                    visit(page, path, username)
        return sorted(set(staff) - done)


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()).strip("-") or "home"


def screenshots(walk: Walk, out: Path) -> list[str]:
    """Full-page shots of every page at both sizes; gives the problems axe found on the way."""
    problems: list[str] = []
    for size in SIZES:
        folder = out / size
        folder.mkdir(parents=True, exist_ok=True)

        def shoot(page: Any, path: str, who: str, folder: Path = folder, size: str = size,
                  problems: list[str] = problems) -> None:
            name = slug(path) + (f"--{who}" if who and path == "/staff/workbench/" else "")
            width, height = page.evaluate("[innerWidth, document.documentElement.scrollHeight]")
            # the whole page, down to a limit (the API reference runs to many metres)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True,
                            clip={"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT)})
            print(f"  {size} {path} {who}", flush=True)
            if size == "desktop":
                problems.extend(axe_problems(page, f"{path} ({who or 'public'})"))

        missed = walk.run(size, shoot)
        problems += [f"{p}: no demo login's workbench links to it" for p in missed]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--site", type=Path, default=SITE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with full_stack(args.site, demo=True) as stack, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            problems = screenshots(Walk(stack.url, browser, args.site), args.out)
        finally:
            browser.close()
    shots = sorted(args.out.rglob("*.png"))
    print(f"{len(shots)} screenshots under {args.out}")
    for problem in problems:
        print("  axe:", problem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
