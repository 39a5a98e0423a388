"""The staff pages show a failed request's id as 错误编号 under its error message, so staff can quote
it to the helpdesk (the full local stack; the failure itself is faked with page.route)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.stack import Running, demo_password, full_stack, submit_sign_in

pytestmark = pytest.mark.browser

REQUEST_ID = "7c1d9e2a-5b3f-4e60-9a8d-1f2e3d4c5b6a"


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


def test_a_failed_staff_request_shows_its_error_number(context: Any, stack: Running, screenshots: Path):
    page = context.new_page()
    page.goto(stack.url + "/staff/", wait_until="load")
    submit_sign_in(page, "city.admin", demo_password())
    page.wait_for_url(stack.url + "/staff/workbench/")

    def failing(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        route.fulfill(status=500, content_type="application/problem+json", headers={"X-Request-Id": REQUEST_ID},
                      body=json.dumps({"type": "/problems/internal", "title": "系统内部错误", "status": 500,
                                       "detail": "处理您的请求时出错，请稍后再试。", "request_id": REQUEST_ID},
                                      ensure_ascii=False))

    page.route("**/api/admin/partners", failing)
    page.goto(stack.url + "/staff/partners/", wait_until="load")
    form = page.locator("#partner-new")
    form.wait_for(state="visible")
    form.locator('[name="name"]').fill("省总工会 App（测试）")
    form.locator('[name="channel"]').fill("province-app-test")
    form.locator('button[type="submit"]').click()
    box = form.locator(".ws-form__message")
    box.filter(has_text="错误编号").wait_for()
    assert f"错误编号：{REQUEST_ID}" in box.inner_text() and "系统内部错误" in box.inner_text()
    for width, height in ((390, 844), (1366, 800)):
        page.set_viewport_size({"width": width, "height": height})
        box.scroll_into_view_if_needed()
        top = page.locator(".md-top")
        if top.count():
            page.evaluate("document.querySelector('.md-top').hidden = true")  # the theme's back-to-top button
        page.screenshot(path=str(screenshots / f"staff-error-number-{width}.png"))
    page.close()
