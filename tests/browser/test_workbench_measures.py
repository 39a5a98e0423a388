"""Measures of the notice done from the workbench pages alone, on the FULL local stack: a hospital
union registers a hardship worker by form and from an xlsx sheet (a bad sheet is refused with its
row errors), records a visit and the masks given from a purchase in its ledger; it enrols a family
member in illness and accident cover, who appears in the insurer's list, and files a claim; it
registers a person and a member and puts the member right; the city federation manages the
counsellor pool, a hotline call is assigned to the demo counsellor from it and reaches the
counsellor's own page; the city names a campaign (its id made by the system) and confirms
deliveries on a phone; the contact person logs a visit, files a request for the family, signs it up
for packages and taps to call; the city sets how long personal data is kept. Each page is
photographed at 390x844 and 1366x800."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.stack import Running, Watch, demo_password, full_stack, submit_sign_in

pytestmark = pytest.mark.browser

HOSPITAL = "demo-taishan-hospital"
HARDSHIP_HEADER = ["姓名", "身份证号", "手机号码", "困难情况", "联系人"]


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


def _city() -> Any:
    from chalicelib.core.auth import Principal

    return Principal(kind="staff", id="city.admin", unit_id="city", unit_path="/city/",
                     roles=frozenset({"city_admin"}))


def _mask_purchase() -> str:
    """The hospital's special fund and one purchase of masks in its ledger (the fund page's work)."""
    from chalicelib.core import times
    from chalicelib.fund import service as fund
    from chalicelib.fund import store as fund_store
    from chalicelib.fund.models import BudgetIn, SpendIn

    year = times.today().year
    current = fund_store.get_account(HOSPITAL, year, consistent=True)
    fund.set_budget(HOSPITAL, BudgetIn(year=year, annual_budget_fen=500_000, special_fund_fen=500_000,
                                       version=current["version"] if current else None), _city())
    entry = fund.record_spend(SpendIn(unit_id=HOSPITAL, category="supplies_masks", amount_fen=12_000,
                                      payee="泰安市医疗器械公司"), _city())
    return entry.entry_id


def _family(name: str = "李静", id_number: str = "370902199001011235", phone: str = "13905380202",
            member: tuple[str, str] | None = ("李母", "母亲")) -> str:
    """A frontline nurse in the hospital's archive with a parent registered (unless member is None),
    as the archive's xlsx import would leave them."""
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import MemberIn, PersonIn

    person = frontline.create_person(HOSPITAL, PersonIn(
        name=name, id_number=id_number, phone=phone, department="呼吸科", role="护士",
        deployment="fever_clinic", period_start=date(2020, 1, 25)), _city())
    if member:
        frontline.add_member(person.id, MemberIn(name=member[0], relation=member[1], age=68, needs="独居，需要买菜",
                                                 address="泰山区财源街道 8 号"), _city())
    return person.id


def _sheet(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HARDSHIP_HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def _signed_in(context: Any, watch: Watch, stack: Running, username: str, page_path: str) -> Any:
    page = watch.attach(context.new_page())
    page.goto(stack.url + "/staff/", wait_until="load")
    submit_sign_in(page, username, demo_password())
    page.wait_for_url(stack.url + "/staff/workbench/")
    page.locator(".ws-me").wait_for()
    page.goto(stack.url + page_path, wait_until="load")
    page.locator(".ws-staff__body").wait_for(state="visible")
    return page


def _photograph(page: Any, screenshots: Path, name: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.screenshot(path=str(screenshots / f"{name}-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def _clean(watch: Watch, *refused: str) -> None:
    """No foreign host, no console error but the refusals the test asked for (Chromium logs a 400)."""
    assert watch.foreign_hosts() == set(), watch.foreign_hosts()
    errors = [e for e in watch.console_errors if not ("status of 400" in e and any(r in e for r in refused))]
    assert errors == []


def test_a_unit_registers_a_hardship_worker_and_records_supplies(browser, stack, screenshots, tmp_path):
    entry_id = _mask_purchase()
    context = browser.new_context(**PHONE)
    watch = Watch(stack.cognito)
    try:
        page = _signed_in(context, watch, stack, "hospital.admin", "/staff/hardship/")
        page.locator('[data-role="list"][aria-busy="false"]').wait_for(state="attached")
        assert "还没有在档的困难职工" in page.locator('[data-role="list"]').inner_text()

        one = page.locator("#hs-register")
        one.get_by_label("姓名").fill("陈秀英")
        one.get_by_label("身份证号").fill("370902197505051231")
        one.get_by_label("手机号码").fill("13905380707")
        one.get_by_label("困难情况").fill("丈夫去世，独自抚养两个孩子")
        contact = one.get_by_label("联系人（可不选）")  # picked by name from the staff who may visit
        contact.locator("option", has_text="一对一联系人（演示）").wait_for(state="attached")
        offered = contact.locator("option").all_inner_texts()
        assert "hospital.contact" not in " ".join(offered)
        assert not any("财务" in o or "审计" in o for o in offered), offered  # roles that do not visit
        contact.select_option(label="一对一联系人（演示）")
        one.locator('button[type="submit"]').click()
        one.locator(".ws-form__message--ok").filter(has_text="已登记：陈秀英").wait_for()
        first = page.locator('[data-role="list"] .ws-record', has_text="陈秀英")
        first.wait_for()
        assert "一对一联系人（演示）" in first.inner_text() and "hospital.contact" not in first.inner_text()

        form = page.locator("#hs-import")
        bad = _sheet(tmp_path / "bad.xlsx", [["王大力", "370902198001011231", "13905380303", "下岗，妻子重病", ""]])
        form.locator('[name="file"]').set_input_files(str(bad))
        form.locator('button[type="submit"]').click()
        refusal = form.locator(".ws-form__message--error")
        refusal.wait_for()
        assert "第 2 行身份证号" in refusal.inner_text()

        good = _sheet(tmp_path / "good.xlsx", [["王大力", "370902198001011230", 13905380303, "下岗，妻子重病", ""]])
        form.locator('[name="file"]').set_input_files(str(good))
        form.locator('button[type="submit"]').click()
        form.locator(".ws-form__message--ok").wait_for()
        assert "已登记 1 人" in form.inner_text()
        record = page.locator('[data-role="list"] .ws-record', has_text="王大力")
        record.wait_for()
        assert "139****0303" in record.inner_text()

        record.get_by_role("link", name="王大力").click()  # the worker's own address
        page.wait_for_url("**/staff/hardship/?worker=*")
        check = page.locator("#hs-check")
        check.locator('[name="situation"]').fill("妻子住院，家中收入靠低保。")
        check.locator('[name="precautions"]').fill("每日测温，居家不外出。")
        check.locator('[name="weak_protection"]').check()
        check.locator('button[type="submit"]').click()
        check.locator(".ws-form__message--ok").wait_for()
        assert "自身防控能力较弱" in page.locator('[data-role="checks"]').inner_text()

        supply = page.locator("#hs-supply")
        supply.locator('[name="items"]').fill("口罩 20 只、消毒液 2 瓶")
        picker = supply.locator("#hs-entry-pick")
        assert picker.is_visible() and supply.locator("#hs-entry").is_hidden()
        picker.select_option(entry_id)
        supply.locator('button[type="submit"]').click()
        supply.locator(".ws-form__message--ok").wait_for()
        given = page.locator('[data-role="supplies"]').inner_text()
        assert "口罩 20 只、消毒液 2 瓶" in given and "购买口罩" in given and entry_id not in given
        assert "泰山区示范医院工会管理员（演示）" in given  # who recorded it, by name
        _photograph(page, screenshots, "staff-hardship-worker")
        page.go_back()  # the register again, counting the supplies given
        page.locator('[data-role="list"] .ws-record', has_text="1 次").wait_for()
        _photograph(page, screenshots, "staff-hardship")
        _clean(watch, "/import", "/workers")
    finally:
        context.close()


def _pick_insured(page: Any, family_name: str, insured: str) -> Any:
    """On the cover page, choose the family by its person's name, then the insured person; the form."""
    form = page.locator("#cv-enrol")
    family = form.locator("#cv-family")
    family.locator("option", has_text=family_name).wait_for(state="attached")
    family.select_option(label=family.locator("option", has_text=family_name).inner_text())
    form.locator("#cv-who option", has_text=insured).wait_for(state="attached")
    form.locator("#cv-who").select_option(label=insured)
    return form


def test_a_family_member_is_enrolled_in_cover_and_is_in_the_insurer_list(browser, stack, screenshots):
    _family()
    context = browser.new_context(**PHONE, accept_downloads=True)
    watch = Watch(stack.cognito)
    try:
        page = _signed_in(context, watch, stack, "hospital.admin", "/staff/frontline/cover/")
        form = _pick_insured(page, "李静", "李母（母亲）")
        form.get_by_label("重大疾病").check()
        form.get_by_label("意外伤害").check()
        form.locator('button[type="submit"]').click()
        form.locator(".ws-form__message--ok").wait_for()
        listed = page.locator('[data-role="list"] .ws-record', has_text="李母")
        listed.wait_for()
        assert "重大疾病、意外伤害" in listed.inner_text()

        with page.expect_download() as download:
            page.get_by_role("button", name="导出给保险机构（xlsx）").click()
        saved = download.value
        assert saved.suggested_filename.endswith(".xlsx")
        assert saved.suggested_filename == "参保名单-泰山区示范医院工会（演示）.xlsx"
        book = load_workbook(io.BytesIO(Path(saved.path()).read_bytes()), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert any("李母" in row and "母亲" in row for row in rows), rows

        listed.get_by_role("button", name="申请理赔：李母").click()
        claim = page.locator("#cv-claim")
        claim.get_by_label("出险的保障项目").select_option("accident")
        claim.get_by_label("情况说明").fill("买菜途中摔倒，右腿骨折，在市中心医院治疗。")
        claim.get_by_label("联系电话").fill("13905380808")
        claim.locator('button[type="submit"]').click()
        claim.locator(".ws-form__message--ok").filter(has_text="理赔申请已提交，查询编号").wait_for()
        _photograph(page, screenshots, "staff-cover")
        _clean(watch)
    finally:
        context.close()


def test_a_hotline_case_reaches_a_counsellor_from_the_pool(browser, stack, screenshots):
    context = browser.new_context(**PHONE)
    watch = Watch(stack.cognito)
    try:
        # The city federation's pool: the demo counsellor is in it; add one, pause them, take them out.
        page = _signed_in(context, watch, stack, "city.admin", "/staff/support/counsellors/")
        pool = page.locator('[data-role="list"]')
        pool.locator(".ws-record", has_text="心理咨询师（演示）").wait_for()
        form = page.locator("#cs-new")
        form.get_by_label("登录名").fill("city.counsellor2")
        form.get_by_label("姓名").fill("周老师")
        form.get_by_label("资质").fill("心理治疗师")
        form.get_by_label("可接待时间").fill("周末全天")
        form.locator('button[type="submit"]').click()
        zhou = pool.locator(".ws-record", has_text="周老师")
        zhou.wait_for()
        zhou.get_by_role("button", name="暂停接案").click()
        pool.locator(".ws-record--off", has_text="周老师").wait_for()
        _photograph(page, screenshots, "staff-counsellors")
        zhou = pool.locator(".ws-record", has_text="周老师")
        zhou.get_by_role("button", name="移出咨询师库").click()
        zhou.get_by_role("button", name="确定").click()
        page.locator('[data-role="status"]', has_text="已移出咨询师库").wait_for()
        assert pool.locator(".ws-record", has_text="周老师").count() == 0
        page.close()

        # The hotline operator records a call asking for counselling.
        hotline = _signed_in_support(context, watch, stack, "city.hotline", "/staff/support/hotline/")
        intake = hotline.locator("#hotline-form")
        reference = _hotline_call(hotline, intake)
        hotline.locator('[data-role="intakes"] li', has_text=reference).wait_for()
        assert "泰山区总工会" in hotline.locator('[data-role="intakes"] li', has_text=reference).inner_text()
        _photograph(hotline, screenshots, "staff-hotline")
        hotline.close()

        # A caseworker assigns it to the demo counsellor from the pool's dropdown.
        worker = _signed_in_support(context, watch, stack, "taishan.caseworker", "/staff/support/")
        _assign(worker, reference)
        worker.close()

        mine = _signed_in_support(context, watch, stack, "city.counsellor", "/staff/support/counsellor/")
        mine.locator('[data-role="queue"]', has_text=reference).wait_for()
        _photograph(mine, screenshots, "staff-counsellor-cases")
        _clean(watch)
    finally:
        context.close()


def _signed_in_support(context: Any, watch: Watch, stack: Running, username: str, page_path: str) -> Any:
    page = watch.attach(context.new_page())
    page.goto(stack.url + "/staff/", wait_until="load")
    submit_sign_in(page, username, demo_password())
    page.wait_for_url(stack.url + "/staff/workbench/")
    page.locator(".ws-me").wait_for()
    page.goto(stack.url + page_path, wait_until="load")
    page.locator(".ws-support__body").wait_for(state="visible")
    return page


def _hotline_call(page: Any, form: Any) -> str:
    form.locator('[name="phone"]').fill("13900139033")
    form.locator('[name="name"]').fill("孙梅")
    form.locator('[name="category"]').select_option("psychological")
    form.locator('[name="description"]').fill("爱人在隔离病区工作，孩子整夜哭闹，我焦虑得睡不着。")
    form.locator('[name="county_unit_id"]').select_option("taishan")
    form.locator('[name="consent"]').check()
    form.locator('button[type="submit"]').click()
    result = page.locator('[data-role="result"] .ws-support__reference')
    result.wait_for()
    return str(result.inner_text().strip())


def _assign(page: Any, reference: str) -> None:
    queue = page.locator('[data-role="queue"]')
    queue.get_by_text(reference).click()
    detail = page.locator('[data-role="detail"]')
    choice = detail.locator("#support-counsellor")
    choice.locator('option[value="city.counsellor"]').wait_for(state="attached")
    assert choice.locator('option[value="city.counsellor2"]').count() == 0  # taken out of the pool
    choice.select_option("city.counsellor")
    detail.get_by_role("button", name="指派", exact=True).click()
    page.locator('[data-role="detail-status"]').filter(has_text="已指派").wait_for()


def test_the_city_confirms_deliveries_on_a_phone(browser, stack, screenshots):
    from tests.browser.test_frontline import _fund_city

    _fund_city()
    reference = _family_of("赵医生", "370902198502021234", "13905380404")
    context = browser.new_context(**PHONE)
    watch = Watch(stack.cognito)
    try:
        city = _signed_in_care(context, watch, stack, "city.admin", "/staff/delivery/")
        campaign_form = city.locator("#dl-campaign")
        assert campaign_form.locator('input[name="campaign_id"]').count() == 0  # no id typed by staff
        campaign_form.get_by_label("活动名称").fill("关爱一线医务人员爱心蔬菜（第一批）")
        campaign_form.locator('button[type="submit"]').click()
        campaign_form.locator(".ws-care__status").filter(has_text="活动设置已保存").wait_for()
        picked = campaign_form.get_by_label("修改哪个活动")
        assert "关爱一线医务人员爱心蔬菜（第一批）" in picked.locator("option:checked").inner_text()

        family = watch.attach(context.new_page())
        family.goto(stack.url + "/care/", wait_until="load")
        form = family.locator("form.ws-form")
        form.locator('[name="reference"]').fill(reference)
        form.locator('[name="phone"]').fill("13905380404")
        form.locator('[name="address"]').fill("泰山区东岳大街 66 号")
        form.locator('[name="window"]').select_option("evening")
        form.locator('[name="consent"]').check()
        form.locator('button[type="submit"]').click()
        family.locator(".ws-result").filter(has_text="已登记，每周配送").wait_for()
        family.close()

        city.locator('#dl-generate button[type="submit"]').click()
        city.locator("#dl-generate .ws-care__status").filter(has_text="本次新生成").wait_for()
        card = city.locator('[data-role="roster"] .ws-record').filter(has_text="泰山区东岳大街 66 号")
        card.wait_for()
        for label in ("已送达", "未能送达", "家庭婉拒"):
            box = card.get_by_role("button", name=label).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (label, box)
        assert city.evaluate("document.documentElement.scrollWidth") <= 390
        _photograph(city, screenshots, "staff-delivery")
        card.get_by_role("button", name="未能送达").click()
        city.locator('[data-role="roster"] .ws-record').filter(has_text="泰山区东岳大街 66 号") \
            .filter(has_text="未能送达").filter(has_text="确认人").wait_for()
        _clean(watch)
    finally:
        context.close()


def _family_of(name: str, id_number: str, phone: str) -> str:
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import PersonIn

    return frontline.create_person(HOSPITAL, PersonIn(
        name=name, id_number=id_number, phone=phone, department="急诊科", role="医生", deployment="fever_clinic",
        period_start=date(2020, 1, 25)), _city()).id


def _signed_in_care(context: Any, watch: Watch, stack: Running, username: str, page_path: str) -> Any:
    page = watch.attach(context.new_page())
    page.goto(stack.url + "/staff/", wait_until="load")
    submit_sign_in(page, username, demo_password())
    page.wait_for_url(stack.url + "/staff/workbench/")
    page.locator(".ws-me").wait_for()
    page.goto(stack.url + page_path, wait_until="load")
    page.locator(".ws-care[data-ready]").wait_for(state="attached")
    return page


def test_hospital_union_registers_a_person_and_a_member_through_the_form(browser, stack, screenshots):
    context = browser.new_context(**PHONE)
    watch = Watch(stack.cognito)
    try:
        page = _signed_in(context, watch, stack, "hospital.admin", "/staff/frontline/family/")
        form = page.locator("#ff-person")
        form.get_by_label("姓名").fill("周医生")
        form.get_by_label("身份证号码").fill("370902197803031239")
        form.get_by_label("手机号码").fill("13905380505")
        form.get_by_label("科室").fill("感染科")
        form.get_by_label("职务或岗位").fill("医生")
        form.get_by_label("一线岗位").select_option("isolation_ward")
        form.get_by_label("一线工作开始日期").fill("2020-01-28")
        form.locator('button[type="submit"]').click()
        card = page.locator('[data-role="card"]')
        card.locator(".ws-form__message--ok").filter(has_text="已登记：周医生").wait_for()
        card.locator('[data-role="card-title"]').filter(has_text="家庭卡：周医生").wait_for()
        assert "隔离病区" in card.inner_text() and "感染科" in card.inner_text()
        member = card.locator("#ff-member")
        member.get_by_label("家属姓名").fill("周父")
        member.get_by_label("与一线人员的关系").fill("父亲")
        member.get_by_label("年龄").fill("81")
        member.get_by_label("需要的照顾").fill("行动不便，需要送药")
        member.get_by_label("居住地址").fill("泰山区岱宗大街 9 号")
        member.locator('button[type="submit"]').click()
        card.locator('[data-role="members"] .ws-record', has_text="周父（父亲）").wait_for()
        assert "81 岁" in card.locator('[data-role="members"]').inner_text()

        # The age was wrong: put it right where the member is shown.
        card.get_by_role("button", name="修改：周父").click()
        edit = card.locator("#ff-member-edit")
        assert edit.get_by_label("家属姓名").input_value() == "周父"
        edit.get_by_label("年龄").fill("200")
        edit.locator('button[type="submit"]').click()
        edit.locator('[aria-invalid="true"]').first.wait_for()
        edit.get_by_label("年龄").fill("82")
        edit.locator('button[type="submit"]').click()
        card.locator('[data-role="members"] .ws-record', has_text="82 岁").wait_for()
        assert "81 岁" not in card.locator('[data-role="members"]').inner_text()
        # The card is drawn again after the edit, its contact history by a call of its own: wait for it.
        expect(card.locator('[data-role="contact-history"]')).to_contain_text("还没有指定过一对一联系人")

        support = card.locator("#ff-support")
        support.get_by_label("求助类别").select_option("hardship")
        support.get_by_label("需要什么帮助").fill("父亲独居，药快吃完了，需要有人帮忙取药。")
        support.get_by_label("求助的家庭成员姓名").fill("周父")
        support.get_by_label("与一线人员的关系").fill("父亲")
        support.get_by_label("这位家庭成员的手机号码").fill("13905380606")
        support.locator('button[type="submit"]').click()
        support.locator(".ws-form__message--ok").filter(has_text="求助已提交").wait_for()
        _photograph(page, screenshots, "staff-frontline-family")
        _clean(watch, "/members/")
    finally:
        context.close()


def test_the_contact_person_acts_for_a_family_from_their_phone(browser, stack, screenshots):
    """Logs a visit, files a request for the family, signs it up for the packages, taps to call."""
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import AssignIn, ContactIn
    from tests.browser.test_frontline import _fund_city

    _fund_city()
    person = _family_of("吴护士", "370902198806061235", "13905380909")
    from chalicelib.core import errors

    try:
        frontline.register_contact(HOSPITAL, ContactIn(username="hospital.contact", name="一对一联系人（演示）",
                                                       kind="volunteer"), _city())
    except errors.ProblemError:
        pass  # registered by an earlier test of this module
    version = frontline.detail(person, _city()).version
    frontline.assign_contact(person, AssignIn(username="hospital.contact", version=version), _city())
    _campaign_under_way()
    context = browser.new_context(**PHONE)
    watch = Watch(stack.cognito)
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))
    try:
        page = _signed_in_care(context, watch, stack, "hospital.contact", "/staff/frontline/my-families/")
        card = page.locator(".ws-record").filter(has_text="吴护士")
        card.wait_for()
        # the cards come in one request: no request per family for its logs or packages
        assert sum("/api/staff/frontline/my-families" in url for url in asked) == 1, asked
        assert not [url for url in asked if url.endswith("/logs") or "/packages" in url], asked
        assert "13905380909" not in card.inner_text()  # masked until the contact asks to call

        log = card.locator(".ws-care__log")
        log.get_by_label("联系方式").select_option("visit")
        log.get_by_label("了解到的情况").fill("上门看望，孩子由外婆照看，情绪稳定")
        log.locator('button[type="submit"]').click()
        card.locator("td").filter(has_text="孩子由外婆照看").wait_for()

        card.locator("summary", has_text="代家庭提交求助").click()
        behalf = card.locator(".ws-care__behalf")
        behalf.get_by_label("求助类别").select_option("psychological")
        behalf.get_by_label("需要什么帮助").fill("孩子想妈妈，夜里睡不好，想请心理老师聊聊。")
        behalf.get_by_label("求助的家庭成员姓名").fill("吴小宝")
        behalf.get_by_label("与一线人员的关系").fill("儿子")
        behalf.get_by_label("这位家庭成员的手机号码").fill("13905381010")
        behalf.locator('button[type="submit"]').click()
        behalf.locator(".ws-care__status").filter(has_text="求助已提交，查询编号").wait_for()

        card.locator("summary", has_text="登记每周爱心蔬菜").click()
        signup = card.locator(".ws-care__signup")
        signup.get_by_label("配送地址").fill("泰山区灵山大街 18 号")
        signup.get_by_label("配送时段").select_option("afternoon")
        signup.locator('button[type="submit"]').click()
        signup.locator(".ws-care__status").filter(has_text="已登记爱心蔬菜").wait_for()

        card.get_by_role("button", name="拨打电话：吴护士").click()
        call = card.locator("a.ws-care__tel")
        call.wait_for()
        assert call.get_attribute("href") == "tel:13905380909"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _photograph(page, screenshots, "staff-my-families")
        _clean(watch)
    finally:
        context.close()


def _campaign_under_way() -> None:
    """A food-package campaign running this month (the city's delivery page's work), unless one is."""
    from chalicelib.delivery import service as delivery
    from chalicelib.delivery.models import CampaignIn

    if any(c.current_week for c in delivery.list_campaigns().items):
        return
    delivery.create_campaign(CampaignIn.model_validate({
        "name": "关爱一线医务人员爱心蔬菜", "start_date": date.today().replace(day=1).isoformat(), "cap_fen": 8000,
        "price_fen": 7500}), _city())


def test_the_city_sets_how_long_personal_data_is_kept(browser, stack, screenshots):
    context = browser.new_context(**PHONE)
    watch = Watch(stack.cognito)
    try:
        page = _signed_in(context, watch, stack, "city.admin", "/staff/privacy/")
        shown = page.locator('[data-role="policy"]')
        shown.filter(has_text="结束后保留天数").wait_for()
        form = page.locator("#pv-form")
        form.get_by_label("疫情防控任务结束日期（尚未结束可不填）").fill("2030-06-30")
        form.get_by_label("结束后保留天数").fill("180")
        form.locator('button[type="submit"]').click()
        form.locator(".ws-form__message--ok").wait_for()
        assert "2030-06-30" in shown.inner_text() and "2030-12-27" in shown.inner_text()
        _photograph(page, screenshots, "staff-privacy")
        _clean(watch)
    finally:
        context.close()
        from chalicelib.privacy import service as privacy
        from chalicelib.privacy.models import PolicyIn

        privacy.set_policy(PolicyIn(epidemic_ended_on=None, retention_days=180), _city())


def test_a_county_caseworker_enrols_a_family_of_a_hospital_below(browser, stack, screenshots):
    """A county union's own archive is empty (households are registered by hospitals): the cover page
    opens on the hospital below that holds families, offers them and their members, and enrols one."""
    _family("周敏", "370902198803031233", "13905380303", ("周父", "父亲"))
    context = browser.new_context(**PHONE)
    watch = Watch(stack.cognito)
    try:
        page = _signed_in(context, watch, stack, "taishan.caseworker", "/staff/frontline/cover/")
        form = _pick_insured(page, "周敏", "周父（父亲）")
        assert page.locator("#cv-unit").input_value() == HOSPITAL
        assert "泰山区示范医院工会" in form.locator("label[for=cv-family]").inner_text()
        form.get_by_label("意外伤害").check()
        form.locator('button[type="submit"]').click()
        form.locator(".ws-form__message--ok").wait_for()
        page.locator('[data-role="list"] .ws-record', has_text="周父").wait_for()
        _photograph(page, screenshots, "staff-cover-county")
        _clean(watch)
    finally:
        context.close()


def test_with_no_family_to_pick_the_cover_page_says_why_under_the_control(browser, stack, screenshots):
    """No family under the union: the family picker says so in a few words and the explanation is
    text under it, never a long option cut off by the control's width."""
    context = browser.new_context(**PHONE)
    watch = Watch(stack.cognito)
    try:
        page = _signed_in(context, watch, stack, "daiyue.caseworker", "/staff/frontline/cover/")
        hint = page.locator("#cv-family-hint")
        hint.wait_for(state="visible")
        assert "还没有一线人员" in hint.inner_text()
        assert page.locator("#cv-family").get_attribute("aria-describedby") == "cv-family-hint"
        options = page.locator("#cv-family option, #cv-who option").all_inner_texts()
        assert options and all(len(o) <= 12 for o in options), options
        _photograph(page, screenshots, "staff-cover-none")
        _clean(watch)
    finally:
        context.close()


def test_when_the_families_cannot_be_read_the_cover_page_says_why_under_the_control(browser, stack, screenshots):
    """The hospitals' family lists answer 503: the family picker's hint says so, with the error
    number to quote to the helpdesk, instead of leaving the picker empty without a word."""
    problem = {"type": "/problems/unavailable", "title": "服务暂时不可用", "status": 503,
               "detail": "请稍后再试。", "request_id": "req-families-down"}
    context = browser.new_context(**PHONE)
    context.route("**/api/staff/frontline/units/*/personnel*", lambda route: route.fulfill(
        status=503, content_type="application/problem+json", headers={"Retry-After": "1"},
        body=json.dumps(problem, ensure_ascii=False)))
    watch = Watch(stack.cognito)
    try:
        page = _signed_in(context, watch, stack, "taishan.caseworker", "/staff/frontline/cover/")
        hint = page.locator("#cv-family-hint")
        expect(hint).to_contain_text("服务暂时不可用")
        assert "req-families-down" in hint.inner_text()
        expect(hint).to_have_class(re.compile(r"ws-field__hint--error"))  # red, marked ⚠, not a grey hint
        expect(page.locator('[data-role="list"]')).not_to_contain_text("正在加载")
        _photograph(page, screenshots, "staff-cover-families-failed")
        assert watch.foreign_hosts() == set()
        assert [e for e in watch.console_errors if "status of 503" not in e] == []
    finally:
        context.close()


def test_a_county_caseworker_opens_the_archive_on_the_hospital_that_holds_families(browser, stack, screenshots):
    """Signed in at the county union, whose own archive is empty by design, the archive page opens
    on the hospital below that holds the families, and lists them; a family without a contact is
    in the county's list of those."""
    _family("吴刚", "370902198505051236", "13905380404", None)
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN")
    watch = Watch(stack.cognito)
    try:
        page = _signed_in_care(context, watch, stack, "taishan.caseworker", "/staff/frontline/")
        assert page.locator("#fl-unit").input_value() == HOSPITAL
        page.locator('[data-role="personnel"]', has_text="吴刚").wait_for()
        page.locator('[data-role="uncovered"]', has_text="吴刚").wait_for()
        _photograph(page, screenshots, "staff-frontline-county")
        _clean(watch)
    finally:
        context.close()
