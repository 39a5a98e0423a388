"""Recuperation on the FULL local stack, on a phone-sized Chromium: after the food-package campaign
has ended, the hospital union (demo hospital.admin) nominates two of its frontline staff in the
workbench's 疗休养 page; the city federation (city.admin) sees them in priority order, raises one
with a note, approves both, opens a one-seat batch and places by priority; the county caseworker
(taishan.caseworker) sees who was placed, with the batch and the reference."""

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
    open_tile,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack(built_site: Path) -> Iterator[Running]:
    with full_stack(built_site) as running:
        yield running


def _archive_and_ended_campaign() -> tuple[str, str]:
    """Two frontline staff of the demo hospital and a campaign that has ended (the archive and the
    campaign have their own pages; the stack runs in this process, so their services are called)."""
    from datetime import date

    from chalicelib.core.auth import Principal
    from chalicelib.delivery import service as delivery
    from chalicelib.delivery.models import CampaignIn
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import PersonIn
    from tests.api.access_cases.frontline import fresh_id_number

    admin = Principal(kind="staff", id="city.admin", unit_id="city", unit_path="/city/",
                      roles=frozenset({"city_admin"}))
    delivery.save_campaign(f"ended-{uuid.uuid4().hex[:6]}", CampaignIn(
        name="一线人员家庭爱心蔬菜", start_date=date(2020, 2, 18), end_date=date(2020, 6, 30), cap_fen=8000,
        price_fen=7500, suppliers=[]), admin)
    ids = []
    staff = (("刘护士", "fever_clinic", date(2020, 3, 20)), ("陈医生", "aid_team", date(2020, 3, 1)))
    for name, deployment, end in staff:
        person = frontline.create_person("demo-taishan-hospital", PersonIn(
            name=name, id_number=fresh_id_number(), phone=f"139{uuid.uuid4().int % 10**8:08d}", department="呼吸内科",
            role="护士", deployment=deployment, period_start=date(2020, 2, 1), period_end=end), admin)
        ids.append(person.id)
    return ids[0], ids[1]


def _signed_in(context: Any, watch: Watch, stack: Running, username: str) -> Any:
    page = watch.attach(context.new_page())  # a tab of its own: its own session
    sign_in(page, stack.url, username)
    open_tile(page, stack.url, "疗休养", "/staff/recuperation/", '[data-role="nominations"][aria-busy="false"]')
    return page


def test_nominate_rank_approve_and_place(context, stack, screenshots):
    watch = Watch(stack.cognito)
    nurse, doctor = _archive_and_ended_campaign()

    hospital = _signed_in(context, watch, stack, "hospital.admin")
    assert hospital.locator('[data-needs="city"]').first.is_hidden()
    form = hospital.locator("#rc-nominate")
    # the nominee is picked from the archive, by name: nobody types a family number
    form.locator(f'#rc-person option[value="{nurse}"]').wait_for(state="attached")
    assert "刘护士" in form.locator(f'#rc-person option[value="{nurse}"]').inner_text()
    for person, reason in ((nurse, "在发热门诊连续值守四十八天，主动承担夜班。"),
                           (doctor, "随山东援助医疗队赴湖北，参与重症病人救治一个月。")):
        form.locator('[name="person_id"]').select_option(person)
        form.locator('[name="reason"]').fill(reason)
        form.locator('button[type="submit"]').click()
        form.locator(".ws-form__message--ok").wait_for()
        hospital.locator('[data-role="nominations"] .ws-record', has_text=person).wait_for()
    form.locator('[name="person_id"]').select_option(nurse)
    form.locator('[name="reason"]').fill("再次提交同一个人的推荐，应当被拒绝。")
    form.locator('button[type="submit"]').click()
    hospital.get_by_text("每人只能有一条有效推荐").first.wait_for()
    hospital.screenshot(path=str(screenshots / "recuperation-nominated.png"), full_page=True)
    assert axe_problems(hospital, "recuperation workbench (hospital)") == []

    city = _signed_in(context, watch, stack, "city.admin")
    ranking = city.locator('[data-role="ranking"]')
    first = ranking.locator(".ws-record").first
    first.wait_for()
    assert "优先分" in city.locator('[data-role="rule"]').inner_text()
    # the nurse: fever clinic 30 + 49 days (1 Feb to 20 Mar 2020) = 79; the doctor: aid team 40 + 30 days = 70
    assert "第 1 位：刘护士" in first.inner_text() and "优先分\n79" in first.inner_text()
    doctor_row = ranking.locator(".ws-record", has_text="陈医生")
    adjust = doctor_row.locator("form")
    adjust.locator('[name="adjustment"]').fill("20")
    adjust.locator('[name="note"]').fill("省级抗疫先进个人")
    adjust.locator('button[type="submit"]').click()
    ranking.locator(".ws-record").first.filter(has_text="第 1 位：陈医生").wait_for()
    assert "90（岗位和天数 70，调整 +20：省级抗疫先进个人）" in ranking.locator(".ws-record").first.inner_text()
    for name in ("陈医生", "刘护士"):
        ranking.locator(".ws-record", has_text=name).get_by_role("button", name="同意", exact=True).click()
        ranking.locator("> .ws-staff__status", has_text=f"{name}：已同意").wait_for()

    title = f"一线医务人员疗休养第一批{uuid.uuid4().hex[:4]}"
    new = city.locator("#rc-new-batch")
    new.locator('[name="title"]').fill(title)
    new.locator('[name="starts_at"]').fill("2030-05-10T08:00")
    new.locator('[name="ends_at"]').fill("2030-05-16T18:00")
    new.locator('[name="place"]').fill("泰山职工疗休养院")
    new.locator('[name="capacity"]').fill("1")
    new.locator('button[type="submit"]').click()
    new.get_by_text(f"批次已新建：{title}").wait_for()
    batch = city.locator('[data-role="batches"] .ws-record', has_text=title)
    place = batch.get_by_role("button", name="按优先顺序安排")
    place.evaluate("b => b.scrollIntoView({block: 'center'})")  # clear of the fixed hotline bar
    place.click()
    city.locator('[data-role="batches"] > .ws-staff__status', has_text="本次安排 1 人：陈医生").wait_for()
    assert "剩余名额0" in city.locator('[data-role="batches"] .ws-record', has_text=title).inner_text().replace(
        "\n", "").replace(" ", "")
    city.screenshot(path=str(screenshots / "recuperation-placed.png"), full_page=True)
    assert axe_problems(city, "recuperation workbench (city)") == []

    county = _signed_in(context, watch, stack, "taishan.caseworker")
    placed = county.locator('[data-role="nominations"] .ws-record', has_text=doctor)
    placed.wait_for()
    text = placed.inner_text()
    assert "已安排疗休养" in text and title in text and "泰山职工疗休养院" in text and "2030年5月10日 8:00" in text
    waiting = county.locator('[data-role="nominations"] .ws-record', has_text=nurse)
    assert "已同意，待安排批次" in waiting.inner_text()
    assert watch.foreign_hosts() == set()
    # the one expected refusal: the second nomination of the same person (409)
    refused = f"409 (Conflict) ({stack.url}/api/staff/recuperation/nominations/{nurse})"
    assert [e for e in watch.console_errors if refused not in e] == []
    assert len(watch.console_errors) == 1
