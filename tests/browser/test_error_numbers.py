"""A server-side failure on a public form shows its request id as 错误编号, so the person can quote
it on the hotline; a field error (the person's to fix) does not."""

from __future__ import annotations

import pytest

from tests.browser.test_portal import FakeApi, _demo, _fill

REQUEST_ID = "0f1e2d3c-4b5a-6978-8a9b-acbdcedf0011"


@pytest.mark.browser
def test_a_server_failure_shows_the_error_number(page, base_url, screenshots):
    FakeApi(page, [(500, {"type": "/problems/internal", "title": "系统内部错误", "status": 500,
                          "detail": "处理您的请求时出错，请稍后再试。", "request_id": REQUEST_ID})])
    form = _demo(page, base_url)
    _fill(form)
    form.locator("button.ws-submit").click()
    box = form.locator(".ws-form__message")
    box.filter(has_text="错误编号").wait_for()
    assert f"错误编号：{REQUEST_ID}" in box.inner_text() and "12351" in box.inner_text()
    for width, height in ((390, 844), (1366, 800)):
        page.set_viewport_size({"width": width, "height": height})
        box.scroll_into_view_if_needed()
        page.evaluate("document.querySelector('.md-top').hidden = true")  # the theme's back-to-top button
        box.screenshot(path=str(screenshots / f"form-error-number-{width}.png"))


@pytest.mark.browser
def test_a_field_error_shows_no_error_number(page, base_url):
    FakeApi(page, [(400, {"type": "/problems/validation", "title": "提交的内容有误", "status": 400,
                          "errors": [{"field": "phone", "message": "手机号码格式不正确"}], "request_id": REQUEST_ID})])
    form = _demo(page, base_url)
    _fill(form)
    form.locator("button.ws-submit").click()
    box = form.locator(".ws-form__message")
    box.filter(has_text="提交的内容有误").wait_for()
    assert "错误编号" not in box.inner_text()
