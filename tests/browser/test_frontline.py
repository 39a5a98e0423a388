"""Care for frontline medical staff on the FULL local stack, on a phone-sized WeChat-like Chromium:
a hospital union imports an xlsx of its staff and assigns a contact person, a family signs up for
the weekly food package, the city federation generates the week's roster, which lists the family,
and the contact person confirms the delivery."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from chalicelib.core import times
from tests.browser.stack import Running, Watch, full_stack, sign_in

pytestmark = pytest.mark.browser

PHONE = "13905380101"
ID_NUMBER = "370902198001011230"  # a valid check digit


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


def _fund_city() -> None:
    """The city federation's special fund for this year (the fund domain's own page sets it; the
    stack runs in this process, so the fund service is called directly)."""
    from chalicelib.core.auth import Principal
    from chalicelib.fund import service as fund
    from chalicelib.fund import store as fund_store
    from chalicelib.fund.models import BudgetIn

    year = times.today().year
    current = fund_store.get_account("city", year, consistent=True)
    admin = Principal(kind="staff", id="city.admin", unit_id="city", unit_path="/city/",
                      roles=frozenset({"city_admin"}))
    fund.set_budget("city", BudgetIn(year=year, annual_budget_fen=10_000_000, special_fund_fen=10_000_000,
                                     version=current["version"] if current else None), admin)


def _xlsx(path: Path, people: list[list[Any]]) -> Path:
    from chalicelib.frontline.importer import MEMBER_COLUMNS, MEMBER_SHEET, PERSON_COLUMNS, PERSON_SHEET

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = PERSON_SHEET
    sheet.append([label for _, label in PERSON_COLUMNS])
    for row in people:
        sheet.append(row)
    members = book.create_sheet(MEMBER_SHEET)
    members.append([label for _, label in MEMBER_COLUMNS])
    members.append([people[0][1], "王奶奶", "母亲", 76, "独居，需要买菜送药", "泰山区青年路 12 号"])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def _signed_in(context: Any, watch: Watch, stack: Running, username: str, page_path: str) -> Any:
    page = watch.attach(context.new_page())  # a tab of its own: its own session
    sign_in(page, stack.url, username)
    page.goto(stack.url + page_path, wait_until="load")
    page.locator(".ws-care[data-ready]").wait_for(state="attached")
    return page


def test_import_assign_sign_up_roster_and_confirm(context, stack, screenshots, tmp_path):
    watch = Watch(stack.cognito)
    _fund_city()

    # The city federation sets the campaign (defaults: from 2020-02-18, 80 yuan a package).
    city = _signed_in(context, watch, stack, "city.admin", "/staff/delivery/")
    campaign_form = city.locator("#dl-campaign")
    campaign_form.locator('button[type="submit"]').click()
    campaign_form.locator(".ws-care__status").filter(has_text="活动设置已保存").wait_for()
    city.locator('[data-role="campaign"]').filter(has_text="本周是第").wait_for()

    # The hospital union imports its staff from an xlsx; a bad file first: nothing is imported.
    hospital = _signed_in(context, watch, stack, "hospital.admin", "/staff/frontline/")
    hospital.locator("#fl-unit option").first.wait_for(state="attached")
    bad = _xlsx(tmp_path / "bad.xlsx", [["张医生", ID_NUMBER, "139", "呼吸科", "医生", "发热门诊",
                                          "2020-01-25", None],
                                         ["李护士", "not-an-id", PHONE, "感染科", "护士", "发热门诊", "2020-01-25",
                                          None]])
    hospital.locator("#fl-file").set_input_files(str(bad))
    hospital.locator('#fl-import button[type="submit"]').click()
    report = hospital.locator('[data-role="import-report"]')
    importing = hospital.locator("#fl-import .ws-care__status")
    importing.filter(has_text="整个文件都没有导入").wait_for()
    assert report.locator("tr").count() >= 3  # header + at least one row per bad row
    hospital.locator('[data-role="personnel"]').filter(has_text="还没有登记一线人员").wait_for()
    hospital.screenshot(path=str(screenshots / "frontline-import-errors.png"), full_page=True)
    # The refused file's report as a spreadsheet: each bad row with its problems.
    with hospital.expect_download() as downloading:
        report.get_by_role("button", name="下载错误报告（xlsx）").click()
    assert downloading.value.suggested_filename.startswith("一线人员档案导入错误报告")
    hospital.set_viewport_size({"width": 1366, "height": 800})
    report.scroll_into_view_if_needed()
    hospital.screenshot(path=str(screenshots / "frontline-import-errors-wide.png"))
    hospital.set_viewport_size({"width": 390, "height": 844})

    good = _xlsx(tmp_path / "good.xlsx", [["张医生", ID_NUMBER, PHONE, "呼吸科", "医生", "发热门诊",
                                           "2020-01-25", None]])
    hospital.locator("#fl-file").set_input_files(str(good))
    hospital.locator('#fl-import button[type="submit"]').click()
    report.filter(has_text="已导入一线人员 1 人、家属 1 人").wait_for()
    assert importing.inner_text() == ""
    row = hospital.locator('[data-role="personnel"] tr').filter(has_text="张医生")
    row.wait_for()
    reference = row.locator("td").first.inner_text().strip()
    assert reference
    hospital.locator('[data-role="uncovered"]').filter(has_text="共 1 户尚未配备联系人").wait_for()
    # The roll-up counts it for the hospital.
    rollup = hospital.locator('[data-role="rollup"] tr').filter(has_text="示范医院")
    assert "1" in rollup.first.inner_text()

    # It registers the demo contact person and assigns the family to them.
    contact_form = hospital.locator("#fl-contact")
    contact_form.locator('[name="username"]').fill("hospital.contact")
    contact_form.locator('[name="name"]').fill("刘联系")
    contact_form.locator('[name="kind"]').select_option("volunteer")
    contact_form.locator('button[type="submit"]').click()
    hospital.locator('[data-role="contacts"]').filter(has_text="刘联系").wait_for()
    # Families without a contact are assigned in bulk: tick them, pick the contact.
    uncovered = hospital.locator('[data-role="uncovered"]')
    uncovered.get_by_label("选择 张医生").check()
    uncovered.get_by_label("为选中的家庭指定联系人").select_option("hospital.contact")
    uncovered.scroll_into_view_if_needed()
    hospital.screenshot(path=str(screenshots / "frontline-bulk-assign.png"))
    uncovered.get_by_role("button", name="指定联系人").click()
    uncovered.filter(has_text="已为 1 户指定联系人").wait_for()
    uncovered.filter(has_text="所有家庭都已配备联系人").wait_for()
    hospital.screenshot(path=str(screenshots / "frontline-archive.png"), full_page=True)

    # The family signs up on a phone with the household code and the registered phone number.
    family = watch.attach(context.new_page())
    family.goto(stack.url + "/care/", wait_until="load")
    form = family.locator("form.ws-form")
    form.locator('[name="reference"]').fill(reference)
    form.locator('[name="phone"]').fill(PHONE)
    form.locator('[name="address"]').fill("泰山区青年路 12 号 3 单元 501")
    form.locator('[name="window"]').select_option("evening")
    form.locator('[name="dietary_notes"]').fill("老人低盐")
    form.locator('[name="consent"]').check()
    form.locator('button[type="submit"]').click()
    family.locator(".ws-result").filter(has_text="已登记，每周配送").wait_for()
    family.screenshot(path=str(screenshots / "care-sign-up.png"), full_page=True)

    # The city federation generates this week's roster: the family is on it, at 75 yuan.
    city.reload(wait_until="load")
    city.locator(".ws-care[data-ready]").wait_for(state="attached")
    city.locator('[data-role="campaign"]').filter(has_text="本周是第").wait_for()
    city.locator('#dl-generate button[type="submit"]').click()
    city.locator("#dl-generate .ws-care__status").filter(has_text="本次新生成 1 份").wait_for()
    roster = city.locator('[data-role="roster"]')
    roster.filter(has_text="泰山区青年路 12 号").wait_for()
    assert "75.00" in roster.inner_text() and "晚上 18:00-20:00" in roster.inner_text()
    assert PHONE not in roster.inner_text()  # the phone is masked in the list
    city.screenshot(path=str(screenshots / "delivery-roster.png"), full_page=True)

    # The contact person sees only their family and confirms the delivery.
    contact = _signed_in(context, watch, stack, "hospital.contact", "/staff/frontline/my-families/")
    card = contact.locator(".ws-record").filter(has_text="张医生")
    card.wait_for()
    assert contact.locator(".ws-record").count() == 1
    card.locator("tr").filter(has_text="待配送").wait_for()
    card.get_by_role("button", name="已送达").click()
    card.locator("tr").filter(has_text="已送达").filter(has_not_text="未能送达").wait_for()
    log = card.locator(".ws-care__log")
    log.locator('[name="notes"]').fill("电话联系，老人身体还好，蔬菜已收到")
    log.locator('button[type="submit"]').click()
    card.locator("td").filter(has_text="蔬菜已收到").wait_for()
    contact.screenshot(path=str(screenshots / "frontline-contact.png"), full_page=True)
    contact.set_viewport_size({"width": 1366, "height": 800})
    card.scroll_into_view_if_needed()
    contact.screenshot(path=str(screenshots / "frontline-contact-wide.png"))

    # The family's status page says so.
    family.goto(stack.url + "/care/status/", wait_until="load")
    status = family.locator("form.ws-form")
    status.locator('[name="reference"]').fill(reference)
    status.locator('[name="phone"]').fill(PHONE)
    status.locator('button[type="submit"]').click()
    family.locator(".ws-result").filter(has_text="已送达").wait_for()

    # A second campaign on the same dates: the family signs up to it too, and its roster skips the
    # family this week (one package a week), charging nothing, and says so.
    city.reload(wait_until="load")
    city.locator(".ws-care[data-ready]").wait_for(state="attached")
    campaign_form.locator('[name="campaign_id"]').select_option("")  # 新建一个活动: the system numbers it
    campaign_form.locator('[name="name"]').fill("第二批爱心蔬菜")
    campaign_form.locator('button[type="submit"]').click()
    campaign_form.locator(".ws-care__status").filter(has_text="活动设置已保存").wait_for()
    family.goto(stack.url + "/care/", wait_until="load")
    form = family.locator("form.ws-form")
    form.locator('[name="reference"]').fill(reference)
    form.locator('[name="phone"]').fill(PHONE)
    form.locator('[name="address"]').fill("泰山区青年路 12 号 3 单元 501")
    form.locator('[name="window"]').select_option("evening")
    form.locator('[name="consent"]').check()
    form.locator('button[type="submit"]').click()
    family.locator(".ws-result").filter(has_text="已登记，每周配送").wait_for()
    city.locator('#dl-generate button[type="submit"]').click()
    city.locator("#dl-generate .ws-care__status").filter(has_text="另有 1 户这一周已由其他活动配送").wait_for()
    assert "本次新生成 0 份" in city.locator("#dl-generate .ws-care__status").inner_text()
    city.screenshot(path=str(screenshots / "delivery-skipped.png"), full_page=True)

    assert watch.foreign_hosts() == set()
    # Chromium logs the refused bad file's 400 answer; nothing else went wrong.
    assert [e for e in watch.console_errors if "status of 400" not in e or "/imports" not in e] == []


def _enter(unit_id: str, name: str, phone: str, id_number: str) -> str:
    """A household entered by the unit's administrator (the stack runs in this process)."""
    from chalicelib.core.auth import Principal
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import PersonIn
    from chalicelib.orgs import service as orgs

    admin = Principal(kind="staff", id=f"{unit_id}.admin", unit_id=unit_id, unit_path=orgs.unit_path(unit_id),
                      roles=frozenset({"unit_admin"}))
    body = PersonIn.model_validate({"name": name, "id_number": id_number, "phone": phone, "department": "急诊科",
                                    "role": "护士", "deployment": "fever_clinic", "period_start": "2020-01-28"})
    return frontline.create_person(unit_id, body, admin).id


def test_a_duplicate_in_another_county_is_a_note_and_the_city_sees_the_pair(context, stack, screenshots):
    from chalicelib.core.personal import REGISTERED_ELSEWHERE

    watch = Watch(stack.cognito)
    shared = "370902198503031231"
    theirs = _enter("demo-daiyue-hospital", "岱岳陈护士", "13905380303", shared)
    mine = _enter("demo-taishan-hospital", "泰山陈护士", "13905380202", shared)

    county = _signed_in(context, watch, stack, "taishan.caseworker", "/staff/frontline/")
    groups = county.locator('[data-role="duplicates"]')
    groups.locator("tr").filter(has_text=mine).wait_for()
    groups.locator("tr").filter(has_text=REGISTERED_ELSEWHERE).wait_for()
    seen = county.locator(".ws-care__body").inner_text()
    assert theirs not in seen and "岱岳" not in seen
    county.screenshot(path=str(screenshots / "frontline-duplicates-county.png"), full_page=True)
    county.locator("#fl-unit").select_option("demo-taishan-hospital")
    county.locator('[data-role="personnel"] tr').filter(has_text=mine).filter(has_text=REGISTERED_ELSEWHERE).wait_for()
    seen = county.locator(".ws-care__body").inner_text()
    assert theirs not in seen and "岱岳" not in seen

    city = _signed_in(context, watch, stack, "city.auditor", "/staff/frontline/")
    pair = city.locator('[data-role="duplicates"]')
    pair.locator("tr").filter(has_text=theirs).filter(has_text="岱岳陈护士").wait_for()
    pair.locator("tr").filter(has_text=mine).wait_for()
    assert REGISTERED_ELSEWHERE not in pair.inner_text()
    city.screenshot(path=str(screenshots / "frontline-duplicates-city.png"), full_page=True)
    city.set_viewport_size({"width": 1366, "height": 800})
    city.locator('[data-role="duplicates"]').scroll_into_view_if_needed()
    city.screenshot(path=str(screenshots / "frontline-duplicates-city-wide.png"))
    county.set_viewport_size({"width": 1366, "height": 800})
    county.locator('[data-role="duplicates"]').scroll_into_view_if_needed()
    county.screenshot(path=str(screenshots / "frontline-duplicates-county-wide.png"))

    assert watch.foreign_hosts() == set()
    assert watch.console_errors == []
