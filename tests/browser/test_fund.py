"""The special fund in the browser against the full local stack: a county finance user allocates to a
hospital union, the hospital union records a supply purchase and a consolation payment, and the city
dashboard shows both, next to a worker's support request (handled by a Daiyue union), the
sessions' registrations and a row per child unit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.stack import (
    Running,
    Watch,
    axe_problems,
    full_stack,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


# The workbench's own API helper opens a session in the city's name (the staff page's form does the same).
OPEN_SESSION = """async (kind) => {
  const r = await window.wsStaff.api("POST", "/staff/sessions", {kind: kind, title: "市总工会" + kind + "场次",
    unit_id: "city", starts_at: "2030-03-01T01:00:00Z", ends_at: "2030-03-01T09:00:00Z", place: "泰安市职工服务中心",
    capacity: 30}, crypto.randomUUID());
  return r.status;
}"""


def _fund_page(page: Any, stack: Running) -> Any:
    page.locator('a[href$="/staff/fund/"]').first.click()
    page.wait_for_url(stack.url + "/staff/fund/")
    page.reload(wait_until="load")  # the page's own script runs on a full load
    body = page.locator(".ws-fund__body")
    body.wait_for()
    return body


def _submit(form: Any, expect: str) -> None:
    form.locator('button[type="submit"]').click()
    status = form.locator('[data-role="status"]')
    status.filter(has_text=expect).wait_for()


def _card(page: Any, role: str, label: str) -> str:
    card = page.locator(f'[data-role="{role}"] .ws-card').filter(has=page.locator(".ws-card__label", has_text=label))
    return str(card.locator(".ws-card__value").inner_text())


def test_allocation_spends_and_the_city_dashboard(context: Any, stack: Running, screenshots: Path) -> None:
    watch = Watch(stack.cognito)
    page = watch.attach(context.new_page())

    sign_in(page, stack.url, "daiyue.finance")
    _fund_page(page, stack)
    budget = page.locator("#fund-budget")
    budget.locator("#budget-total").fill("500000")
    budget.locator("#budget-fund").fill("20000")
    _submit(budget, "已保存")
    page.select_option("#fund-unit", "demo-daiyue-hospital")
    page.locator('[data-role="summary"]').filter(has_text="专项资金 0.00 元").wait_for()
    budget.locator("#budget-total").fill("100000")
    budget.locator("#budget-fund").fill("0")
    _submit(budget, "已保存")
    page.select_option("#fund-unit", "daiyue")
    page.locator('[data-role="balance"]').filter(has_text="20,000.00").wait_for()
    alloc = page.locator("#fund-alloc")
    alloc.locator("#alloc-to").select_option("demo-daiyue-hospital")
    alloc.locator("#alloc-amount").fill("5000")
    alloc.locator("#alloc-approver").fill("岱岳区总工会主席")
    _submit(alloc, "已拨付 5,000.00 元")
    page.locator('[data-role="balance"]').filter(has_text="15,000.00").wait_for()
    page.evaluate("sessionStorage.clear()")

    sign_in(page, stack.url, "daiyue-hospital.finance")
    _fund_page(page, stack)
    page.locator('[data-role="balance"]').filter(has_text="5,000.00").wait_for()
    spend = page.locator("#fund-spend")
    assert spend.locator('#spend-category option[value="project_builders"]').count() == 0  # grassroots rules
    spend.locator("#spend-category").select_option("supplies_masks")
    spend.locator("#spend-amount").fill("1200.50")
    spend.locator("#spend-payee").fill("泰安市某医疗器械公司")
    spend.locator("#spend-receipt").fill("NO.20200301")
    _submit(spend, "已记账：购买口罩 1,200.50 元")
    spend.locator("#spend-category").select_option("frontline_medical")
    spend.locator("#spend-amount").fill("800")
    spend.locator("#spend-payee").fill("一线医护人员（示范医院）")
    spend.locator("#spend-beneficiary").fill("一线人员档案 A-0001")
    _submit(spend, "已记账：慰问一线医护人员 800.00 元")
    spend.locator("#spend-amount").fill("99999")
    spend.locator("#spend-payee").fill("超支测试")
    _submit(spend, "专项资金余额不足")
    page.locator('[data-role="balance"]').filter(has_text="2,999.50").wait_for()
    assert page.locator(".ws-fund__table tr[data-entry]").count() == 3  # allocation in, two spends (a 0 fund adds none)
    page.screenshot(path=str(screenshots / "fund-hospital.png"), full_page=True)
    page.evaluate("sessionStorage.clear()")

    request = {"category": "psychological", "description": "家人在一线工作，想找人聊聊。", "name": "张敏",
               "phone": "13800138000", "county_unit_id": "daiyue", "unit_id": "demo-daiyue-logistics",
               "frontline": "family", "consent": True, "consent_version": "2020-02-v1"}
    submitted = page.request.post(stack.url + "/api/support-requests", data=request,
                                  headers={"Idempotency-Key": str(uuid.uuid4())})
    assert submitted.status == 201, submitted.text()

    sign_in(page, stack.url, "city.admin")
    for kind in ("fair", "course", "shuttle"):  # one session of each kind, opened as staff do
        made = page.evaluate(OPEN_SESSION, kind)
        assert made == 201, made
    page.locator('a[href$="/staff/dashboard/"]').first.click()
    page.wait_for_url(stack.url + "/staff/dashboard/")
    page.reload(wait_until="load")
    page.locator(".ws-fund__body").wait_for()
    figures = page.locator('[data-role="figures"]')
    figures.filter(has_text="2,000.50").wait_for()  # total spending in the city's subtree
    categories = page.locator('[data-role="categories"]')
    assert "购买口罩" in categories.inner_text() and "1,200.50" in categories.inner_text()
    assert "慰问一线医护人员" in categories.inner_text() and "800.00" in categories.inner_text()
    assert "40.0%" in figures.inner_text()  # 800 of 2000.50 reached the frontline
    assert _card(page, "support-figures", "求助总数") == "1 件"
    assert _card(page, "support-figures", "待受理") == "1 件"
    assert _card(page, "support-figures", "已逾期未办结") == "0 件"
    trend = page.locator('[data-role="support-trend"] svg')
    assert trend.locator("rect").count() == 12
    assert str(trend.get_attribute("aria-label")).endswith("日起的一周 1 件")  # this week's new request
    kinds = page.locator('[data-role="registrations"]')
    for kind, label in (("fair", "招聘会"), ("course", "技能培训课程"), ("shuttle", "返岗直通车")):
        assert kinds.locator(f'tr[data-kind="{kind}"] td').first.inner_text() == label
    cells = page.locator('tr[data-child="daiyue"] td')
    assert cells.nth(1).inner_text() == "1"  # the request is unfinished in Daiyue's subtree
    assert page.locator('tr[data-child="taishan"] td').nth(1).inner_text() == "0"
    assert "NaN" not in page.locator(".ws-fund__body").inner_text()  # a unit with no spending shows a dash
    assert axe_problems(page, "dashboard") == []
    page.set_viewport_size({"width": 320, "height": 640})  # phone-first: wide tables scroll inside their box
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    page.locator('tr[data-unit="daiyue"] button').click()
    page.locator('[data-role="unit"]').filter(has_text="岱岳区总工会").wait_for()
    page.locator('tr[data-unit="demo-daiyue-hospital"]').filter(has_text="2,000.50").wait_for()
    page.locator('tr[data-child="demo-daiyue-logistics"] td').nth(1).filter(has_text="1").wait_for()
    assert page.locator('[data-role="registrations"]').inner_text() == "还没有开设场次。"
    page.screenshot(path=str(screenshots / "fund-dashboard.png"), full_page=True)
    assert watch.foreign_hosts() == set()
    # Chromium logs the refused overdraft (409) as a failed resource; that one was expected.
    assert [e for e in watch.console_errors if "409 (Conflict)" not in e] == []
    assert len(watch.console_errors) <= 1
    page.close()
