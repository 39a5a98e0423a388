"""Good-practice reports on a phone against the FULL local stack: a hospital union's admin writes a
report, adds a photo (posted to moto's S3 with the presigned form) and submits it; the city admin
comments, accepts and publishes it; the unit sees the comment; the public page shows the case with
its photo. No request leaves 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.access_cases.reports import tiny_png
from tests.browser.stack import (
    Running,
    Watch,
    axe_problems,
    full_stack,
    open_tile,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


def _reports_page(context: Any, watch: Watch, stack: Running, username: str) -> Any:
    """`username` signed in, on the workbench's 先进做法报送 page."""
    page = watch.attach(context.new_page())
    sign_in(page, stack.url, username)
    open_tile(page, stack.url, "先进做法报送", "/staff/reports/", '[data-role="list"][aria-busy="false"]')
    return page


def test_a_unit_reports_the_city_publishes_and_the_public_sees_it(context, stack, screenshots):
    watch = Watch(stack.cognito)
    title = f"医院工会一对一联系一线家庭{uuid.uuid4().hex[:4]}"
    text = "工会为每户一线医务人员家庭指定一名联系人，每周上门或电话联系一次，帮助解决买菜、接送孩子等实际困难。"

    unit = _reports_page(context, watch, stack, "hospital.admin")
    new = unit.locator("#rp-new")
    new.locator('[name="title"]').fill(title)
    new.locator('[name="text"]').fill(text)
    new.locator('button[type="submit"]').click()
    detail = unit.locator('[data-role="detail"]')
    detail.get_by_text(f"已保存草稿：{title}").wait_for()

    photo = unit.locator("#rp-photo")
    photo.locator('[name="file"]').set_input_files(
        files=[{"name": "wrong.gif", "mimeType": "image/gif", "buffer": b"GIF89a" + bytes(20)}])
    photo.locator('button[type="submit"]').click()
    photo.get_by_text("照片只能是 JPEG、PNG 或 WebP 格式").wait_for()
    photo.locator('[name="file"]').set_input_files(
        files=[{"name": "visit.png", "mimeType": "image/png", "buffer": tiny_png()}])
    photo.locator('button[type="submit"]').click()
    detail.locator('[data-role="action-status"]', has_text="照片已添加").wait_for()
    shown = detail.locator("img.ws-report__photo")
    shown.wait_for()
    unit.wait_for_function("() => document.querySelector('img.ws-report__photo').naturalWidth === 1")
    assert detail.get_by_role("button", name="删除照片 1").is_visible()
    unit.screenshot(path=str(screenshots / "reports-unit-draft.png"), full_page=True)
    assert axe_problems(unit, "reports workbench (unit)") == []
    detail.get_by_role("button", name="提交给市总保障部审核").click()
    detail.get_by_text("已提交，等待市总保障部审核。").wait_for()
    report_id = detail.locator("dd").first.inner_text().strip()

    city = _reports_page(context, watch, stack, "city.admin")
    queued = city.locator('[data-role="list"] .ws-record', has_text=title)
    queued.wait_for()
    assert "泰山区示范医院" in queued.inner_text() or report_id in queued.inner_text()
    queued.get_by_role("link", name=title).click()  # the report's own address
    city.wait_for_url(f"**/staff/reports/?report={report_id}")
    cdetail = city.locator('[data-role="detail"]')
    cdetail.locator('[data-role="detail-title"]', has_text=title).wait_for()
    comment = city.locator("#rp-comment")
    comment.locator('[name="text"]').fill("做法具体，建议写明联系了多少户。")
    comment.locator('button[type="submit"]').click()
    cdetail.locator('[data-role="comments"]', has_text="做法具体").wait_for()
    cdetail.get_by_role("button", name="采用", exact=True).click()
    cdetail.locator('[data-role="action-status"]', has_text="已采用").wait_for()
    cdetail.get_by_role("button", name="在门户公开").click()
    cdetail.get_by_text("已在门户“先进做法和典型案例”页面公开。").wait_for()
    city.screenshot(path=str(screenshots / "reports-city-published.png"), full_page=True)
    assert axe_problems(city, "reports workbench (city)") == []

    unit.go_back()  # from the report to the unit's list
    unit.locator("#rp-status").select_option("published")
    mine = unit.locator('[data-role="list"] .ws-record', has_text=title)
    mine.get_by_role("link", name=title).click()
    detail.locator('[data-role="comments"]', has_text="做法具体，建议写明联系了多少户。").wait_for()
    assert "市总管理员" in detail.locator('[data-role="comments"]').inner_text()

    public = watch.attach(context.new_page())
    public.goto(stack.url + "/cases/", wait_until="load")
    case = public.locator(".ws-list__item", has_text=title)
    case.wait_for()
    assert text in case.inner_text() and "报送单位" in case.inner_text()
    public.wait_for_function("() => { const i = document.querySelector('.ws-list__photo');"
                             " return i && i.complete && i.naturalWidth === 1; }")
    assert public.locator(".ws-list__photo").first.get_attribute("src") == f"/api/public/cases/{report_id}/photos/0"
    assert public.evaluate("document.documentElement.scrollWidth") <= 390
    public.screenshot(path=str(screenshots / "reports-public-case.png"), full_page=True)
    assert axe_problems(public, "public cases") == []
    assert watch.foreign_hosts() == set()
    assert watch.console_errors == []


def test_the_reports_page_fits_320px_with_big_enough_buttons(context, stack):
    watch = Watch(stack.cognito)
    page = _reports_page(context, watch, stack, "taishan.caseworker")
    page.set_viewport_size({"width": 320, "height": 640})
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1]
    for b in page.locator(".ws-staff button:visible").all():
        box = b.bounding_box()
        assert box and box["height"] >= 44, f"{b.inner_text()!r} is too small to tap"
    assert watch.foreign_hosts() == set()
    assert watch.console_errors == []


def test_the_public_page_keeps_its_fallback_when_the_api_is_down(page, base_url):
    page.goto(base_url + "/cases/", wait_until="load")
    page.locator(".ws-list[data-kind=cases][aria-busy=false]").wait_for()
    box = page.locator(".ws-list[data-kind=cases]")
    assert "案例需要联网加载" in box.inner_text() and box.locator('a[href="tel:12351"]').count() == 1
    assert page.watch.foreign_hosts() == set()
    assert page.watch.console_errors == []
