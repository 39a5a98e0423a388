"""Firms register, post openings, the county union reviews both before anything is public; workers
browse, filter and page, and see the firm's contact (their own phone goes to the firm only with consent)."""

from __future__ import annotations

import base64
import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from chalicelib.recruitment.credit import check_character
from tests.api.helpers import count_items, new_key, post_json, problem
from tests.staff_accounts import put_staff_record


def credit_code(n: int) -> str:
    head = f"91370902{n:09d}"
    return head + check_character(head)


def firm_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body = {"name": f"泰安示范制造有限公司{n}", "credit_code": credit_code(n), "county_unit_id": "taishan",
            "industry": "manufacturing", "address": "泰山区示范路 1 号", "contact_name": "李经理",
            "contact_phone": f"1370000{n:04d}", "consent": True, "consent_version": "2020-02-v1"}
    body.update(overrides)
    return body


def opening_body(reference: str, n: int = 1, **overrides: Any) -> dict[str, Any]:
    body = {"firm_reference": reference, "phone": f"1370000{n:04d}", "title": "装配工", "headcount": 20,
            "wage_min": 4000, "wage_max": 5500, "shift": "staggered", "remote": False, "place": "泰山区示范路 1 号",
            "requirements": "身体健康，能适应错时上下班。",
            "valid_until": (date.today() + timedelta(days=30)).isoformat()}
    body.update(overrides)
    return body


@pytest.fixture
def caseworker(staff_token):
    return {"Authorization": f"Bearer {staff_token('taishan.caseworker', 'taishan', ['caseworker'])}"}


def new_firm(client: Any, n: int = 1, **overrides: Any) -> str:
    response = post_json(client, "/firms", firm_body(n, **overrides), new_key())
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["reference"])


def review(client: Any, headers: dict[str, str], what: str, reference: str, decision: str = "approve",
           reason: str | None = None, version: int = 1) -> Any:
    body: dict[str, Any] = {"decision": decision, "version": version}
    if reason:
        body["reason"] = reason
    return post_json(client, f"/staff/{what}/{reference}/review", body, None, **headers)


def published(client: Any, query: str = "") -> list[dict[str, Any]]:
    response = client.http.get(f"/openings{query}")
    assert response.status_code == 200, response.body
    return list(json.loads(response.body)["items"])


def approved_opening(client: Any, caseworker: dict[str, str], n: int = 1, **overrides: Any) -> tuple[str, str]:
    firm = new_firm(client, n, **{k: v for k, v in overrides.items() if k in ("county_unit_id", "industry")})
    assert review(client, caseworker, "firms", firm).status_code == 200
    opening_overrides = {k: v for k, v in overrides.items() if k not in ("county_unit_id", "industry")}
    opening = json.loads(post_json(client, "/openings", opening_body(firm, n, **opening_overrides), new_key()).body)
    assert review(client, caseworker, "openings", opening["reference"]).status_code == 200
    return firm, opening["reference"]


def test_an_opening_is_public_only_after_review(client, caseworker):
    firm = new_firm(client)
    opening = post_json(client, "/openings", opening_body(firm), new_key())
    assert opening.status_code == 201, opening.body
    reference = json.loads(opening.body)["reference"]
    assert published(client) == []
    queue = json.loads(client.http.get("/staff/units/taishan/openings", headers=caseworker).body)["items"]
    assert [(q["reference"], q["firm_status"]) for q in queue] == [(reference, "pending")]
    early = review(client, caseworker, "openings", reference)
    assert early.status_code == 409 and "请先审核通过这家单位" in problem(early)["detail"]
    assert review(client, caseworker, "firms", firm).status_code == 200
    assert review(client, caseworker, "openings", reference).status_code == 200
    [item] = published(client)
    assert item["id"] == reference and item["salary"] == "4000–5500 元/月" and item["shift_label"] == "错时上下班"
    assert item["firm_name"] == "泰安示范制造有限公司1" and item["county"] == "泰山区总工会"
    assert "contact_phone" not in json.dumps(item) and "13700000001" not in json.dumps(item)


def test_a_rejection_reason_is_readable_with_reference_and_phone(client, caseworker):
    firm = new_firm(client)
    assert review(client, caseworker, "firms", firm, "reject", "营业执照信息与登记不一致").status_code == 200
    found = json.loads(post_json(client, "/status/lookup", {"reference": firm, "phone": "13700000001"}).body)
    assert found["status"] == "rejected" and "营业执照信息与登记不一致" in found["message"]
    again = post_json(client, "/firms", firm_body(), new_key())  # the code can be registered again, corrected
    assert again.status_code == 201
    refused = post_json(client, "/openings", opening_body(firm), new_key())
    assert refused.status_code == 409


def test_rejecting_needs_a_reason_and_a_review_happens_once(client, caseworker):
    firm = new_firm(client)
    assert review(client, caseworker, "firms", firm, "reject").status_code == 400
    assert review(client, caseworker, "firms", firm).status_code == 200
    assert review(client, caseworker, "firms", firm, version=2).status_code == 409


def test_a_credit_code_registers_once_while_live(client, seeded):
    new_firm(client)
    before = count_items(seeded)
    response = post_json(client, "/firms", firm_body(name="另一家公司"), new_key())
    assert response.status_code == 409 and count_items(seeded) == before


def test_bad_credit_codes_and_wages_name_the_field(client, caseworker):
    bad = post_json(client, "/firms", firm_body(credit_code="91350100M000100Y44"), new_key())
    assert bad.status_code == 400 and problem(bad)["errors"][0]["field"] == "credit_code"
    firm = new_firm(client)
    wages = post_json(client, "/openings", opening_body(firm, wage_min=6000, wage_max=5000), new_key())
    assert wages.status_code == 400
    past = post_json(client, "/openings", opening_body(firm, valid_until="2020-01-01"), new_key())
    assert past.status_code == 400 and problem(past)["errors"][0]["field"] == "valid_until"
    wrong_phone = post_json(client, "/openings", {**opening_body(firm), "phone": "13900000000"}, new_key())
    assert wrong_phone.status_code == 404


def test_filters_and_pages(client, caseworker, staff_token):
    daiyue = {"Authorization": f"Bearer {staff_token('daiyue.cw', 'daiyue', ['caseworker'])}"}
    approved_opening(client, caseworker, 1)
    approved_opening(client, caseworker, 2, industry="logistics", shift="flexible", remote=True)
    approved_opening(client, daiyue, 3, county_unit_id="daiyue")
    assert len(published(client)) == 3
    assert [i["firm_name"] for i in published(client, "?county=daiyue")] == ["泰安示范制造有限公司3"]
    assert [i["shift"] for i in published(client, "?shift=flexible")] == ["flexible"]
    assert [i["industry"] for i in published(client, "?industry=logistics&county=taishan")] == ["logistics"]
    assert client.http.get("/openings?shift=night").status_code == 400
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        from chalicelib.recruitment import service

        page = service.list_openings(None, None, None, cursor, limit=2)
        seen += [i.id for i in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 3
    forged = client.http.get("/openings?county=taishan&cursor=" + (service.list_openings(None, None, None, None, 1)
                                                                  .next_cursor or ""))
    assert forged.status_code == 400  # a cursor is bound to its filters


def test_interest_shows_the_contact_and_shares_the_phone_only_with_consent(client, caseworker, auditor_headers):
    firm, opening = approved_opening(client, caseworker)
    worker = {"name": "赵强", "phone": "13911112222", "consent": True, "consent_version": "2020-02-v1"}
    without = json.loads(post_json(client, f"/openings/{opening}/interest", worker, new_key()).body)
    assert without["contact_phone"] == "13700000001" and without["shared"] is False
    lookup = {"reference": firm, "phone": "13700000001"}
    assert json.loads(post_json(client, "/firms/interested", lookup).body)["items"] == []
    shared = post_json(client, f"/openings/{opening}/interest", {**worker, "share_phone": True}, new_key())
    assert json.loads(shared.body)["shared"] is True
    [person] = json.loads(post_json(client, "/firms/interested", lookup).body)["items"]
    assert person["phone"] == "13911112222" and person["opening_reference"] == opening
    assert post_json(client, "/firms/interested", {**lookup, "phone": "13911112222"}).status_code == 404
    for headers, phone in ((caseworker, "13911112222"), (auditor_headers, "139****2222")):
        body = json.loads(client.http.get(f"/staff/firms/{firm}/interested/export", headers=headers).body)
        rows = list(load_workbook(io.BytesIO(base64.b64decode(body["content_base64"]))).active
                    .iter_rows(values_only=True))
        assert body["rows"] == 1 and rows[2][4] == phone


def test_unpublished_openings_take_no_interest(client, caseworker):
    firm = new_firm(client)
    opening = json.loads(post_json(client, "/openings", opening_body(firm), new_key()).body)["reference"]
    worker = {"name": "赵强", "phone": "13911112222", "consent": True, "consent_version": "2020-02-v1"}
    assert post_json(client, f"/openings/{opening}/interest", worker, new_key()).status_code == 404
    assert client.http.get(f"/openings/{opening}").status_code == 404


def test_review_is_scoped_to_the_county(client, caseworker, staff_token):
    daiyue = {"Authorization": f"Bearer {staff_token('daiyue.cw', 'daiyue', ['caseworker'])}"}
    firm = new_firm(client)
    assert review(client, daiyue, "firms", firm).status_code == 404
    assert client.http.get("/staff/units/taishan/firms", headers=daiyue).status_code == 404


def history(client: Any, headers: dict[str, str], what: str, reference: str) -> list[tuple[Any, ...]]:
    """A firm's or an opening's history as the staff detail answers it: (action, label, who, state, reason)."""
    response = client.http.get(f"/staff/{what}/{reference}", headers=headers)
    assert response.status_code == 200, response.body
    lines = json.loads(response.body)["history"]
    assert [line["at"] for line in lines] == sorted(line["at"] for line in lines)
    assert all(line["at"].endswith("Z") for line in lines)  # UTC; the page shows it in Beijing time
    return [(line["action"], line["action_label"], line["actor_name"], line["status"], line.get("reason"))
            for line in lines]


def test_each_change_of_an_opening_and_its_firm_is_in_its_history_with_who_made_it(client, caseworker,
                                                                                   staff_token):
    put_staff_record("taishan.caseworker", "taishan", ["caseworker"], name="王审核")
    firm = new_firm(client)
    submitted = ("register", "提交企业登记", "本人（网上提交）", "pending", None)
    assert history(client, caseworker, "firms", firm) == [submitted]
    assert review(client, caseworker, "firms", firm).status_code == 200
    approved = ("approve", "审核通过", "王审核", "approved", None)
    assert history(client, caseworker, "firms", firm) == [submitted, approved]

    returned = json.loads(post_json(client, "/openings", opening_body(firm), new_key()).body)["reference"]
    posted = ("post", "提交招聘岗位", "本人（网上提交）", "pending", None)
    assert history(client, caseworker, "openings", returned) == [posted]
    assert review(client, caseworker, "openings", returned, "reject", "请写明工作时间和社会保险").status_code == 200
    assert history(client, caseworker, "openings", returned) == [
        posted, ("return", "退回（审核未通过）", "王审核", "rejected", "请写明工作时间和社会保险")]

    listed = json.loads(post_json(client, "/openings", opening_body(firm, title="叉车司机"), new_key()).body)
    listed = listed["reference"]
    assert review(client, caseworker, "openings", listed).status_code == 200
    assert history(client, caseworker, "openings", listed) == [
        posted, ("publish", "审核通过，公开发布", "王审核", "published", None)]

    daiyue = {"Authorization": f"Bearer {staff_token('daiyue.cw', 'daiyue', ['caseworker'])}"}
    assert client.http.get(f"/staff/openings/{returned}", headers=daiyue).status_code == 404


@pytest.fixture
def auditor_headers(staff_token):
    return {"Authorization": f"Bearer {staff_token('taishan.auditor', 'taishan', ['auditor'])}"}
