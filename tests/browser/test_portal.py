"""The public portal in a phone-sized WeChat-like Chromium: every page, search, a11y, forms."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.browser.stack import axe_problems

pytestmark = pytest.mark.browser

SEARCHES = [
    ("口罩", {"/prevention/workplace/"}),
    ("心理", {"/mental-health/"}),
    ("复工", {"/help/reopening/"}),
    ("12351", {"/mental-health/", "/faq/"}),
    ("女职工", {"/prevention/women/"}),
]


def _open(page: Any, base_url: str, path: str) -> None:
    page.goto(base_url + path, wait_until="load")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_every_page_is_local_clean_and_shows_the_hotline(page, base_url, page_paths):
    for path in page_paths:
        page.watch.requests.clear()
        page.watch.console_errors.clear()
        _open(page, base_url, path)
        assert page.watch.foreign_hosts() == set(), f"{path} asked a third-party host"
        assert page.watch.console_errors == [], f"{path}: {page.watch.console_errors}"
        # The bar at the bottom on a worker's page; on a staff page, a link in the header instead.
        call = page.locator('.ws-hotline__call[href="tel:12351"]:visible, .ws-header-call[href="tel:12351"]:visible')
        assert call.count() == 1, f"{path}: hotline link not visible (or both bar and header link)"
        box = call.bounding_box()
        assert box and box["height"] >= 44, f"{path}: hotline link is too small to tap"


@pytest.mark.browser
@pytest.mark.parametrize(("term", "expected"), SEARCHES)
def test_search_finds_the_right_page(page, base_url, term, expected):
    _open(page, base_url, "/")
    page.locator('label.md-header__button[for="__search"]').click()
    box = page.locator("input.md-search__input")
    box.fill(term)
    box.dispatch_event("keyup")  # Material listens to keyup; fill() with CJK text sends none
    links = page.locator(".md-search-result__item > a.md-search-result__link")
    links.first.wait_for(state="attached", timeout=10_000)
    hrefs = links.evaluate_all("els => els.map(e => new URL(e.href).pathname)")
    assert hrefs[0] in expected, f"{term}: {hrefs}"


@pytest.mark.browser
def test_axe_has_no_serious_or_critical_violations(page, base_url, page_paths):
    problems = []
    for path in page_paths:
        _open(page, base_url, path)
        problems += axe_problems(page, path)
    assert problems == []


@pytest.mark.browser
def test_no_horizontal_scroll_at_320px(page, base_url, page_paths):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in page_paths:
        _open(page, base_url, path)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{path}: scrollWidth {widths[0]} > {widths[1]}"


# Rendered text of a page's article, preformatted blocks left out: innerText is what a
# reader sees, with the spaces the browser makes of line breaks in the HTML.
ARTICLE_TEXT = """() => {
  const style = document.createElement("style");
  style.textContent = "article :is(pre, script, style, textarea) { display: none !important; }";
  document.head.appendChild(style);
  const text = document.querySelector("article").innerText;
  style.remove();
  return text;
}"""
CJK = "\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uffef"
STRAY_SPACE = re.compile(f".{{0,6}}[{CJK}][ \u00a0]+[{CJK}].{{0,6}}")


@pytest.mark.browser
def test_no_space_shows_between_chinese_characters_where_the_source_was_wrapped(page, base_url, page_paths):
    """A Chinese sentence wrapped across lines in a page's Markdown reads as one (site/hooks/cjk_lines.py)."""
    found = []
    for path in page_paths:
        if path.startswith("/staff/"):
            continue  # the workbench's text is drawn by its scripts once signed in
        _open(page, base_url, path)
        found += [f"{path}: {m.group(0)!r}" for m in STRAY_SPACE.finditer(page.evaluate(ARTICLE_TEXT))]
    assert found == []


@pytest.mark.browser
def test_text_scales_with_the_reader(page, base_url):
    """Sizes are rem-based: a larger root font (the reader's setting) makes body text larger."""
    _open(page, base_url, "/help/")
    before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.md-typeset p')).fontSize)")
    page.evaluate("document.documentElement.style.fontSize = '150%'")
    after = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.md-typeset p')).fontSize)")
    assert before >= 17 and after > before * 1.1
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1]


@pytest.mark.browser
def test_screenshots_at_phone_width(page, base_url, screenshots):
    # Viewport shots show what a phone shows (the hotline bar is fixed at the bottom);
    # the full-page shot shows the whole page (the fixed bar then sits mid-page).
    _open(page, base_url, "/")
    page.screenshot(path=str(screenshots / "home.png"))
    page.screenshot(path=str(screenshots / "home-full.png"), full_page=True)
    _open(page, base_url, "/status/")
    page.screenshot(path=str(screenshots / "status.png"))
    page.locator("button.ws-submit").click()  # shows the field errors too
    page.screenshot(path=str(screenshots / "status-errors.png"))
    page.set_viewport_size({"width": 320, "height": 640})
    _open(page, base_url, "/")
    page.screenshot(path=str(screenshots / "home-320.png"))
    assert (screenshots / "home.png").stat().st_size > 0


# ---------------------------------------------------------------- forms framework

DEMO_FORM = """
<form class="ws-form" id="demo" data-endpoint="/api/demo/requests" novalidate>
  <div class="ws-field"><label for="d-name">姓名</label>
    <input id="d-name" name="name" type="text" required maxlength="20"></div>
  <div class="ws-field"><label for="d-phone">手机号码</label>
    <input id="d-phone" name="phone" type="tel" required pattern="1[3-9][0-9]{9}"></div>
  <div class="ws-field"><label for="d-size">家庭人数</label>
    <input id="d-size" name="family_size" type="text" data-type="int" min="1" max="20"></div>
  <div class="ws-field"><label for="d-fam">家属姓名</label>
    <input id="d-fam" name="family.0.name" type="text" maxlength="20"></div>
  <div class="ws-field"><label for="d-note">说明（选填）</label>
    <input id="d-note" name="note" type="text"></div>
  <div class="ws-hp" aria-hidden="true"><input type="text" name="website" tabindex="-1" autocomplete="off"></div>
  <label class="ws-check"><input type="checkbox" name="urgent"><span>紧急</span></label>
  <fieldset class="ws-consent"><legend>个人信息使用说明</legend>
    <label class="ws-check"><input type="checkbox" name="consent" required><span>同意</span></label>
    <input type="hidden" name="consent_version" value="2020-02-v1"></fieldset>
  <button type="submit" class="ws-submit">提交</button>
</form>
"""


class FakeApi:
    """page.route handler: answers from a queue, records what was sent."""

    def __init__(self, page: Any, answers: list[tuple[Any, Any]]) -> None:
        self.answers = list(answers)
        self.sent: list[dict[str, Any]] = []
        page.route("**/api/**", self.handle)

    def handle(self, route: Any) -> None:
        req = route.request
        self.sent.append({"headers": req.headers, "body": json.loads(req.post_data or "null")})
        status, body = self.answers.pop(0)
        if status == "abort":
            route.abort("internetdisconnected")
            return
        ctype = "application/json" if status < 400 else "application/problem+json"
        route.fulfill(status=status, content_type=ctype, body=json.dumps(body, ensure_ascii=False))


def _demo(page: Any, base_url: str) -> Any:
    _open(page, base_url, "/status/")
    page.evaluate(
        "html => { document.querySelector('article').insertAdjacentHTML('beforeend', html); wsForms.bind(); }",
        DEMO_FORM,
    )
    return page.locator("#demo")


def _fill(form: Any) -> None:
    form.locator('[name="name"]').fill("张三")
    form.locator('[name="phone"]').fill("13800000000")
    form.locator('[name="family_size"]').fill("3")
    form.locator('[name="family.0.name"]').fill("李四")
    form.locator('[name="consent"]').check()


@pytest.mark.browser
def test_form_client_checks_need_no_request(page, base_url):
    api = FakeApi(page, [])
    form = _demo(page, base_url)
    form.locator('[name="phone"]').fill("12345")
    form.locator("button.ws-submit").click()
    assert api.sent == []
    phone = form.locator('[name="phone"]')
    assert phone.get_attribute("aria-invalid") == "true"
    err = page.locator("#" + phone.get_attribute("aria-describedby"))
    assert "电话" in err.inner_text()
    assert page.evaluate("document.activeElement.name") == "name"  # first invalid field
    assert form.locator('[name="consent"]').get_attribute("aria-invalid") == "true"


@pytest.mark.browser
def test_form_success_shows_reference_and_sends_the_contract(page, base_url, screenshots):
    api = FakeApi(page, [(201, {"reference": "ZF7K-3QW9"})])
    form = _demo(page, base_url)
    _fill(form)
    form.locator("button.ws-submit").click()
    ref = page.locator(".ws-result .ws-ref")
    ref.wait_for()
    assert ref.inner_text() == "ZF7K-3QW9"
    assert page.locator(".ws-result button.ws-copy").is_visible()
    sent = api.sent[0]
    assert sent["headers"]["content-type"] == "application/json"
    assert re.fullmatch(r"[0-9a-f-]{36}", sent["headers"]["idempotency-key"])
    assert sent["body"] == {
        "name": "张三",
        "phone": "13800000000",
        "family_size": 3,
        "family": [{"name": "李四"}],
        "website": "",
        "urgent": False,
        "consent": True,
        "consent_version": "2020-02-v1",
    }
    page.locator(".ws-result button.ws-copy").click()
    page.locator(".ws-copy__note").filter(has_text="复制").wait_for()
    page.locator(".ws-result").screenshot(path=str(screenshots / "form-reference.png"))


@pytest.mark.browser
def test_form_field_errors_land_next_to_fields(page, base_url):
    problem = {
        "type": "about:blank",
        "title": "提交的信息有误",
        "status": 400,
        "detail": "请按提示修改后再提交",
        "errors": [
            {"field": "phone", "message": "手机号码格式不正确"},
            {"field": "family.0.name", "message": "姓名太长"},
            {"field": "somewhere", "message": "其他问题"},
        ],
    }
    FakeApi(page, [(400, problem)])
    form = _demo(page, base_url)
    _fill(form)
    form.locator("button.ws-submit").click()
    top = form.locator(".ws-form__message")
    top.filter(has_text="提交的信息有误").wait_for()
    assert "请按提示修改后再提交" in top.inner_text() and "其他问题" in top.inner_text()
    for name, text in (("phone", "手机号码格式不正确"), ("family.0.name", "姓名太长")):
        field = form.locator(f'[name="{name}"]')
        assert field.get_attribute("aria-invalid") == "true"
        err_id = field.get_attribute("aria-describedby")
        err = form.locator(f'.ws-field:has([name="{name}"]) #{err_id}'.replace(".0.", "\\.0\\."))
        assert err.inner_text() == text
    assert page.evaluate("document.activeElement.name") == "phone"


@pytest.mark.browser
def test_form_busy_429_retry_and_idempotency_keys(page, base_url):
    api = FakeApi(
        page,
        [
            ("abort", None),
            (429, {"title": "Too Many Requests", "status": 429}),
            (201, {"reference": "AAAA-BBBB"}),
            (201, {"reference": "CCCC-DDDD"}),
        ],
    )
    form = _demo(page, base_url)
    _fill(form)
    button = form.locator("button.ws-submit")
    # Slow the first answer down to see the busy state.
    page.evaluate("""() => { const f = window.fetch; window.fetch = (...a) =>
        new Promise(r => setTimeout(r, 400)).then(() => f(...a)); }""")
    button.click()
    assert button.is_disabled() and button.inner_text() == "正在提交…"
    form.locator(".ws-form__message").filter(has_text="网络").wait_for()
    assert not button.is_disabled()
    assert form.locator('[name="name"]').input_value() == "张三"  # data kept
    button.click()
    form.locator(".ws-form__message").filter(has_text="提交太频繁，请稍后再试").wait_for()
    button.click()
    page.locator(".ws-result .ws-ref").filter(has_text="AAAA-BBBB").wait_for()
    page.locator(".ws-result button.ws-again").click()
    _fill(form)
    button.click()
    page.locator(".ws-result .ws-ref").filter(has_text="CCCC-DDDD").wait_for()
    keys = [s["headers"]["idempotency-key"] for s in api.sent]
    assert keys[0] == keys[1] == keys[2], "a retry of the same fill must reuse its key"
    assert keys[3] != keys[2], "a new fill after a success needs a new key"


@pytest.mark.browser
def test_status_lookup_after_instant_navigation(page, base_url):
    answer = {
        "reference": "ZF7K-3QW9",
        "kind_label": "心理咨询",
        "status": "in_progress",
        "status_label": "正在办理",
        "updated_at": "2020-02-20T06:05:00Z",
        "message": "咨询师会在今天联系您",
    }
    api = FakeApi(page, [(200, answer), (404, {"title": "Not Found", "status": 404})])
    _open(page, base_url, "/")
    page.locator('.ws-tiles a[href$="status/"]').click()  # instant navigation (no reload)
    page.locator("form.ws-form").wait_for()
    page.locator("#__search").evaluate("el => el.dataset.marker = 'same-document'")
    # Go away and back through instant navigation: the form must be bound exactly once.
    page.go_back()
    page.locator(".ws-tiles").wait_for()
    page.go_forward()
    form = page.locator("form.ws-form")
    form.wait_for()
    form.locator('[name="reference"]').fill("zf7k-3qw9")
    form.locator('[name="phone"]').fill("13800000000")
    form.locator("button.ws-submit").click()
    result = page.locator(".ws-result")
    result.wait_for()
    text = result.inner_text()
    assert (
        "正在办理" in text and "心理咨询" in text and "2020年2月20日 14:05" in text and "咨询师会在今天联系您" in text
    )
    assert len(api.sent) == 1, "bound twice: one click sent two requests"
    assert api.sent[0]["body"] == {"reference": "zf7k-3qw9", "phone": "13800000000", "website": ""}
    assert page.locator("#__search").get_attribute("data-marker") == "same-document"
    form.locator("button.ws-submit").click()
    form.locator(".ws-form__message").filter(has_text="未找到该编号，或手机号不匹配").wait_for()


@pytest.mark.browser
def test_list_keeps_fallback_when_api_is_down_and_renders_items_as_text(page, base_url):
    _open(page, base_url, "/status/")
    html = """<div class="ws-list" id="L1" data-endpoint="/api/openings" data-kind="openings">
      <p>招聘信息暂时无法显示，请拨打 12351 咨询。</p></div>"""
    page.evaluate(
        "h => { document.querySelector('article').insertAdjacentHTML('beforeend', h); wsForms.bind(); }", html
    )
    page.locator("#L1.ws-list--offline").wait_for()
    assert "12351" in page.locator("#L1").inner_text()
    items = {"items": [{"title": "<b>普工</b>", "firm_name": "某公司", "headcount": 5}], "next_cursor": None}
    FakeApi(page, [(200, items)])
    page.evaluate(
        "h => { document.querySelector('article').insertAdjacentHTML('beforeend', h.replace('L1', 'L2'));"
        " wsForms.bind(); }",
        html,
    )
    title = page.locator("#L2 .ws-list__title")
    title.wait_for()
    assert title.inner_text() == "<b>普工</b>"  # escaped, not markup
    assert "某公司" in page.locator("#L2").inner_text()
