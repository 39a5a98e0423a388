"""The staff side of support requests: lifecycle, locking, routing, counters, counsellors, hotline."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook

from chalicelib.core import audit
from chalicelib.support import store
from chalicelib.support.service import TERMINAL, TRANSITIONS
from tests.api.helpers import new_key, post_json, support_body

STATUSES = sorted(TRANSITIONS)
# How to reach each status from submitted, along allowed transitions.
PATH_TO = {
    "submitted": [],
    "accepted": ["accepted"],
    "in_progress": ["accepted", "in_progress"],
    "callback": ["accepted", "callback"],
    "resolved": ["accepted", "in_progress", "resolved"],
    "closed": ["accepted", "in_progress", "closed"],
    "rejected": ["rejected"],
}
EXTRA = {"resolved": {"outcome": "已安排咨询师两次通话，情绪平稳。"}, "closed": {"outcome": "多次联系不上。"},
         "rejected": {"reason": "不属于工会受理范围。"}}


def _get(client: Any, path: str, token: str) -> Any:
    return client.http.get(path, headers={"Authorization": f"Bearer {token}"})


def _post(client: Any, path: str, body: dict[str, Any], token: str) -> Any:
    return post_json(client, path, body, new_key(), Authorization=f"Bearer {token}")


def _submit(client: Any, **overrides: Any) -> str:
    response = post_json(client, "/support-requests", support_body(**overrides), new_key())
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["reference"])


def _move(client: Any, token: str, reference: str, to: str, version: int) -> Any:
    return _post(client, f"/staff/support/requests/{reference}/transitions",
                 {"to": to, "version": version, **EXTRA.get(to, {})}, token)


def _reach(client: Any, token: str, status: str) -> tuple[str, int]:
    reference, version = _submit(client), 1
    for step in PATH_TO[status]:
        response = _move(client, token, reference, step, version)
        assert response.status_code == 200, response.body
        version = json.loads(response.body)["version"]
    return reference, version


@pytest.fixture
def worker(client, staff_token):
    return staff_token("taishan.worker", "taishan", ["caseworker"])


def test_the_transition_table_is_what_the_issue_asks_for():
    assert TRANSITIONS["submitted"] == {"accepted", "rejected"}
    assert "resolved" not in TRANSITIONS["submitted"]
    assert {"callback"} <= TRANSITIONS["accepted"] & TRANSITIONS["in_progress"]
    assert {"accepted", "in_progress"} <= TRANSITIONS["callback"]
    assert all(not TRANSITIONS[s] for s in TERMINAL)


CASES = [(a, b) for a in STATUSES for b in STATUSES]


@pytest.mark.parametrize(("start", "to"), CASES, ids=[f"{a}->{b}" for a, b in CASES])
def test_every_transition_is_allowed_or_refused_by_the_table(client, worker, start, to):
    reference, version = _reach(client, worker, start)
    before = store.get_request(reference)
    response = _move(client, worker, reference, to, version)
    if to in TRANSITIONS[start]:
        assert response.status_code == 200, response.body
        body = json.loads(response.body)
        assert body["status"] == to and body["version"] == version + 1
        assert audit.history("support", reference)[-1]["after"]["status"] == to
    else:
        assert response.status_code == 409, response.body
        assert json.loads(response.body)["type"] == "/problems/invalid-transition"
        assert store.get_request(reference) == before


def test_callback_counts_attempts_and_comes_back(client, worker):
    reference, version = _reach(client, worker, "callback")
    again = _move(client, worker, reference, "callback", version)
    assert json.loads(again.body)["callback_attempts"] == 2
    back = _move(client, worker, reference, "in_progress", version + 1)
    assert json.loads(back.body)["status"] == "in_progress"


@pytest.mark.parametrize(("to", "field"), [("resolved", "outcome"), ("closed", "outcome"), ("rejected", "reason")])
def test_finishing_needs_its_outcome_or_reason(client, worker, to, field):
    reference, version = _reach(client, worker, "in_progress")
    response = _post(client, f"/staff/support/requests/{reference}/transitions", {"to": to, "version": version},
                     worker)
    assert response.status_code == 400
    assert [e["field"] for e in json.loads(response.body)["errors"]] == [field]
    assert store.get_request(reference)["status"] == "in_progress"


def test_a_stale_version_is_told_someone_else_changed_it(client, worker, staff_token):
    other = staff_token("taishan.other", "taishan", ["caseworker"])
    reference = _submit(client)
    first = _move(client, worker, reference, "accepted", 1)
    second = _move(client, other, reference, "rejected", 1)
    assert first.status_code == 200
    assert second.status_code == 409
    body = json.loads(second.body)
    assert body["title"] == "记录已被他人修改"
    assert store.get_request(reference)["status"] == "accepted"


def test_the_requester_sees_the_public_message_never_the_notes(client, worker):
    reference, version = _reach(client, worker, "in_progress")
    note = _post(client, f"/staff/support/requests/{reference}/notes", {"text": "来电人情绪激动，注意措辞。"}, worker)
    assert note.status_code == 201
    done = {"to": "resolved", "version": version, "outcome": "咨询三次。", "public_message": "已为您安排心理咨询。"}
    assert _post(client, f"/staff/support/requests/{reference}/transitions", done, worker).status_code == 200
    looked = post_json(client, "/status/lookup", {"reference": reference, "phone": "13800138000"})
    text = looked.body.decode()
    assert json.loads(text)["message"] == "已为您安排心理咨询。" and json.loads(text)["status"] == "resolved"
    assert "情绪激动" not in text and "咨询三次" not in text
    detail = json.loads(_get(client, f"/staff/support/requests/{reference}", worker).body)
    assert [n["text"] for n in detail["notes"]] == ["来电人情绪激动，注意措辞。"]
    assert [h["action"] for h in detail["history"]].count("support.transition") == 3


@pytest.mark.parametrize(("overrides", "unit"), [
    ({"county_unit_id": "taishan"}, "taishan"),
    ({"county_unit_id": "daiyue"}, "daiyue"),
    ({"county_unit_id": "taishan", "unit_id": "demo-taishan-hospital"}, "demo-taishan-hospital"),
    ({"county_unit_id": "taishan", "unit_id": "demo-taishan-factory"}, "demo-taishan-factory"),
])
def test_routing_over_the_seeded_tree(client, seeded, staff_token, overrides, unit):
    reference = _submit(client, **overrides)
    record = store.get_request(reference)
    assert record["unit_id"] == unit and record["unit_path"].endswith(f"/{unit}/")
    token = staff_token("city.caseworker", "city", ["caseworker"])
    queue = json.loads(_get(client, f"/staff/support/units/{unit}/queue", token).body)
    assert [i["reference"] for i in queue["items"]] == [reference]
    assert queue["items"][0]["phone"] == "138****8000"


def test_a_county_caseworker_does_not_see_a_sibling_county(client, worker):
    reference = _submit(client, county_unit_id="daiyue")
    assert _get(client, f"/staff/support/requests/{reference}", worker).status_code == 404
    assert _get(client, "/staff/support/units/daiyue/queue", worker).status_code == 404


def test_a_city_caseworker_reassigns_anywhere_in_the_city_and_counters_follow(client, staff_token):
    city = staff_token("city.caseworker", "city", ["caseworker"])
    county = staff_token("taishan.worker", "taishan", ["caseworker"])
    reference = _submit(client, unit_id="demo-taishan-factory")
    # a county caseworker cannot move it out of the county
    refused = _post(client, f"/staff/support/requests/{reference}/assignment",
                    {"unit_id": "daiyue", "version": 1}, county)
    assert refused.status_code == 404
    moved = _post(client, f"/staff/support/requests/{reference}/assignment",
                  {"unit_id": "demo-daiyue-hospital", "version": 1, "reason": "求助人在岱岳区工作"}, city)
    assert moved.status_code == 200, moved.body
    assert json.loads(moved.body)["unit_id"] == "demo-daiyue-hospital"
    assignments = [e for e in audit.history("support", reference) if e["action"] == "support.assign"]
    assert [(e["before"]["unit_id"], e["after"]["unit_id"]) for e in assignments] == [
        ("demo-taishan-factory", "demo-daiyue-hospital")]
    rows = {r["unit_id"]: r for r in json.loads(_get(client, "/staff/support/units/city/rollup", city).body)["items"]}
    assert rows["city"]["total"] == 1 and rows["daiyue"]["total"] == 1 and rows["demo-daiyue-hospital"]["open"] == 1
    assert rows["taishan"]["total"] == 0 and rows["demo-taishan-factory"]["total"] == 0
    assert _get(client, f"/staff/support/requests/{reference}", county).status_code == 404


def test_rollup_counts_by_status_and_category_over_the_subtree(client, worker):
    _submit(client, category="legal")
    _reach(client, worker, "accepted")
    rows = json.loads(_get(client, "/staff/support/units/taishan/rollup", worker).body)["items"]
    taishan = rows[0]
    assert taishan["unit_id"] == "taishan" and taishan["total"] == 2 and taishan["open"] == 2
    by_category = {c["category"]: c for c in taishan["categories"]}
    assert by_category["psychological"]["by_status"]["accepted"] == 1
    assert by_category["psychological"]["by_status"]["submitted"] == 0
    assert by_category["legal"]["by_status"]["submitted"] == 1


def test_overdue_requests_are_listed_and_finished_ones_leave(client, worker):
    reference, version = _reach(client, worker, "in_progress")
    record = store.get_request(reference)
    assert record["due_at"] > "2020"
    # make it overdue by moving its open item and due time into the past
    from chalicelib.core import db

    db.table().delete_item(Key=dict(zip(("PK", "SK"), store.open_key("taishan", record["due_at"], reference),
                                        strict=True)))
    past = "2020-02-19T00:00:00Z"
    db.table().put_item(Item=store.open_item({**record, "due_at": past}))
    db.table().update_item(Key={"PK": f"SUPPORT#{reference}", "SK": "REQUEST"}, UpdateExpression="SET due_at = :d",
                           ExpressionAttributeValues={":d": past})
    fresh = _submit(client)
    overdue = json.loads(_get(client, "/staff/support/units/taishan/queue?overdue=1", worker).body)["items"]
    assert [i["reference"] for i in overdue] == [reference] and overdue[0]["overdue"]
    subtree = json.loads(_get(client, "/staff/support/units/taishan/overdue", worker).body)["items"]
    assert [i["reference"] for i in subtree] == [reference]
    assert fresh not in {i["reference"] for i in subtree}
    assert _move(client, worker, reference, "resolved", version).status_code == 200
    assert json.loads(_get(client, "/staff/support/units/taishan/overdue", worker).body)["items"] == []


def test_queue_filters_and_pages(client, worker):
    for _ in range(3):
        _submit(client, category="legal")
    _submit(client)
    legal = json.loads(_get(client, "/staff/support/units/taishan/queue?category=legal", worker).body)["items"]
    assert len(legal) == 3 and {i["category"] for i in legal} == {"legal"}
    bad = _get(client, "/staff/support/units/taishan/queue?status=lost", worker)
    assert bad.status_code == 400 and json.loads(bad.body)["errors"][0]["field"] == "status"


def test_queue_pages_offer_a_cursor_only_when_more_match(client, worker, monkeypatch):
    """A filter that drops rows still fills a page, and the last page comes without a cursor, even when
    it is exactly full: no empty page, no row twice."""
    from chalicelib.support import views

    monkeypatch.setattr(views, "PAGE", 2)
    legal = [_submit(client, category="legal") for _ in range(4)]
    _submit(client)  # not legal: skipped by the filter, between and after the others
    legal.append(_submit(client, category="legal"))
    legal.append(_submit(client, category="legal"))
    _submit(client)
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        page = json.loads(_get(client, f"/staff/support/units/taishan/queue?category=legal{cursor}", worker).body)
        assert page["items"], "a cursor led to an empty page"
        seen += [i["reference"] for i in page["items"]]
        if not page.get("next_cursor"):
            break
        cursor = "&cursor=" + page["next_cursor"]
    assert seen == legal


def test_counsellors_see_only_what_is_assigned_to_them(client, worker, staff_token):
    admin = staff_token("root.admin", "city", ["city_admin"])
    for name in ("c.wang", "c.li"):
        saved = _post(client, "/staff/support/counsellors", {"username": name, "name": "王老师",
                                                             "qualification": "国家二级心理咨询师",
                                                             "availability": "工作日晚上"}, admin)
        assert saved.status_code == 200, saved.body
    wang = staff_token("c.wang", "city", ["counsellor"])
    li = staff_token("c.li", "city", ["counsellor"])
    reference = _submit(client)
    legal = _submit(client, category="legal")
    assert _get(client, f"/staff/support/requests/{reference}", wang).status_code == 404
    not_psych = _post(client, f"/staff/support/requests/{legal}/counsellor", {"username": "c.wang", "version": 1},
                      worker)
    assert not_psych.status_code == 400
    unknown = _post(client, f"/staff/support/requests/{reference}/counsellor", {"username": "c.nobody", "version": 1},
                    worker)
    assert unknown.status_code == 400
    assigned = _post(client, f"/staff/support/requests/{reference}/counsellor", {"username": "c.wang", "version": 1},
                     worker)
    assert assigned.status_code == 200, assigned.body
    assert _get(client, f"/staff/support/requests/{reference}", wang).status_code == 200
    assert _get(client, f"/staff/support/requests/{reference}", li).status_code == 404
    mine = json.loads(_get(client, "/staff/support/counsellor/cases", wang).body)["items"]
    assert [i["reference"] for i in mine] == [reference]
    assert json.loads(_get(client, "/staff/support/counsellor/cases", li).body)["items"] == []
    accepted = _move(client, wang, reference, "accepted", 2)
    assert accepted.status_code == 200
    assert _get(client, "/staff/support/units/taishan/queue", wang).status_code == 403
    pool = {c["username"]: c for c in json.loads(_get(client, "/staff/support/counsellors", worker).body)["items"]}
    assert pool["c.wang"]["open_cases"] == 1 and pool["c.li"]["open_cases"] == 0


def test_the_pool_pauses_and_removes_counsellors_but_not_one_with_open_cases(client, worker, staff_token):
    admin = staff_token("root.admin", "city", ["city_admin"])
    profile = {"name": "赵老师", "qualification": "国家二级心理咨询师", "availability": "周末"}
    for name in ("c.zhao", "c.qian"):
        assert _post(client, "/staff/support/counsellors", {"username": name, **profile}, admin).status_code == 200
    reference = _submit(client)
    paused = _post(client, "/staff/support/counsellors", {"username": "c.qian", **profile, "active": False}, admin)
    assert paused.status_code == 200 and json.loads(paused.body)["active"] is False
    refused = _post(client, f"/staff/support/requests/{reference}/counsellor", {"username": "c.qian", "version": 1},
                    worker)
    assert refused.status_code == 400, refused.body
    assigned = _post(client, f"/staff/support/requests/{reference}/counsellor", {"username": "c.zhao", "version": 1},
                     worker)
    assert assigned.status_code == 200, assigned.body
    county_admin = staff_token("taishan.admin", "taishan", ["unit_admin"])
    assert _post(client, "/staff/support/counsellors/c.qian/remove", {}, county_admin).status_code == 403
    busy = _post(client, "/staff/support/counsellors/c.zhao/remove", {}, admin)
    assert busy.status_code == 409 and json.loads(busy.body)["type"].endswith("/counsellor-busy"), busy.body
    assert "改派" in json.loads(busy.body)["detail"]
    removed = _post(client, "/staff/support/counsellors/c.qian/remove", {}, admin)
    assert removed.status_code == 200, removed.body
    assert [c["username"] for c in json.loads(removed.body)["items"]] == ["c.zhao"]
    assert _post(client, "/staff/support/counsellors/c.qian/remove", {}, admin).status_code == 404
    assert store.get_counsellor("c.zhao") is not None and store.get_counsellor("c.qian") is None


def test_hotline_intake_records_channel_operator_and_caller_history(client, staff_token):
    operator = staff_token("city.hotline", "city", ["hotline_operator"])
    earlier = _submit(client, category="legal")
    body = support_body(category="hardship", description="来电：家中老人无人照顾。")
    body.pop("consent_version")
    created = _post(client, "/staff/support/hotline/intake", body, operator)
    assert created.status_code == 201, created.body
    reference = json.loads(created.body)["reference"]
    record = store.get_request(reference)
    assert record["channel"] == "hotline" and record["operator"] == "city.hotline"
    history = _post(client, "/staff/support/hotline/caller-history", {"phone": "13800138000"}, operator)
    text = history.body.decode()
    assert "13800138000" not in text
    assert [i["reference"] for i in json.loads(text)["items"]] == [reference, earlier]
    mine = json.loads(_get(client, "/staff/support/hotline/intakes", operator).body)["items"]
    assert [i["reference"] for i in mine] == [reference]
    assert _get(client, f"/staff/support/requests/{reference}", operator).status_code == 403


def test_hotline_intake_needs_the_callers_consent(client, staff_token):
    operator = staff_token("city.hotline", "city", ["hotline_operator"])
    body = support_body(consent=False)
    body.pop("consent_version")
    response = _post(client, "/staff/support/hotline/intake", body, operator)
    assert response.status_code == 400 and json.loads(response.body)["errors"][0]["field"] == "consent"


@pytest.mark.parametrize(("role", "masked"), [("caseworker", False), ("auditor", True)])
def test_export_masks_phones_for_read_only_roles(client, staff_token, role, masked):
    _submit(client)
    token = staff_token(f"taishan.{role}", "taishan", [role])
    response = _get(client, "/staff/support/units/taishan/export", token)
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["filename"].endswith(".xlsx") and body["rows"] == 1
    sheet = load_workbook(io.BytesIO(base64.b64decode(body["content_base64"]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "查询编号" and rows[1][4] == ("138****8000" if masked else "13800138000")
    detail_phone = json.loads(_get(client, f"/staff/support/requests/{rows[1][0]}", token).body)["phone"]
    assert detail_phone == ("138****8000" if masked else "13800138000")


@pytest.mark.parametrize("typed", ["0538-6221234", "05386221234", "（0538）622 1234"])
def test_a_caller_with_only_a_landline_is_recorded_found_and_sent_no_text(client, worker, staff_token, typed):
    from chalicelib.core import outbox

    operator = staff_token("city.hotline", "city", ["hotline_operator"])
    body = support_body(phone=typed, description="来电：家里只有座机，老人需要买药。")
    body.pop("consent_version")
    created = _post(client, "/staff/support/hotline/intake", body, operator)
    assert created.status_code == 201, created.body
    reference = json.loads(created.body)["reference"]
    assert store.get_request(reference)["phone"] == "0538-6221234"
    assert [m for m in outbox.messages_about(outbox.about("support", reference)) if m["channel"] == "sms"] == []
    found = post_json(client, "/status/lookup", {"reference": reference, "phone": "0538 6221234"}, new_key())
    assert found.status_code == 200, found.body
    history = _post(client, "/staff/support/hotline/caller-history", {"phone": "05386221234"}, operator)
    assert [i["reference"] for i in json.loads(history.body)["items"]] == [reference]
    # nor later, when the request is accepted and finished
    version = 1
    for step in ("accepted", "in_progress", "resolved"):
        moved = _move(client, worker, reference, step, version)
        assert moved.status_code == 200, moved.body
        version = json.loads(moved.body)["version"]
    assert [m for m in outbox.messages_about(outbox.about("support", reference)) if m["channel"] == "sms"] == []


@pytest.mark.parametrize(("typed", "said"), [
    ("6221234", "要连区号"), ("0538-62212", "不是有效的固定电话号码"), ("0538-62a1234", "只能填数字和连字符"),
    ("12345678901", "没有这个号段的手机号码"), ("1380013800", "11 位")])
def test_the_hotline_says_what_is_wrong_with_a_number(client, staff_token, typed, said):
    operator = staff_token("city.hotline", "city", ["hotline_operator"])
    body = support_body(phone=typed, name="")
    body.pop("consent_version")
    response = _post(client, "/staff/support/hotline/intake", body, operator)
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in json.loads(response.body)["errors"]}
    assert said in errors["phone"] and "name" in errors, errors


def test_public_forms_still_take_mobile_numbers_only(client):
    response = post_json(client, "/support-requests", support_body(phone="0538-6221234"), new_key())
    assert response.status_code == 400
    assert "12351" in json.loads(response.body)["errors"][0]["message"]
