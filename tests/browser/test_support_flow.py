"""The support flow end to end on the full local stack (DynamoDB Local, moto's Cognito, the
built portal and the API on one origin): a worker asks for counselling on a phone, a hotline
operator types in a call by keyboard, the county caseworker sees both and works one to resolved,
and the worker reads the answer by reference + phone, and gets it by text message: the stack's
outbox poller (as `make run` runs it) sends it, and `/_local/messages` lists it."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PHONE
from tests.browser.stack import sign_in
from tests.conftest import skip_or_fail
from tools import engines

PASSWORD = "Demo-2020-ws!"


@pytest.fixture(scope="module")
def full_stack(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    reason = engines.dynamodb_local_available()
    if reason:
        skip_or_fail(f"DynamoDB Local cannot run: {reason}")
    from tools.localstack import start_stack

    running, _ = start_stack(tmp_path_factory.mktemp("var"), port=0, site_dir=built_site, engine="dynamodb-local",
                             seed_staff=True)
    try:
        yield running
    finally:
        running.stop()


def _quiet_now() -> bool:
    from chalicelib.core import times
    from chalicelib.notify import service

    return service.quiet_until(times.now()) is not None


def _text_to(url: str, phone: str, template: str, wait: float = 15.0) -> dict[str, Any]:
    """The message to this phone from this template, as /_local/messages lists it once the
    stream poller has handed it over and delivery decided on it (sent, or held for the morning)."""
    deadline = time.monotonic() + wait
    while True:
        with urllib.request.urlopen(f"{url}/_local/messages", timeout=5) as answer:
            messages = json.load(answer)["messages"]
        found = [m for m in messages if m.get("phone") == phone and m["template"] == template
                 and m["state"] in ("sent", "held")]
        if found:
            return dict(found[0])
        assert time.monotonic() < deadline, f"no {template} message at /_local/messages: {messages}"
        time.sleep(0.3)


@pytest.mark.browser
def test_counselling_hotline_queue_resolution_and_lookup(browser, full_stack):
    url = full_stack.url
    # 1. a worker asks for counselling on a phone
    phone_ctx = browser.new_context(**PHONE)
    worker = phone_ctx.new_page()
    worker.goto(f"{url}/support/counselling/")
    form = worker.locator("form.ws-form")
    form.locator('[name="description"]').fill("丈夫在方舱医院一线，我一个人带孩子，最近总是失眠、心慌。")
    form.locator('[name="name"]').fill("刘芳")
    form.locator('[name="phone"]').fill("13800138011")
    form.locator('[name="county_unit_id"]').select_option("taishan")
    form.locator('[name="frontline"]').select_option("family")
    form.locator('[name="consent"]').check()
    form.locator("button.ws-submit").click()
    reference_node = worker.locator(".ws-result .ws-ref")
    reference_node.wait_for(timeout=20_000)
    counselling = reference_node.inner_text().strip()

    # 2. a hotline operator types in another call, keyboard only
    desk = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    operator = desk.new_page()
    sign_in(operator, url, "city.hotline", PASSWORD)
    operator.goto(f"{url}/staff/support/hotline/")
    phone_box = operator.locator("#hotline-phone")
    phone_box.wait_for(state="visible", timeout=20_000)
    phone_box.focus()
    keys = operator.keyboard
    keys.type("13900139022")
    keys.press("Tab")
    keys.type("赵强")
    keys.press("Tab")  # category: the first is counselling; arrow down twice picks 法律援助
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    keys.press("Tab")
    keys.type("公司停工期间不发工资，想咨询怎么办。")
    keys.press("Tab")  # county: 泰山区 is first
    keys.press("Tab")
    keys.press("Tab")
    keys.press("Tab")
    keys.press("Tab")
    keys.press("Tab")
    keys.press("Space")  # consent
    keys.press("Control+Enter")
    result = operator.locator('[data-role="result"] .ws-support__reference')
    result.wait_for(timeout=20_000)
    hotline = result.inner_text().strip()
    assert hotline and hotline != counselling

    # 3. the county caseworker sees both and works the counselling request to resolved
    office = desk.new_page()
    sign_in(office, url, "taishan.caseworker", PASSWORD)
    office.goto(f"{url}/staff/support/")
    queue = office.locator('[data-role="queue"]')
    queue.get_by_text(counselling).wait_for(timeout=20_000)
    queue.get_by_text(hotline).wait_for()
    detail = office.locator('[data-role="detail"]')
    queue.get_by_text(counselling).click()
    # after each change the page shows the request again in its new state, with the message
    resolution = {"outcome": "咨询师已通话两次，睡眠好转。",
                  "public_message": "心理咨询师已与您通话，如需继续咨询请拨打 12351。"}
    for to, label, extra in (("accepted", "已受理", {}), ("in_progress", "办理中", {}),
                             ("resolved", "已办结", resolution)):
        detail.locator("#support-to").wait_for(timeout=20_000)
        detail.locator("#support-to").select_option(to)
        for name, text in extra.items():
            detail.locator(f'[name="{name}"]').fill(text)
        detail.get_by_role("button", name="确认变更").click()
        office.locator('[data-role="detail-status"]').filter(has_text=f"已变更为：{label}").wait_for(timeout=20_000)
    assert "已办结" in detail.inner_text()

    # 4. the worker reads the outcome by reference + phone
    worker.goto(f"{url}/status/")
    lookup = worker.locator("form.ws-form")
    lookup.locator('[name="reference"]').fill(counselling)
    lookup.locator('[name="phone"]').fill("13800138011")
    lookup.locator("button.ws-submit").click()
    answer = worker.locator(".ws-result")
    answer.filter(has_text="已办结").wait_for(timeout=20_000)
    assert "心理咨询师已与您通话" in answer.inner_text()
    assert "睡眠好转" not in answer.inner_text()  # the staff outcome stays with staff

    # 5. the worker is told by text, with the reply staff wrote for them (held for the morning
    # when it is quiet hours in Beijing, as every non-urgent text to a worker is)
    resolved = _text_to(url, "13800138011", "support_resolved")
    assert counselling in resolved["text"] and resolution["public_message"] in resolved["text"]
    assert "睡眠好转" not in resolved["text"]
    assert resolved["state"] == ("held" if _quiet_now() else "sent")
    phone_ctx.close()
    desk.close()
