"""One form system on every page (forms.js, portal.css), checked in the browser against the built portal with
the API faked: every control of every staff page and public form page has a visible box and a name, no fixed
element covers a control or a button, every mistake shows at once, nothing typed is lost to a network failure
or a reload, capped text has a counter and is never cut, a registration says what it came to, and search
follows pasted text.

Staff pages are looked at as markup: staff.js is held back (it would send a signed-out tab to sign-in) and
the sections a signed-in page shows are unhidden."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1366, "height": 800}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}

# Everything a control needs, measured in the page: its box against the page's background, its name.
CONTROLS = """() => {
  const rgba = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const page = getComputedStyle(document.querySelector('.md-main') || document.body).backgroundColor;
  const bg = rgba(page).length ? page : 'rgb(255, 255, 255)';
  const seen = c => c.getClientRects().length > 0 && getComputedStyle(c).visibility !== 'hidden';
  const named = c => {
    const by = (c.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map(id => (document.getElementById(id) || {}).textContent || '').join('');
    const text = [...(c.labels || [])].map(l => l.textContent).join('') + (c.getAttribute('aria-label') || '') + by;
    return text.trim().length > 0;
  };
  return [...document.querySelectorAll('.md-content input, .md-content select, .md-content textarea')]
    .filter(c => !['hidden', 'submit', 'button', 'reset', 'image'].includes(c.type) && !c.closest('.ws-hp') && seen(c))
    .map(c => {
      const cs = getComputedStyle(c);
      const border = parseFloat(cs.borderTopWidth) > 0 && cs.borderTopStyle !== 'none'
        && cs.borderTopColor !== bg && (rgba(cs.borderTopColor)[3] ?? 1) > 0;
      const fill = cs.backgroundColor !== bg && (rgba(cs.backgroundColor)[3] ?? 1) > 0;
      const r = c.getBoundingClientRect();
      return {id: c.id || c.name, type: c.type, boxed: border || fill, named: named(c),
              w: r.width, h: r.height, tag: c.tagName};
    });
}"""

# Each control and button scrolled to the bottom edge of the screen (where a fixed bar would sit) and to
# the middle: the element at its centre must be itself (or its label), not something fixed over it.
COVERED = """() => {
  const seen = c => c.getClientRects().length > 0 && getComputedStyle(c).visibility !== 'hidden';
  const out = [];
  const all = [...document.querySelectorAll(
    '.md-content input, .md-content select, .md-content textarea, .md-content button, .md-content a.ws-button')]
    .filter(c => c.type !== 'hidden' && !c.closest('.ws-hp') && seen(c));
  for (const c of all) {
    for (const block of ['end', 'center']) {
      c.scrollIntoView({block, behavior: 'instant'});
      const r = c.getBoundingClientRect();
      const x = r.left + Math.min(r.width / 2, 20), y = r.top + r.height / 2;
      if (y < 0 || y > innerHeight) continue;
      const hit = document.elementFromPoint(x, y);
      const label = hit && hit.closest('label');
      const mine = hit && (hit === c || c.contains(hit) || (label && (label.contains(c) || label.control === c)));
      if (mine) continue;
      const over = hit && (hit.closest('[class]') || hit);
      out.push((c.id || c.name || c.textContent.trim().slice(0, 12)) + ' (' + block + ') under ' +
        (over ? over.tagName + '.' + over.getAttribute('class') : 'nothing'));
    }
  }
  return out;
}"""

UNHIDE = """() => document.querySelectorAll('.md-content [hidden]').forEach(n => {
  if (!n.matches('.ws-form__message, .ws-counter, .ws-error')) n.hidden = false; })"""


def _staff_paths(page_paths: list[str]) -> list[str]:
    return [p for p in page_paths if p.startswith("/staff/")]


def _form_paths(built_site: Path, page_paths: list[str]) -> list[str]:
    """Public pages with a form."""
    out = []
    for p in page_paths:
        html = built_site / p.strip("/") / "index.html"
        if not p.startswith("/staff/") and html.exists() and "<form class=\"ws-form\"" in html.read_text("utf-8"):
            out.append(p)
    return out


@pytest.fixture
def staff_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    ctx = browser.new_context(**getattr(request, "param", PHONE))
    page = ctx.new_page()
    page.route("**/assets/javascripts/staff.js", lambda r: r.fulfill(status=200, body="",
                                                                        content_type="text/javascript"))
    yield page
    ctx.close()


def _look(page: Any, url: str, staff: bool) -> None:
    page.goto(url, wait_until="load")
    if staff:
        page.evaluate(UNHIDE)


def test_every_control_has_a_visible_box_and_a_name_and_nothing_fixed_covers_one(
        staff_page: Any, base_url: str, built_site: Path, page_paths: list[str]) -> None:
    page = staff_page
    problems: list[str] = []
    paths = [(p, True) for p in _staff_paths(page_paths)] + [(p, False) for p in _form_paths(built_site, page_paths)]
    assert len(paths) > 20, paths
    for path, staff in paths:
        page.set_viewport_size(PHONE["viewport"])
        _look(page, base_url + path, staff)
        for c in page.evaluate(CONTROLS):
            if not c["named"]:
                problems.append(f"{path}: {c['id']} has no label")
            if c["type"] in ("checkbox", "radio", "file"):
                continue
            if not c["boxed"]:
                problems.append(f"{path}: {c['id']} ({c['type']}) has no visible box")
            if c["h"] < 36 or c["w"] < 80 or (c["tag"] == "TEXTAREA" and c["h"] < 80):
                problems.append(f"{path}: {c['id']} is {c['w']:.0f}x{c['h']:.0f}")
        problems += [f"{path} at 390: {p}" for p in page.evaluate(COVERED)]
        page.set_viewport_size(DESKTOP["viewport"])
        problems += [f"{path} at 1366: {p}" for p in page.evaluate(COVERED)]
    assert problems == []


def test_staff_pages_have_the_hotline_in_the_header_not_the_bar(staff_page: Any, base_url: str) -> None:
    page = staff_page
    page.goto(base_url + "/staff/fund/", wait_until="load")
    assert not page.locator(".ws-hotline").is_visible()
    call = page.locator(".md-header .ws-header-call")
    assert call.is_visible() and call.get_attribute("href") == "tel:12351"
    box = call.bounding_box()
    assert box and box["height"] >= 44
    page.goto(base_url + "/support/wages/", wait_until="load")
    assert page.locator(".ws-hotline").is_visible() and not call.is_visible()


# ---------------------------------------------------------------- every mistake at once

def _refuse(sent: list[str]) -> Any:
    """A route handler that records what was asked and fails it."""
    def handle(route: Any) -> None:
        sent.append(route.request.url)
        route.abort()
    return handle


def test_a_staff_form_with_two_mistakes_shows_both_and_sends_nothing(staff_page: Any, base_url: str) -> None:
    page = staff_page
    sent: list[str] = []
    page.route("**/api/**", _refuse(sent))
    _look(page, base_url + "/staff/fund/", True)
    form = page.locator("#fund-spend")
    form.locator("#spend-amount").fill("12.345")
    form.locator('button[type="submit"]').click()
    errors = form.locator(".ws-error")
    assert errors.count() == 2
    assert "两位小数" in form.locator("#spend-amount").evaluate(
        "c => document.getElementById(c.getAttribute('aria-describedby').split(' ').pop()).textContent")
    assert form.locator("#spend-payee").get_attribute("aria-invalid") == "true"
    assert "2 项" in form.locator(".ws-form__message").inner_text()
    form.locator("#spend-payee").fill("配送中心")
    assert errors.count() == 1  # put right: its message goes at once
    assert sent == []


def test_a_public_form_with_two_mistakes_shows_both_and_the_phone_error_says_what_is_wrong(
        page: Any, base_url: str) -> None:
    sent: list[str] = []
    page.route("**/api/**", _refuse(sent))
    page.goto(base_url + "/support/wages/", wait_until="load")
    form = page.locator("form.ws-form")
    form.locator('[name="phone"]').fill("12345678901")
    form.locator('button[type="submit"]').click()
    for name in ("description", "name", "phone", "county_unit_id", "consent"):
        assert form.locator(f'[name="{name}"]').get_attribute("aria-invalid") == "true", name
    phone = form.locator(".ws-field:has([name=phone]) .ws-error").inner_text()
    assert "13 至 19" in phone and "12351" in phone
    form.locator('[name="phone"]').fill("0538-6991364")
    form.locator('button[type="submit"]').click()
    assert "固定电话" in form.locator(".ws-field:has([name=phone]) .ws-error").inner_text()
    assert sent == []


# ---------------------------------------------------------------- drafts and counters

def _fill_wages(form: Any, description: str = "停工期间公司不发工资，想问怎么办。") -> None:
    form.locator('[name="description"]').fill(description)
    form.locator('[name="name"]').fill("张敏")
    form.locator('[name="phone"]').fill("13800138000")
    form.locator('[name="county_unit_id"]').select_option(index=1)
    form.locator('[name="consent"]').check()


def test_a_draft_survives_a_network_failure_and_a_reload_and_goes_after_success(page: Any, base_url: str) -> None:
    answers = ["abort", "ok"]

    def api(route: Any) -> None:
        if answers.pop(0) == "abort":
            route.abort("internetdisconnected")
        else:
            route.fulfill(status=201, content_type="application/json", body=json.dumps({"reference": "ZF7K-3QW9"}))

    page.route("**/api/**", api)
    page.goto(base_url + "/support/wages/", wait_until="load")
    form = page.locator("form.ws-form")
    _fill_wages(form)
    form.locator('button[type="submit"]').click()
    form.locator(".ws-form__message").filter(has_text="网络").wait_for()
    page.reload(wait_until="load")
    form = page.locator("form.ws-form")
    form.locator(".ws-form__message").filter(has_text="已恢复").wait_for()
    assert form.locator('[name="description"]').input_value() == "停工期间公司不发工资，想问怎么办。"
    assert form.locator('[name="phone"]').input_value() == "13800138000"
    assert form.locator('[name="county_unit_id"]').evaluate("s => s.selectedIndex") == 1
    stored = page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('ws-draft:'))")
    assert len(stored) == 1
    assert not form.locator('[name="consent"]').is_checked()  # consent is given anew, never kept
    form.locator('[name="consent"]').check()
    form.locator('button[type="submit"]').click()
    page.locator(".ws-result .ws-ref").filter(has_text="ZF7K-3QW9").wait_for()
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('ws-draft:'))") == []


def test_a_form_with_a_password_keeps_no_draft(staff_page: Any, base_url: str) -> None:
    page = staff_page
    page.goto(base_url + "/staff/", wait_until="load")
    page.locator('#ws-signin [name="username"]').fill("someone")
    page.locator('#ws-signin [name="password"]').fill("Secret-password-1!")
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('ws-draft:'))") == []


def test_capped_text_has_a_counter_and_is_never_cut(page: Any, base_url: str) -> None:
    page.route("**/api/**", lambda r: r.abort())
    page.goto(base_url + "/support/wages/", wait_until="load")
    form = page.locator("form.ws-form")
    box = form.locator('[name="description"]')
    counter = page.locator("#" + box.get_attribute("aria-describedby").split()[-1])
    assert counter.inner_text() == "0 / 2000 字"
    _fill_wages(form, "字" * 2010)
    assert len(box.input_value()) == 2010  # pasted text is kept whole
    assert "超出 10 字" in counter.inner_text()
    form.locator('button[type="submit"]').click()
    assert "最多填写 2000 个字" in form.locator(".ws-field:has([name=description]) .ws-error").inner_text()
    height = box.evaluate("b => b.getBoundingClientRect().height")
    assert height > 200  # the box grew with the text


# ---------------------------------------------------------------- registration

SESSION = {"id": "s1", "kind": "fair", "kind_label": "招聘会", "title": "泰山区春季网络招聘会",
           "firm_name": "泰山区总工会", "place": "泰山区人力资源市场", "online": False,
           "starts_at": "2026-12-03T01:00:00Z", "ends_at": "2026-12-03T08:00:00Z", "capacity": 100,
           "seats_left": 0, "waitlisted": 2}


def _sessions(page: Any, status: str, position: int | None) -> None:
    def api(route: Any) -> None:
        url = route.request.url
        if route.request.method == "POST":
            body = {"reference": "ZF7K-3QW9", "session_id": "s1", "session_title": SESSION["title"], "status": status,
                    "status_label": "候补中" if position else "已确认", "waitlist_position": position,
                    "starts_at": SESSION["starts_at"], "place": SESSION["place"]}
            route.fulfill(status=201, content_type="application/json", body=json.dumps(body))
        elif "/api/sessions/s1" in url:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(SESSION))
        else:
            route.fulfill(status=200, content_type="application/json",
                          body=json.dumps({"items": [SESSION], "next_cursor": None}))

    page.route("**/api/**", api)


@pytest.mark.parametrize(("status", "position", "title"), [("waitlisted", 3, "候补名单第 3 位"),
                                                          ("confirmed", None, "名额已确认")])
def test_a_registration_says_what_it_came_to_and_names_the_session(
        page: Any, base_url: str, screenshots: Path, status: str, position: int | None, title: str) -> None:
    _sessions(page, status, position)
    page.goto(base_url + "/jobs/register/", wait_until="load")
    # Without a session: the open sessions to choose from, not a form that cannot succeed.
    assert not page.locator("form.ws-form").is_visible()
    page.locator(".ws-list__link", has_text="报名这一场").first.click()
    page.wait_for_url("**/jobs/register/?session=s1")
    form = page.locator("form.ws-form")
    form.wait_for()
    page.locator('[data-if-query="session"] .ws-list__title', has_text=SESSION["title"]).wait_for()
    form.locator('[name="name"]').fill("张敏")
    form.locator('[name="phone"]').fill("13800138000")
    form.locator('[name="consent"]').check()
    form.locator('button[type="submit"]').click()
    panel = page.locator(".ws-result")
    panel.locator(".ws-result__title", has_text=title).wait_for()
    text = panel.inner_text()
    assert SESSION["title"] in text and "2026年12月3日 9:00" in text and "ZF7K-3QW9" in text
    assert ("递补" in text) == (status == "waitlisted")
    panel.screenshot(path=str(screenshots / f"register-{status}.png"))


# ---------------------------------------------------------------- search

def test_search_follows_pasted_text_without_a_key_press(browser: Any, base_url: str) -> None:
    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    page.goto(base_url + "/", wait_until="load")
    box = page.locator("input.md-search__input")
    box.click()
    page.keyboard.insert_text("心理援助")  # what a paste, voice input or a finished pinyin composition sends
    page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    ctx.close()
