"""Reopening services on a phone against the FULL local stack: a worker finds a fair, registers,
sees the reference, looks it up and cancels; a firm registers and posts an opening that appears in
the public list only after the county caseworker (demo taishan.caseworker) approves it. The
caseworker works in the workbench's 招聘与场次 page: opens the fair, sees who registered, reviews
the firm and its opening."""

from __future__ import annotations

import io
import json
import re
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chalicelib.recruitment.credit import check_character
from tests.browser.stack import Running, Watch, axe_problems, full_stack, open_tile, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


@pytest.fixture
def tab(context: Any, stack: Running) -> Iterator[tuple[Any, Watch]]:
    watch = Watch(stack.cognito)
    page = watch.attach(context.new_page())
    yield page, watch
    page.close()


def _api(stack: Running, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{stack.url}/api{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _caseworker_page(context: Any, watch: Watch, stack: Running) -> Any:
    """The county caseworker signed in, on the workbench's 招聘与场次 page."""
    page = watch.attach(context.new_page())
    sign_in(page, stack.url, "taishan.caseworker")
    open_tile(page, stack.url, "招聘与场次", "/staff/reopening/", '[data-role="sessions"][aria-busy="false"]')
    return page


def _new_fair(office: Any, title: str, day: str, capacity: int) -> None:
    """A fair opened on the caseworker's page (9:00 to 17:00 Beijing time that day)."""
    new = office.locator("#ro-new-session")
    new.locator('[name="kind"]').select_option("fair")
    new.locator('[name="title"]').fill(title)
    new.locator('[name="starts_at"]').fill(f"{day}T09:00")
    new.locator('[name="ends_at"]').fill(f"{day}T17:00")
    new.locator('[name="place"]').fill("泰山区人力资源市场")
    new.locator('[name="capacity"]').fill(str(capacity))
    new.locator('button[type="submit"]').click()
    new.get_by_text(f"场次已开设：{title}").wait_for()


def _open(page: Any, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")


def _clean(watch: Watch) -> None:
    assert watch.foreign_hosts() == set()
    assert watch.console_errors == []


def test_a_worker_finds_a_fair_registers_looks_it_up_and_cancels(context, tab, stack, screenshots):
    page, watch = tab
    office = _caseworker_page(context, watch, stack)
    title = f"泰山区春季网络招聘会{uuid.uuid4().hex[:4]}"
    _new_fair(office, title, "2030-03-01", 30)
    session = office.locator('[data-role="sessions"] .ws-record', has_text=title)
    session.wait_for()
    assert "2030年3月1日 9:00 至 2030年3月1日 17:00" in session.inner_text()
    fair = {"id": session.get_by_role("link").get_attribute("href").split("session=")[1]}

    _open(page, stack.url + "/jobs/sessions/")
    item = page.locator(".ws-list__item", has_text=title)
    item.wait_for()
    assert "剩余名额" in item.inner_text() and "30" in item.inner_text()
    item.get_by_role("link", name="报名").click()
    page.wait_for_url(f"**/jobs/register/?session={fair['id']}")
    form = page.locator("form.ws-form")
    form.locator('[name="name"]').fill("王建国")
    form.locator('[name="phone"]').fill("139 1234 5678")
    form.locator('[name="consent"]').check()
    form.locator('button[type="submit"]').click()
    reference = page.locator(".ws-ref").inner_text(timeout=15000).strip()
    assert len(reference.replace("-", "")) == 9
    page.screenshot(path=str(screenshots / "reopening-registered.png"), full_page=True)

    _open(page, stack.url + "/jobs/my-registration/")
    lookup = page.locator('form[data-endpoint="/api/status/lookup"]')
    lookup.locator('[name="reference"]').fill(reference.lower())
    lookup.locator('[name="phone"]').fill("13912345678")
    lookup.locator('button[type="submit"]').click()
    result = page.locator(".ws-result")
    result.wait_for()
    assert "已确认名额" in result.inner_text() and title in result.inner_text()

    session.get_by_role("link").click()  # the session's own address: its summary, actions and roster
    office.wait_for_url(f"**/staff/reopening/?session={fair['id']}")
    registered = office.locator('[data-role="registrations"] .ws-record', has_text=reference)
    registered.wait_for()
    assert "王建国" in registered.inner_text()
    registered.get_by_role("button", name="登记到场").click()
    office.locator('[data-role="registrations"] .ws-record', has_text="已到场").wait_for()
    office.screenshot(path=str(screenshots / "reopening-staff-roster.png"), full_page=True)
    assert axe_problems(office, "reopening workbench") == []

    cancel = page.locator('form[data-endpoint="/api/bookings/cancel"]')
    cancel.locator('[name="reference"]').fill(reference)
    cancel.locator('[name="phone"]').fill("13912345678")
    cancel.locator('button[type="submit"]').click()
    page.get_by_text("已取消报名").wait_for()
    _, found = _api(stack, "POST", "/status/lookup", {"reference": reference, "phone": "13912345678"})
    assert found["status"] == "cancelled"
    _clean(watch)


def test_a_firms_opening_is_public_only_after_the_caseworker_approves(context, tab, stack, screenshots):
    page, watch = tab
    head = f"91370902{uuid.uuid4().int % 10**9:09d}"
    firm_name = f"泰安示范复工企业{uuid.uuid4().hex[:4]}"

    _open(page, stack.url + "/jobs/firm/")
    form = page.locator("form.ws-form")
    form.locator('[name="name"]').fill(firm_name)
    form.locator('[name="credit_code"]').fill(head + check_character(head))
    form.locator('[name="county_unit_id"]').select_option("taishan")
    form.locator('[name="industry"]').select_option("manufacturing")
    form.locator('[name="address"]').fill("泰山区示范路 8 号")
    form.locator('[name="contact_name"]').fill("李经理")
    form.locator('[name="contact_phone"]').fill("13700001234")
    form.locator('[name="consent"]').check()
    form.locator('button[type="submit"]').click()
    firm_ref = page.locator(".ws-ref").inner_text(timeout=15000).strip()

    _open(page, stack.url + "/jobs/post-opening/")
    form = page.locator("form.ws-form")
    form.locator('[name="firm_reference"]').fill(firm_ref)
    form.locator('[name="phone"]').fill("13700001234")
    form.locator('[name="title"]').fill("数控车床操作工")
    form.locator('[name="headcount"]').fill("12")
    form.locator('[name="wage_min"]').fill("4500")
    form.locator('[name="wage_max"]').fill("6000")
    form.locator('[name="shift"]').select_option("staggered")
    form.locator('[name="place"]').fill("泰山区示范路 8 号")
    form.locator('[name="requirements"]').fill("有操作经验者优先，错时上下班。")
    form.locator('[name="valid_until"]').fill((date.today() + timedelta(days=20)).isoformat())
    form.locator('button[type="submit"]').click()
    opening_ref = page.locator(".ws-ref").inner_text(timeout=15000).strip()

    _open(page, stack.url + "/jobs/openings/?county=taishan")
    page.locator(".ws-list[data-kind=openings][aria-busy=false]").wait_for()
    assert page.locator(".ws-list__item", has_text=firm_name).count() == 0

    office = _caseworker_page(context, watch, stack)
    for where, reference in (("firms", firm_ref), ("openings", opening_ref)):
        pending = office.locator(f'[data-role="{where}"] .ws-record', has_text=reference)
        pending.wait_for()
        pending.get_by_role("link").click()  # the record's own address, where its review is
        detail = office.locator('[data-role="detail"]')
        detail.locator(".ws-summary", has_text=reference).wait_for()
        office.screenshot(path=str(screenshots / f"reopening-review-{where}.png"), full_page=True)
        detail.get_by_role("button", name="审核通过").click()
        detail.locator('[data-role="detail-status"]', has_text="已通过：").wait_for()
        assert detail.get_by_role("button", name="审核通过").count() == 0  # reviewed: nothing more to decide
        lines = detail.locator('ol.ws-history[data-role="history"] > li.ws-history__item')
        lines.nth(1).wait_for()  # its history: submitted by the firm, then approved by the caseworker
        assert lines.count() == 2
        submitted, approved = lines.nth(0), lines.nth(1)
        at = submitted.locator("time.ws-history__at").inner_text()
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}", at), at  # Beijing time, on its own
        assert "本人（网上提交）" in submitted.inner_text()
        assert ("提交企业登记" if where == "firms" else "提交招聘岗位") in submitted.inner_text()
        assert "审核通过" in approved.inner_text()
        assert submitted.evaluate("li => getComputedStyle(li).display") == "flex"  # the time apart from the text
        office.go_back()
        pending.wait_for(state="detached")  # reviewed: no longer in the queue

    _open(page, stack.url + "/jobs/openings/?county=taishan&shift=staggered")
    item = page.locator(".ws-list__item", has_text=firm_name)
    item.wait_for()
    text = item.inner_text()
    assert "数控车床操作工" in text and "4500–6000 元/月" in text and "错时上下班" in text
    page.screenshot(path=str(screenshots / "reopening-opening-published.png"), full_page=True)
    item.get_by_role("link", name="联系单位").click()
    page.wait_for_url("**/jobs/interest/?opening=*")
    form = page.locator("form.ws-form")
    form.locator('[name="name"]').fill("赵强")
    form.locator('[name="phone"]').fill("13911112222")
    form.locator('[name="consent"]').check()
    form.locator('button[type="submit"]').click()
    result = page.locator(".ws-result")
    result.wait_for()
    assert "13700001234" in result.inner_text() and "没有转给单位" in result.inner_text()

    office.select_option("#ro-firm-status", "approved")
    office.locator('[data-role="firms"][aria-busy="false"]').wait_for(state="attached")  # the new list, not the old
    approved = office.locator('[data-role="firms"] .ws-record', has_text=firm_ref)
    approved.get_by_role("link").click()
    with office.expect_download() as download:
        office.locator('[data-role="detail"]').get_by_role("button", name="导出有意向的求职者（xlsx）").click()
    assert download.value.suggested_filename.startswith("有意向的职工-")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet.cell(1, 1).value == firm_name and sheet.cell(2, 4).value == "姓名"
    _clean(watch)


def test_the_caseworker_moves_a_fair_then_cancels_it_and_the_worker_sees_both(context, tab, stack, screenshots):
    page, watch = tab
    office = _caseworker_page(context, watch, stack)
    title = f"泰山区返岗专场招聘会{uuid.uuid4().hex[:4]}"
    _new_fair(office, title, "2030-04-01", 1)
    link = office.locator('[data-role="sessions"] .ws-record', has_text=title).get_by_role("link")
    session_id = link.get_attribute("href").split("session=")[1]
    people = [("13912340001", "confirmed"), ("13912340002", "waitlisted")]
    references = []
    for phone, status in people:
        code, answer = _api(stack, "POST", f"/sessions/{session_id}/registrations",
                            {"name": "李工友", "phone": phone, "consent": True, "consent_version": "2020-02-v1"})
        assert (code, answer["status"]) == (201, status)
        references.append(answer["reference"])

    link.click()
    office.wait_for_url(f"**/staff/reopening/?session={session_id}")
    detail = office.locator('[data-role="detail"]')
    detail.get_by_role("button", name="修改时间地点").click()
    change = office.locator(f"#ro-change-{session_id}")
    change.locator('[name="starts_at"]').fill("")
    change.locator('[name="ends_at"]').fill("")
    change.locator('button[type="submit"]').click()
    assert change.locator('[aria-invalid="true"]').count() == 2  # both times named at once
    change.locator('[name="starts_at"]').fill("2030-04-02T09:00")
    change.locator('[name="ends_at"]').fill("2030-04-02T08:00")
    change.locator('button[type="submit"]').click()
    change.locator(".ws-error", has_text="结束时间须晚于开始时间").wait_for()  # the API's answer, by its field
    change.locator('[name="ends_at"]').fill("2030-04-02T17:00")
    change.locator('[name="place"]').fill("泰山区会展中心")
    change.locator('button[type="submit"]').click()
    detail.get_by_text("时间地点已修改").wait_for()
    assert "2030年4月2日 9:00 至 2030年4月2日 17:00" in detail.locator(".ws-summary").inner_text()
    history = detail.locator('[data-role="session-history"] .ws-history__item', has_text="修改时间地点")
    history.wait_for()
    assert "泰山区会展中心" in history.inner_text()

    _open(page, stack.url + "/jobs/my-registration/")
    lookup = page.locator('form[data-endpoint="/api/status/lookup"]')
    lookup.locator('[name="reference"]').fill(references[0])
    lookup.locator('[name="phone"]').fill(people[0][0])
    lookup.locator('button[type="submit"]').click()
    result = page.locator(".ws-result")
    result.wait_for()
    assert "泰山区会展中心" in result.inner_text() and "2030-04-02 09:00" in result.inner_text()

    detail.get_by_role("button", name="取消场次").click()
    cancel = office.locator(f"#ro-cancel-{session_id}")
    cancel.locator('button[type="submit"]').click()
    assert cancel.locator('[aria-invalid="true"]').count() == 2  # the reason and the confirmation, at once
    cancel.locator('[name="reason"]').fill("场馆临时停用，改期另行通知")
    cancel.locator('[name="confirm"]').check()
    office.set_viewport_size({"width": 1366, "height": 800})
    office.screenshot(path=str(screenshots / "reopening-session-cancel-desk.png"), full_page=True)
    office.set_viewport_size({"width": 390, "height": 844})
    office.screenshot(path=str(screenshots / "reopening-session-cancel-phone.png"), full_page=True)
    cancel.locator('button[type="submit"]').click()
    detail.get_by_text("场次已取消，").wait_for()
    assert "已取消" in detail.locator(".ws-summary__head").inner_text()
    assert detail.get_by_role("button", name="修改时间地点").count() == 0
    assert detail.get_by_role("button", name="停止报名").count() == 0
    assert "场馆临时停用" in detail.locator(".ws-summary").inner_text()
    roster = office.locator('[data-role="registrations"] .ws-record', has_text=references[0])
    roster.wait_for()
    assert roster.get_by_role("button").all_inner_texts() == ["短信记录"]  # its places stay as they are: no actions
    detail.locator('[data-role="session-history"] .ws-history__item', has_text="取消场次").wait_for()
    office.screenshot(path=str(screenshots / "reopening-session-cancelled-phone.png"), full_page=True)
    office.set_viewport_size({"width": 1366, "height": 800})
    office.screenshot(path=str(screenshots / "reopening-session-cancelled-desk.png"), full_page=True)
    assert axe_problems(office, "cancelled session") == []

    lookup.locator('[name="reference"]').fill(references[1])
    lookup.locator('[name="phone"]').fill(people[1][0])
    lookup.locator('button[type="submit"]').click()
    page.locator(".ws-result", has_text="场次已取消").wait_for()
    assert "场馆临时停用" in page.locator(".ws-result").inner_text()
    page.screenshot(path=str(screenshots / "reopening-lookup-cancelled-phone.png"), full_page=True)
    _open(page, stack.url + "/jobs/sessions/")
    item = page.locator(".ws-list__item", has_text=title)
    item.wait_for()
    assert "【已取消】" in item.inner_text() and item.get_by_role("link", name="报名").count() == 0
    item.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "reopening-list-cancelled-phone.png"))
    page.set_viewport_size({"width": 1366, "height": 800})
    item.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "reopening-list-cancelled-desk.png"))
    code, _ = _api(stack, "POST", f"/sessions/{session_id}/registrations",
                   {"name": "王工友", "phone": "13912340003", "consent": True, "consent_version": "2020-02-v1"})
    assert code == 409
    assert watch.foreign_hosts() == set()
    wrong_times = f"status of 400 (Bad Request) ({stack.url}/api/staff/sessions/{session_id}/change)"
    assert [e for e in watch.console_errors if not e.endswith(wrong_times)] == []  # only the refusal asked for


def test_a_caseworker_sees_a_firms_messages_and_resends_one(context, tab, stack, screenshots):
    _, watch = tab
    head = f"91370902{uuid.uuid4().int % 10**9:09d}"
    body = {"name": f"泰安重发测试企业{uuid.uuid4().hex[:4]}", "credit_code": head + check_character(head),
            "county_unit_id": "taishan", "industry": "manufacturing", "address": "泰山区示范路 9 号",
            "contact_name": "王经理", "contact_phone": "13700005678", "consent": True, "consent_version": "2020-02-v1"}
    status, answer = _api(stack, "POST", "/firms", body)
    assert status == 201, answer
    office = _caseworker_page(context, watch, stack)
    _open(office, f"{stack.url}/staff/reopening/?firm={answer['reference']}")
    detail = office.locator('[data-role="detail"]')
    detail.get_by_role("button", name="审核通过").click()  # the approval's text to the firm's contact
    texts = detail.locator('[data-role="messages"] .ws-message')
    texts.first.wait_for()
    first = texts.first.inner_text()
    assert texts.count() == 1 and "企业登记通过" in first and "137****5678" in first
    texts.first.get_by_role("button", name="重发").click()
    texts.first.get_by_role("button", name="确定").click()
    detail.locator('[data-role="messages-status"]', has_text="已重发").wait_for()
    detail.locator('[data-role="messages"] .ws-message', has_text="（重发）").wait_for()
    assert texts.count() == 2
    for width, height in ((390, 844), (1366, 800)):
        office.set_viewport_size({"width": width, "height": height})
        office.screenshot(path=str(screenshots / f"reopening-firm-messages-{width}.png"), full_page=True)
    _clean(watch)
