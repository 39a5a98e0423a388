"""Staff pages against the FULL local stack: sign-in with Cognito (moto), the workbench, and the
admin pages (组织与人员, 合作应用), on a phone-sized WeChat-like Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.stack import (
    Running,
    Watch,
    axe_problems,
    demo_password,
    full_stack,
    open_page,
    sign_in,
    storage_dump,
    submit_sign_in,
)

pytestmark = pytest.mark.browser

JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


@pytest.fixture
def watch(stack: Running) -> Watch:
    return Watch(stack.cognito)


@pytest.fixture
def tab(context: Any, watch: Watch) -> Iterator[Any]:
    page = watch.attach(context.new_page())
    yield page
    page.close()


def _on_workbench(page: Any, stack: Running) -> Any:
    page.wait_for_url(stack.url + "/staff/workbench/")
    card = page.locator(".ws-me")
    card.wait_for()
    return card


def _clean(page: Any, watch: Watch) -> None:
    assert watch.foreign_hosts() == set(), f"asked a host other than 127.0.0.1: {watch.foreign_hosts()}"
    assert watch.console_errors == []
    for url in watch.requests:
        assert not JWT.search(url), f"a token in a URL: {url}"


def test_caseworker_signs_in_sees_workbench_and_signs_out(tab, watch, stack, screenshots):
    page = tab
    open_page(page, stack.url + "/staff/")
    page.screenshot(path=str(screenshots / "staff-sign-in.png"))
    problems = axe_problems(page, "sign-in")
    sign_in(page, stack.url, "taishan.caseworker", demo_password(), arrive=False)
    card = _on_workbench(page, stack)
    assert "泰山区总工会" in card.locator(".ws-me__unit").inner_text()
    assert card.locator(".ws-chip").all_inner_texts() == ["经办人"]
    # Who: the name when the ID token carries it, else the login name.
    assert re.search("泰山区总工会经办人（演示）|taishan.caseworker", card.locator(".ws-me__name").inner_text())
    # A caseworker's tiles are the case work, not the admin pages; the admin page says no.
    tiles = [t.split("\n")[0] for t in page.locator(".ws-staff-nav a.ws-tile").all_inner_texts()]
    assert tiles == ["一线医务人员档案", "一线人员登记和家庭卡", "重大疾病和意外伤害保障", "困难职工帮扶",
                     "爱心蔬菜配送", "疗休养", "招聘与场次", "求助办理", "心理咨询师库", "先进做法报送"]
    page.screenshot(path=str(screenshots / "staff-workbench.png"))
    problems += axe_problems(page, "workbench")

    stored = storage_dump(page)
    assert "ws.staff.session" in stored["session"]
    assert not any(JWT.search(v or "") for v in stored["local"].values()), "tokens must not be in localStorage"

    open_page(page, stack.url + "/staff/org/")
    page.locator(".ws-staff__notice").filter(has_text="没有使用这个页面的权限").wait_for()
    assert page.locator(".ws-whoami").is_visible()
    page.locator(".ws-whoami a", has_text="返回工作台").click()
    _on_workbench(page, stack)

    page.locator(".ws-me button.ws-signout").click()
    page.wait_for_url(stack.url + "/staff/")
    page.locator("#ws-signin .ws-form__message").filter(has_text="您已退出登录").wait_for()
    assert not any(JWT.search(v or "") for v in storage_dump(page)["session"].values())
    # Signed out: the workbench sends you back to sign in.
    open_page(page, stack.url + "/staff/workbench/")
    page.wait_for_url(stack.url + "/staff/")
    page.locator("#ws-signin").wait_for()
    assert problems == []
    _clean(page, watch)


@pytest.mark.parametrize("username", ["taishan.caseworker", "nobody.here"])
def test_wrong_password_or_unknown_user_says_the_same_and_stores_nothing(tab, watch, stack, username):
    page = tab
    sign_in(page, stack.url, username, "Wrong-password-1!", arrive=False)
    box = page.locator("#ws-signin .ws-form__message")
    box.filter(has_text="登录名或密码不正确").wait_for()
    assert box.inner_text().strip() == "登录名或密码不正确"
    assert page.url == stack.url + "/staff/"
    stored = storage_dump(page)
    assert not [k for k in stored["session"] if k.startswith("ws.")], stored
    assert not any(JWT.search(v or "") for part in stored.values() for v in part.values())
    assert page.locator('#ws-signin [name="password"]').input_value() == ""
    _clean(page, watch)


def test_client_checks_before_calling_cognito(tab, watch, stack):
    page = tab
    open_page(page, stack.url + "/staff/")
    page.locator('#ws-signin button[type="submit"]').click()
    user = page.locator('#ws-signin [name="username"]')
    assert user.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.name") == "username"
    assert not [u for u in watch.requests if u.startswith(stack.cognito)]


def test_admin_creates_staff_who_sets_a_new_password(context, watch, stack, screenshots):
    admin = watch.attach(context.new_page())
    sign_in(admin, stack.url, "city.admin", demo_password(), arrive=False)
    _on_workbench(admin, stack)
    tiles = admin.locator(".ws-staff-nav a.ws-tile")
    assert [t.split("\n")[0] for t in tiles.all_inner_texts()] == [
        "组织与人员", "工作提醒设置", "合作应用", "个人信息保存期限", "防控专项资金", "工作看板", "一线医务人员档案",
        "一线人员登记和家庭卡",
        "重大疾病和意外伤害保障", "困难职工帮扶", "爱心蔬菜配送", "疗休养", "招聘与场次", "求助办理", "心理咨询师库",
        "先进做法报送"]
    tiles.filter(has_text="组织与人员").click()
    admin.wait_for_url(stack.url + "/staff/org/")
    select = admin.locator("#org-unit")
    select.locator('option[value="taishan"]').wait_for(state="attached")
    select.select_option("taishan")
    admin.locator('[data-role="unit-name"]').first.filter(has_text="泰山区总工会").wait_for()
    # The demo staff live in Cognito only (the local stack seeds no staff records): the list may be empty.
    admin.locator('[data-role="staff-list"][aria-busy="false"]').wait_for(state="attached")

    form = admin.locator("#org-new-staff")
    form.locator('[name="username"]').fill("taishan.newcomer")
    form.locator('[name="name"]').fill("新来的经办人")
    form.locator('button[type="submit"]').click()  # no role chosen yet: checked in the page
    form.locator(".ws-error").filter(has_text="请至少选择一项").wait_for()
    form.locator('input[name="roles"][value="caseworker"]').check()
    form.locator('button[type="submit"]').click()
    secret = admin.locator(".ws-secret")
    secret.wait_for()
    assert "只显示这一次" in secret.inner_text() and "首次登录时须改设新密码" in secret.inner_text()
    temporary = secret.locator(".ws-secret__value").inner_text().strip()
    assert len(temporary) >= 8
    assert secret.locator("button.ws-copy").is_visible()
    admin.locator('[data-role="staff-list"] .ws-record').filter(has_text="taishan.newcomer").wait_for()
    admin.screenshot(path=str(screenshots / "staff-org-created.png"), full_page=True)
    secret.screenshot(path=str(screenshots / "staff-temporary-password.png"))
    problems = axe_problems(admin, "org")

    # A child unit under 泰山区总工会.
    unit_form = admin.locator("#org-new-unit")
    unit_form.locator('[name="name"]').fill("泰山区测试企业工会")
    unit_form.locator('[name="id"]').fill("taishan-test-co")
    unit_form.locator('[name="kind"]').select_option("enterprise_union")
    unit_form.locator('button[type="submit"]').click()
    unit_form.locator(".ws-form__message--ok").filter(has_text="泰山区测试企业工会").wait_for()
    select.locator('option[value="taishan-test-co"]').wait_for(state="attached")
    _clean(admin, watch)

    # The new person signs in with the temporary password and must choose a new one.
    newbie = watch.attach(context.new_page())  # a new tab: its own sessionStorage
    sign_in(newbie, stack.url, "taishan.newcomer", temporary, arrive=False)
    step2 = newbie.locator("#ws-newpass")
    step2.wait_for(state="visible")
    assert newbie.locator("#ws-signin").is_hidden()
    problems += axe_problems(newbie, "new-password")
    step2.locator('[name="new_password"]').fill("Brand-New-2020!ok")
    step2.locator('[name="confirm"]').fill("Brand-New-2020!no")
    step2.locator('button[type="submit"]').click()
    step2.locator(".ws-error").filter(has_text="两次输入的新密码不一致").wait_for()
    step2.locator('[name="confirm"]').fill("Brand-New-2020!ok")
    step2.locator('button[type="submit"]').click()
    card = _on_workbench(newbie, stack)
    assert "泰山区总工会" in card.locator(".ws-me__unit").inner_text()
    assert card.locator(".ws-chip").all_inner_texts() == ["经办人"]
    assert re.search("新来的经办人|taishan.newcomer", card.locator(".ws-me__name").inner_text())
    _clean(newbie, watch)
    newbie.close()

    # The admin disables the account: the person can no longer sign in.
    record = admin.locator('[data-role="staff-list"] .ws-record').filter(has_text="taishan.newcomer")
    record.locator("button", has_text="停用").click()
    record.locator(".ws-confirm button", has_text="确定").click()
    admin.locator('[data-role="staff-list"] .ws-record').filter(has_text="taishan.newcomer").filter(
        has_text="已停用"
    ).wait_for()
    again = watch.attach(context.new_page())
    sign_in(again, stack.url, "taishan.newcomer", "Brand-New-2020!ok", arrive=False)
    again.locator("#ws-signin .ws-form__message").filter(has_text="登录名或密码不正确").wait_for()
    assert problems == []
    _clean(again, watch)


def test_admin_issues_and_revokes_a_partner_key(tab, watch, stack, screenshots):
    page = tab
    sign_in(page, stack.url, "city.admin", demo_password(), arrive=False)
    _on_workbench(page, stack)
    open_page(page, stack.url + "/staff/partners/")
    form = page.locator("#partner-new")
    form.wait_for(state="visible")
    form.locator('[name="name"]').fill("省总工会 App（测试）")
    form.locator('[name="channel"]').fill("Bad Channel")
    form.locator('button[type="submit"]').click()
    form.locator(".ws-error").filter(has_text="小写字母").wait_for()
    form.locator('[name="channel"]').fill("province-app-test")
    form.locator('button[type="submit"]').click()
    secret = page.locator(".ws-secret")
    secret.wait_for()
    key = secret.locator(".ws-secret__value").inner_text().strip()
    assert len(key) >= 16
    assert "只显示一次" in secret.inner_text() or "只显示这一次" in secret.inner_text()
    record = page.locator('[data-role="partner-list"] .ws-record').filter(has_text="province-app-test")
    record.wait_for()
    assert "在用" in record.inner_text() and "提交求助" in record.inner_text()
    assert key not in page.locator('[data-role="partner-list"]').inner_text()
    page.screenshot(path=str(screenshots / "staff-partner-key.png"), full_page=True)
    page.locator('[data-role="partner-list"]').screenshot(path=str(screenshots / "staff-partner-list.png"))
    problems = axe_problems(page, "partners")
    record.locator("button", has_text="吊销").click()
    record.locator(".ws-confirm button", has_text="确定").click()
    page.locator('[data-role="partner-list"] .ws-record').filter(has_text="province-app-test").filter(
        has_text="已吊销"
    ).wait_for()
    assert problems == []
    _clean(page, watch)


def test_auditor_reads_partners_without_write_controls(tab, watch, stack):
    page = tab
    sign_in(page, stack.url, "city.auditor", demo_password(), arrive=False)
    _on_workbench(page, stack)
    open_page(page, stack.url + "/staff/partners/")
    page.locator(".ws-staff__notice").filter(has_text="只能查看").wait_for()
    page.locator('[data-role="partner-list"]').wait_for()
    assert page.locator("#partner-new").is_hidden()
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-role="partner-list"] button', has_text="吊销").count() == 0
    _clean(page, watch)


def test_staff_pages_fit_320px(tab, stack):
    page = tab
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, stack.url, "city.admin", demo_password(), arrive=False)
    _on_workbench(page, stack)
    for path in ("/staff/workbench/", "/staff/org/", "/staff/partners/"):
        open_page(page, stack.url + path)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{path}: scrollWidth {widths[0]} > {widths[1]}"
        for b in page.locator(".ws-staff button:visible, .ws-staff a.ws-tile:visible").all():
            box = b.bounding_box()
            assert box and box["height"] >= 44, f"{path}: {b.inner_text()!r} is too small to tap"


def _cognito_calls(page: Any, stack: Running) -> list[str]:
    calls: list[str] = []

    def on_request(req: Any) -> None:
        if req.url.startswith(stack.cognito) and req.method == "POST":
            body = req.post_data or ""
            flow = re.search(r'"AuthFlow":\s*"(\w+)"', body)
            calls.append(req.headers.get("x-amz-target", "").split(".")[-1] + (f":{flow.group(1)}" if flow else ""))

    page.on("request", on_request)
    return calls


def _edit_session(page: Any, script: str) -> None:
    page.evaluate(
        "s => { const v = JSON.parse(sessionStorage.getItem('ws.staff.session')); (new Function('v', s))(v);"
        " sessionStorage.setItem('ws.staff.session', JSON.stringify(v)); }",
        script,
    )


def test_tokens_are_refreshed_and_a_dead_session_returns_to_sign_in(tab, watch, stack):
    page = tab
    calls = _cognito_calls(page, stack)
    sign_in(page, stack.url, "city.admin", demo_password(), arrive=False)
    _on_workbench(page, stack)
    old = storage_dump(page)["session"]["ws.staff.session"]

    # About to expire: refreshed before the API call.
    _edit_session(page, "v.expiresAt = Date.now() + 1000;")
    open_page(page, stack.url + "/staff/workbench/")
    page.locator(".ws-me").wait_for()
    assert "InitiateAuth:REFRESH_TOKEN_AUTH" in calls
    new = storage_dump(page)["session"]["ws.staff.session"]
    assert new != old and '"refreshToken"' in new

    # The API refuses the ID token (401): refreshed once, then the call is repeated.
    calls.clear()
    _edit_session(page, "v.idToken = 'eyJhbGciOiJub25lIn0.e30.x';")
    open_page(page, stack.url + "/staff/workbench/")
    page.locator(".ws-me").wait_for()
    assert calls == ["InitiateAuth:REFRESH_TOKEN_AUTH"]

    # Refresh refused too: back to sign-in, then on to the page that was asked for.
    _edit_session(page, "v.idToken = 'eyJhbGciOiJub25lIn0.e30.x'; v.refreshToken = 'not-a-token';")
    open_page(page, stack.url + "/staff/partners/")
    page.wait_for_url(stack.url + "/staff/")
    page.locator("#ws-signin .ws-form__message").filter(has_text="登录已过期").wait_for()
    assert "ws.staff.session" not in storage_dump(page)["session"]
    submit_sign_in(page, "city.admin", demo_password())
    page.wait_for_url(stack.url + "/staff/partners/")
    page.locator('[data-role="partner-list"][aria-busy="false"]').wait_for(state="attached")
    watch.console_errors = [e for e in watch.console_errors if "status of 401" not in e]
    _clean(page, watch)


def _follow(page: Any, href_end: str) -> None:
    """Click a link as a person would, through Material's instant navigation (no page load)."""
    page.evaluate("(end) => [...document.querySelectorAll('a')].find(a => a.href.endsWith(end)).click()", href_end)


def test_workbench_scripts_load_only_on_staff_pages_and_survive_instant_navigation(tab, watch, stack):
    page = tab
    open_page(page, stack.url + "/")
    assert not [u for u in watch.requests if "staff.js" in u or "staff.css" in u], "a worker's page loads staff assets"
    page.evaluate("window.wsSamePage = true")
    _follow(page, "/staff/")
    page.wait_for_url(stack.url + "/staff/")
    page.locator("#ws-signin").wait_for()
    assert page.evaluate("window.wsSamePage === true"), "expected instant navigation, got a page load"
    assert page.locator('link[href$="staff.css"]').count() == 1
    page.locator('#ws-signin [name="username"]').fill("taishan.caseworker")
    page.locator('#ws-signin [name="password"]').fill(demo_password())
    page.locator('#ws-signin button[type="submit"]').click()
    _on_workbench(page, stack)

    page.evaluate("window.wsSamePage = true")
    page.locator("a.ws-tile", has_text="招聘与场次").click()
    page.wait_for_url(stack.url + "/staff/reopening/")
    page.locator('.ws-staff[data-ws-staff="reopening"][data-ws-bound]').wait_for()
    page.locator(".ws-whoami").wait_for()
    assert page.evaluate("window.wsSamePage === true"), "expected instant navigation, got a page load"
    # Back on a worker's page the workbench's stylesheet is gone with the staff page's content.
    _follow(page, "/mental-health/")
    page.wait_for_url(stack.url + "/mental-health/")
    # The address changes before the content is swapped: wait for the new page's own heading.
    page.locator("h1", has_text="心理").wait_for()
    assert page.evaluate("window.wsSamePage === true")
    assert page.locator('link[href$="staff.css"]').count() == 0
    _clean(page, watch)


def test_pages_with_their_own_script_refresh_tokens_and_come_back_after_sign_in(tab, watch, stack):
    """The support queue and the frontline archive call the API through staff.js: an expiring token is
    refreshed there too, and a dead session goes to sign-in and back to the page that was open."""
    page = tab
    calls = _cognito_calls(page, stack)
    sign_in(page, stack.url, "city.admin", demo_password(), arrive=False)
    _on_workbench(page, stack)

    _edit_session(page, "v.expiresAt = Date.now() + 1000;")
    calls.clear()
    open_page(page, stack.url + "/staff/support/")
    page.locator(".ws-support__body").wait_for()
    assert "InitiateAuth:REFRESH_TOKEN_AUTH" in calls

    _edit_session(page, "v.idToken = 'eyJhbGciOiJub25lIn0.e30.x'; v.refreshToken = 'not-a-token';")
    open_page(page, stack.url + "/staff/frontline/")
    page.wait_for_url(stack.url + "/staff/")
    page.locator("#ws-signin .ws-form__message").filter(has_text="登录已过期").wait_for()
    submit_sign_in(page, "city.admin", demo_password())
    page.wait_for_url(stack.url + "/staff/frontline/")
    page.locator('.ws-care[data-ready="1"]').wait_for(state="attached")
    watch.console_errors = [e for e in watch.console_errors if "status of 401" not in e]
    _clean(page, watch)
