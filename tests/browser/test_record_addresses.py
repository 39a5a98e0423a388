"""Records by their address on the full local stack: every staff role reaches a record through the
address alone (a new tab, a bookmark, a link from a colleague), after signing in when needed, acts
on it, and comes back to its list with the browser's back button; paging never repeats a row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.stack import Running, demo_password, full_stack, submit_sign_in


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


@pytest.fixture
def desk(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    yield context.new_page()
    context.close()


def file_requests(count: int, county: str = "taishan", category: str = "legal") -> list[str]:
    """Requests taken down by a contact person for a family (the stack's API runs in this process)."""
    from chalicelib.support import service
    from chalicelib.support.models import ContactRecordedIn

    references = []
    for n in range(count):
        body = ContactRecordedIn(category=category, description=f"停工期间的工资怎么算（第 {n + 1} 问）",
                                 name="王建国", phone=f"1390013{n:04d}", county_unit_id=county)
        references.append(service.submit(body, None).reference)
    return references


def arrive(page: Any, url: str, username: str) -> None:
    """Open a record's address in a fresh tab: the sign-in page comes first, then the address."""
    page.goto(url, wait_until="load")
    page.locator("#ws-signin").wait_for(timeout=20_000)
    submit_sign_in(page, username, demo_password())
    page.wait_for_url(url, timeout=20_000)


@pytest.mark.browser
def test_a_request_by_its_address_acted_on_and_back_to_the_paged_queue(stack, desk, monkeypatch):
    from chalicelib.support import views

    monkeypatch.setattr(views, "PAGE", 3)
    references = file_requests(7)
    page = desk
    # a colleague's link to the queue filtered to new requests
    queue_url = f"{stack.url}/staff/support/?status=submitted"
    arrive(page, queue_url, "taishan.caseworker")
    queue = page.locator('[data-role="queue"]')
    more = page.locator('[data-role="more"]')
    queue.locator("tbody tr").first.wait_for(timeout=20_000)
    assert page.locator("#support-filter-status").input_value() == "submitted"
    while more.is_visible():
        shown = queue.locator("tbody tr").count()
        more.click()
        expect(queue.locator("tbody tr")).not_to_have_count(shown)  # each page adds rows not shown yet
    rows = queue.locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.reference)")
    assert sorted(rows) == sorted(references)  # every request once, no page twice
    assert more.is_hidden()

    # open one: its own address, the summary, labels rather than codes
    chosen = references[1]
    queue.get_by_role("link", name=chosen).click()
    page.wait_for_url(f"{stack.url}/staff/support/?status=submitted&ref={chosen}")
    detail = page.locator('[data-role="detail"]')
    detail.locator(".ws-summary").filter(has_text=chosen).wait_for(timeout=20_000)
    assert page.locator('[data-ws-view="list"]').first.is_hidden()
    text = detail.inner_text()
    assert "门户网站" in text and "portal" not in text
    assert "本人（网上提交）" in detail.locator(".ws-history").inner_text()
    assert "public" not in text
    # the refusal's reason is asked for only when refusing
    reason = detail.locator('[name="reason"]')
    assert reason.is_hidden()
    detail.locator("#support-to").select_option("rejected")
    assert reason.is_visible()
    detail.locator("#support-to").select_option("accepted")
    assert reason.is_hidden()
    detail.get_by_role("button", name="确认变更").click()
    page.locator('[data-role="detail-status"]').filter(has_text="已变更为：已受理").wait_for(timeout=20_000)
    assert "已受理" in detail.locator(".ws-badge").inner_text()

    # back to the queue, still filtered; the accepted request has left it
    page.go_back()
    page.wait_for_url(queue_url)
    queue.locator("tbody tr").first.wait_for(timeout=20_000)
    assert detail.is_hidden()
    expect(queue.locator(f'tr[data-reference="{chosen}"]')).to_have_count(0)
    # forward again shows the request, now accepted
    page.go_forward()
    detail.locator(".ws-badge").filter(has_text="已受理").wait_for(timeout=20_000)


HOSPITAL = "demo-taishan-hospital"


def _staff(username: str, unit_id: str, unit_path: str, role: str) -> Any:
    from chalicelib.core.auth import Principal

    return Principal(kind="staff", id=username, unit_id=unit_id, unit_path=unit_path, roles=frozenset({role}))


def _hospital_admin() -> Any:
    from chalicelib.orgs import service as orgs

    return _staff("hospital.admin", HOSPITAL, orgs.unit_path(HOSPITAL), "unit_admin")


@pytest.mark.browser
def test_an_auditor_reads_a_request_by_its_address_with_nothing_to_act_on(stack, desk):
    reference = file_requests(1)[0]
    url = f"{stack.url}/staff/support/?ref={reference}"
    arrive(desk, url, "city.auditor")
    detail = desk.locator('[data-role="detail"]')
    detail.locator(".ws-summary", has_text=reference).wait_for(timeout=20_000)
    assert detail.locator("form").count() == 0  # reads only
    detail.get_by_role("link", name="返回求助队列").click()  # no list before it in this tab: on to the queue
    desk.wait_for_url(f"{stack.url}/staff/support/")
    desk.locator("#support-queue-title").wait_for(timeout=20_000)
    assert detail.is_hidden()


def add_member(card: Any, **fields: str) -> None:
    """Fill the family card's 添加家属 form (name, relation, age, needs, address) and send it."""
    member = card.locator("#ff-member")
    for name, value in fields.items():
        member.locator(f'[name="{name}"]').fill(value)
    member.locator('button[type="submit"]').click()


@pytest.mark.browser
def test_a_hospital_opens_a_family_from_its_archive_adds_a_member_and_comes_back(stack, desk):
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import PersonIn

    person = frontline.create_person(HOSPITAL, PersonIn(
        name="赵敏", id_number="370902199001011235", phone="13905381111", department="感染科", role="医生",
        deployment="isolation_ward", period_start=date(2020, 1, 28)), _hospital_admin())
    family_url = f"{stack.url}/staff/frontline/family/?family={person.id}"
    arrive(desk, family_url, "hospital.admin")
    card = desk.locator('[data-role="card"]')
    card.get_by_text("家庭卡：赵敏").wait_for(timeout=20_000)
    assert desk.locator('[data-ws-view="list"]').is_hidden()
    add_member(card, name="赵父", relation="父亲", age="70", needs="行动不便，需要送药", address="泰山区财源街道 9 号")
    card.get_by_text("赵父（父亲）").wait_for(timeout=20_000)

    # from the archive's list to the card by its link, and back to the archive
    desk.goto(f"{stack.url}/staff/frontline/", wait_until="load")
    link = desk.locator('[data-role="personnel"] a', has_text="赵敏")
    link.wait_for(timeout=20_000)
    link.click()
    desk.wait_for_url(family_url)
    desk.locator('[data-role="card"]').get_by_text("家庭卡：赵敏").wait_for(timeout=20_000)
    desk.go_back()
    desk.wait_for_url(f"{stack.url}/staff/frontline/")
    desk.locator('[data-role="personnel"] a', has_text="赵敏").wait_for(timeout=20_000)


@pytest.mark.browser
def test_a_family_cards_forms_stay_with_their_family_when_another_card_opens(stack, desk):
    """What was typed on one family's card, and the message about what was done there, stay with
    that family: the next card opens clean, and back on the first its card is drawn again."""
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import PersonIn

    first, second = (frontline.create_person(HOSPITAL, PersonIn(
        name=name, id_number=id_number, phone=phone, department="呼吸科", role="医生",
        deployment="fever_clinic", period_start=date(2020, 2, 3)), _hospital_admin())
        for name, id_number, phone in (("周一", "370902198502020012", "13905383331"),
                                       ("周二", "370902198502020039", "13905383332")))
    list_url = f"{stack.url}/staff/frontline/family/"
    arrive(desk, f"{list_url}?family={first.id}", "hospital.admin")
    card = desk.locator('[data-role="card"]')
    card.locator(".ws-summary", has_text="家庭卡：周一").wait_for(timeout=20_000)
    member, support = card.locator("#ff-member"), card.locator("#ff-support")
    add_member(card, name="周父", relation="父亲", age="72", needs="需要定期送药", address="泰山区财源街道 10 号")
    done = member.locator(".ws-form__message")
    expect(done).to_contain_text("周父", timeout=20_000)
    support.locator('[name="description"]').fill("老人的药快吃完了，想请工会帮忙买")

    card.get_by_role("link", name="返回家庭列表").click()
    families = desk.locator('[data-role="families"]')
    link = families.get_by_role("link", name="周二")
    more = families.get_by_role("button", name="加载更多")
    families.locator(".ws-record").first.wait_for(timeout=20_000)
    while not link.is_visible() and more.is_visible():
        shown = families.locator(".ws-record").count()
        more.click()
        expect(families.locator(".ws-record")).not_to_have_count(shown)
    link.click()
    desk.wait_for_url(f"{list_url}?family={second.id}")
    card.locator(".ws-summary", has_text="家庭卡：周二").wait_for(timeout=20_000)
    expect(done).to_be_hidden()
    expect(support.locator('[name="description"]')).to_have_value("")
    expect(member.locator('[name="name"]')).to_have_value("")

    desk.go_back()
    desk.go_back()
    desk.wait_for_url(f"{list_url}?family={first.id}")
    card.locator(".ws-summary", has_text="家庭卡：周一").wait_for(timeout=20_000)


@pytest.mark.browser
def test_a_hospital_pages_through_its_families_opens_one_by_its_link_and_comes_back(stack, desk, monkeypatch):
    """The family list pages two at a time: 加载更多 shows only while more follow, no family twice; a
    family's name is the link to its card (summary, actions, history), and back is the list again."""
    from chalicelib.core import demo
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import PersonIn

    monkeypatch.setenv("WS_PAGE_SIZE", "2")
    names = ["钱一", "钱二", "钱三", "钱四", "钱五"]
    made = {}
    for n, name in enumerate(names):
        with demo.writing() if n == 0 else nullcontext():
            made[name] = frontline.create_person(HOSPITAL, PersonIn(
                name=name, id_number=ID_NUMBERS[n], phone=f"1390538{n:04d}", department="呼吸科", role="护士",
                deployment="fever_clinic", period_start=date(2020, 1, 30)), _hospital_admin())
    list_url = f"{stack.url}/staff/frontline/family/"
    arrive(desk, list_url, "hospital.admin")
    families = desk.locator('[data-role="families"]')
    more = families.get_by_role("button", name="加载更多")
    families.locator(".ws-record").first.wait_for(timeout=20_000)
    while more.is_visible():
        shown = families.locator(".ws-record").count()
        more.click()
        expect(families.locator(".ws-record")).not_to_have_count(shown)
    titles = families.locator(".ws-record__title a").all_inner_texts()
    assert len(titles) == len(set(titles)) and set(names) <= set(titles)  # every family once
    expect(more).to_have_count(0)
    # the demo family carries the badge, the others do not
    badges = families.locator(".ws-badge--demo")
    expect(badges).to_have_count(1)
    assert badges.inner_text() == "示例数据"
    assert "钱一" in families.locator(".ws-record", has=desk.locator(".ws-badge--demo")).inner_text()

    families.get_by_role("link", name="钱三").click()
    desk.wait_for_url(f"{list_url}?family={made['钱三'].id}")
    card = desk.locator('[data-role="card"]')
    card.locator(".ws-summary", has_text="家庭卡：钱三").wait_for(timeout=20_000)
    assert families.is_hidden() and "发热门诊" in card.locator(".ws-summary").inner_text()
    expect(card.locator('[data-role="logs"]')).to_contain_text("还没有联系记录")
    card.get_by_role("link", name="返回家庭列表").click()
    desk.wait_for_url(list_url)
    assert card.is_hidden() and families.locator(".ws-record").count() >= 2


ID_NUMBERS = ["370902198001010019", "370902198001010035", "370902198001010051", "370902198001010078",
              "370902198001010094"]


@pytest.mark.browser
def test_the_city_reviews_a_report_by_its_address_and_comes_back_to_its_queue(stack, desk):
    from chalicelib.reports import service as reports
    from chalicelib.reports.models import ReportIn, VersionIn

    text = "医院工会为每户一线医务人员家庭配备一名联系人，每周上门或电话联系一次。"
    draft = reports.create(ReportIn(title="发热门诊医护人员家属的一对一联系", text=text), _hospital_admin())
    reports.submit(draft.report_id, VersionIn(version=draft.version), _hospital_admin())
    queue_url = f"{stack.url}/staff/reports/?status=submitted"
    arrive(desk, queue_url, "city.admin")
    item = desk.locator('[data-role="list"] .ws-record', has_text="一对一联系")
    item.wait_for(timeout=20_000)
    item.get_by_role("link").click()
    desk.wait_for_url(f"{queue_url}&report={draft.report_id}")
    detail = desk.locator('[data-role="detail"]')
    detail.get_by_role("button", name="采用").click()
    detail.locator('[data-role="action-status"]', has_text="已采用").wait_for(timeout=20_000)
    desk.go_back()
    desk.wait_for_url(queue_url)
    desk.locator('[data-role="list"][aria-busy="false"]').wait_for(state="attached")
    expect(desk.locator('[data-role="list"] .ws-record', has_text="一对一联系")).to_have_count(0)


@pytest.mark.browser
def test_a_ledger_entry_by_its_address_is_reversed_and_the_ledger_shows_it(stack, desk):
    from chalicelib.core import times
    from chalicelib.fund import service as fund
    from chalicelib.fund import store as fund_store
    from chalicelib.fund.models import BudgetIn, SpendIn

    year = times.today().year
    current = fund_store.get_account(HOSPITAL, year, consistent=True)
    fund.set_budget(HOSPITAL, BudgetIn(year=year, annual_budget_fen=900_000, special_fund_fen=900_000,
                                       version=current["version"] if current else None), _hospital_admin())
    entry = fund.record_spend(SpendIn(unit_id=HOSPITAL, category="supplies_masks", amount_fen=8_800,
                                      payee="泰安市医疗器械公司"), _hospital_admin())
    ledger_url = f"{stack.url}/staff/fund/"
    arrive(desk, ledger_url, "hospital.admin")
    row = desk.locator(f'.ws-fund__table tr[data-entry="{entry.entry_id}"]')
    row.wait_for(timeout=20_000)
    row.get_by_role("link").click()
    desk.wait_for_url(f"{ledger_url}?entry={entry.entry_id}")
    panel = desk.locator('[data-role="entry"]')
    panel.locator(".ws-badge", has_text="有效").wait_for(timeout=20_000)
    assert "工作人员" not in panel.locator(".ws-summary").inner_text()  # the person, not the kind of actor
    panel.locator('[name="reason"]').fill("票据金额录错")
    panel.get_by_role("button", name="冲正").click()
    panel.locator(".ws-badge", has_text="已冲正").wait_for(timeout=20_000)
    assert panel.locator("form").count() == 0  # reversed once: nothing more to do
    reversal = panel.locator(".ws-history a").inner_text().strip()  # the trail links the reversing entry
    desk.go_back()
    desk.wait_for_url(ledger_url)
    desk.locator(f'.ws-fund__table tr[data-entry="{reversal}"]', has_text="冲正").wait_for(timeout=20_000)


@pytest.mark.browser
def test_a_hotline_operator_records_a_landline_caller_who_then_looks_the_request_up(stack, desk):
    """Only a landline: the operator is told to add the area code, records the call with it, and the
    caller finds the request on the portal by its reference and that landline."""
    arrive(desk, f"{stack.url}/staff/support/hotline/", "city.hotline")
    form = desk.locator("#hotline-form")
    form.locator("#hotline-phone").fill("6221234")
    form.locator("#hotline-name").fill("孙大爷")
    form.locator("#hotline-description").fill("家里只有座机，老伴腿脚不便，想请人帮忙买药。")
    form.locator("#hotline-consent").check()
    form.locator('button[type="submit"]').click()
    form.locator(".ws-error", has_text="连区号").wait_for(timeout=20_000)
    form.locator("#hotline-phone").fill("0538-6221234")
    form.locator('button[type="submit"]').click()
    reference = desk.locator('[data-role="result"] .ws-support__reference')
    reference.wait_for(timeout=20_000)
    code = reference.inner_text().strip()

    desk.goto(f"{stack.url}/status/", wait_until="load")
    lookup = desk.locator("form.ws-form")
    lookup.locator('[name="reference"]').fill(code)
    lookup.locator('[name="phone"]').fill("05386221234")
    lookup.locator("button.ws-submit").click()
    desk.locator(".ws-result").filter(has_text=code).wait_for(timeout=20_000)


@pytest.mark.browser
def test_a_family_card_offers_only_what_its_food_package_sign_up_allows(stack, browser, screenshots):
    """No sign-up: the sign-up form alone; signed up: change and 暂停, never 恢复; paused: 恢复 alone."""
    from chalicelib.core import errors
    from chalicelib.delivery import service as delivery
    from chalicelib.delivery.models import CampaignIn
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import PersonIn
    from tests.api.access_cases.delivery import campaign_body

    try:
        delivery.open_campaign()
    except errors.ProblemError:
        delivery.create_campaign(CampaignIn(**campaign_body()), _staff("city.admin", "city", "/city/", "city_admin"))
    person = frontline.create_person(HOSPITAL, PersonIn(
        name="孙丽", id_number="370902199202021237", phone="13905382222", department="急诊科", role="护士",
        deployment="fever_clinic", period_start=date(2020, 2, 1)), _hospital_admin())
    url = f"{stack.url}/staff/frontline/family/?family={person.id}"
    for width, height in ((1366, 800), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        page = context.new_page()
        arrive(page, url, "hospital.admin")
        card = page.locator('[data-role="card"]')
        signup, pause = card.locator("#ff-signup"), card.locator("#ff-pause")
        state = card.locator('[data-role="delivery-state"]')
        if width == 1366:
            expect(state).to_contain_text("还没有登记", timeout=20_000)
            expect(signup.get_by_role("button", name="登记爱心蔬菜")).to_be_visible()
            expect(pause).to_be_hidden()
            signup.get_by_label("配送地址").fill("泰山区东岳大街 6 号")
            signup.get_by_label("配送时段").select_option("morning")
            signup.get_by_role("button", name="登记爱心蔬菜").click()
        expect(state).to_contain_text("每周配送", timeout=20_000)
        expect(signup.get_by_role("button", name="保存修改")).to_be_visible()
        expect(pause.get_by_role("button", name="暂停配送")).to_be_visible()
        expect(card.get_by_role("button", name="恢复配送")).to_have_count(0)
        pause.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / f"family-card-active-{width}.png"), full_page=True)
        pause.get_by_role("button", name="暂停配送").click()
        expect(state).to_contain_text("已暂停", timeout=20_000)
        expect(pause.get_by_role("button", name="恢复配送")).to_be_visible()
        expect(card.get_by_role("button", name="暂停配送")).to_have_count(0)
        expect(signup).to_be_hidden()
        page.screenshot(path=str(screenshots / f"family-card-paused-{width}.png"), full_page=True)
        pause.get_by_role("button", name="恢复配送").click()  # back to active for the next size
        expect(state).to_contain_text("每周配送", timeout=20_000)
        context.close()


@pytest.mark.browser
def test_the_overdue_list_of_a_subtree_pages_to_its_end_without_a_repeat(stack, browser, screenshots, monkeypatch):
    """Requests of a county and of a unit under it, all past due: the city's overdue list shows them
    most overdue first, naming each one's unit, and 加载更多 shows only while more follow."""
    from chalicelib.support import views

    monkeypatch.setattr(views, "PAGE", 3)
    monkeypatch.setattr(views, "now_seconds", lambda: "2999-01-01T00:00:00Z")  # every due time has passed
    filed = set(file_requests(4) + file_requests(3, county="daiyue"))
    for width, height in ((1366, 800), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        page = context.new_page()
        arrive(page, f"{stack.url}/staff/support/", "city.admin")
        overdue = page.locator('[data-role="overdue"]')
        more = page.locator('[data-role="overdue-more"]')
        overdue.locator("tbody tr").first.wait_for(timeout=20_000)
        while more.is_visible():
            shown = overdue.locator("tbody tr").count()
            more.click()
            expect(overdue.locator("tbody tr")).not_to_have_count(shown)
        rows = overdue.locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.reference)")
        assert len(rows) == len(set(rows)) and filed <= set(rows)
        assert more.is_hidden()
        expect(overdue.locator("tbody tr", has_text="岱岳区总工会")).to_have_count(3)
        page.locator("#support-overdue-title").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / f"support-overdue-{width}.png"), full_page=True)
        context.close()


@pytest.mark.browser
def test_the_city_roll_up_follows_its_pages_to_every_unit(stack, desk, monkeypatch):
    """分类汇总 comes a page of units at a time: 加载更多 shows while more follow, and in the end every
    unit under the city is there once."""
    from chalicelib.orgs import service as orgs

    monkeypatch.setenv("WS_PAGE_SIZE", "2")
    names: list[str] = []
    cursor = None
    while True:
        page = orgs.subtree("city", cursor)
        names += [u.name for u in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(names) > 4
    arrive(desk, f"{stack.url}/staff/support/", "city.admin")
    rollup = desk.locator('[data-role="rollup"]')
    more = rollup.get_by_role("button", name="加载更多")
    rollup.locator("tr").nth(2).wait_for(timeout=20_000)  # the heading and a first page of two
    while more.is_visible():
        shown = rollup.locator("tr").count()
        more.click()
        expect(rollup.locator("tr")).not_to_have_count(shown)
    shown_names = rollup.locator("tr td:first-child").all_inner_texts()
    assert shown_names == names
    expect(more).to_have_count(0)
