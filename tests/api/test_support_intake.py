import json

import pytest

from chalicelib.core import audit, ids
from tests.api.helpers import count_items, new_key, post_json, problem, support_body


def test_submit_routes_to_the_county_union_and_answers_a_reference(client, seeded):
    response = post_json(client, "/support-requests", support_body(), new_key())
    assert response.status_code == 201
    body = json.loads(response.body)
    assert ids.normalize_reference(body["reference"]) == body["reference"]
    assert body["unit_name"] == "泰山区总工会"
    assert body["status"] == "submitted"


def test_submit_routes_to_the_requesters_own_union_when_given(client, seeded):
    response = post_json(client, "/support-requests", support_body(unit_id="demo-taishan-factory"), new_key())
    assert json.loads(response.body)["unit_name"] == "泰山区示范制造企业工会（演示）"


def test_the_response_and_audit_hold_no_full_phone(client, seeded):
    response = post_json(client, "/support-requests", support_body(), new_key())
    assert "13800138000" not in response.body.decode()
    reference = json.loads(response.body)["reference"]
    [entry] = audit.history("support", reference)
    assert entry["actor"] == "public" and entry["action"] == "support.submit"
    assert entry["after"]["phone"] == audit.REDACTED and entry["after"]["name"] == audit.REDACTED
    assert entry["after"]["status"] == "submitted"


def test_lookup_by_reference_and_phone(client, seeded):
    reference = json.loads(post_json(client, "/support-requests", support_body(), new_key()).body)["reference"]
    typed = reference.lower().replace("-", " ")
    response = post_json(client, "/status/lookup", {"reference": typed, "phone": "138 0013 8000"})
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["reference"] == reference
    assert body["status_label"] == "已提交，等待受理"
    assert body["kind_label"] == "求助：心理咨询与疏导"


@pytest.mark.parametrize("change", ["phone", "reference", "check"])
def test_lookup_refuses_a_wrong_phone_or_code_alike(client, seeded, change):
    reference = json.loads(post_json(client, "/support-requests", support_body(), new_key()).body)["reference"]
    query = {"reference": reference, "phone": "13800138000"}
    if change == "phone":
        query["phone"] = "13900139000"
    elif change == "reference":
        query["reference"] = ids.new_reference()
    else:
        query["reference"] = reference[:-1] + ("0" if reference[-1] != "0" else "1")
    response = post_json(client, "/status/lookup", query)
    assert response.status_code == 404
    assert problem(response)["detail"] == "未找到该编号，或手机号码与登记时不一致。"


def test_a_retry_with_the_same_key_returns_the_first_answer_and_stores_once(client, seeded):
    key = new_key()
    first = post_json(client, "/support-requests", support_body(), key)
    before = count_items(seeded)
    second = post_json(client, "/support-requests", support_body(), key)
    assert second.status_code == 201
    assert json.loads(second.body) == json.loads(first.body)
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert count_items(seeded) == before


def test_the_same_key_with_a_different_body_is_refused(client, seeded):
    key = new_key()
    post_json(client, "/support-requests", support_body(), key)
    response = post_json(client, "/support-requests", support_body(description="另一件事"), key)
    assert response.status_code == 422
    assert problem(response)["title"] == "重复的请求编号"


def test_a_failed_request_can_be_retried_with_its_key(client, seeded):
    key = new_key()
    bad = post_json(client, "/support-requests", support_body(phone="123"), key)
    assert bad.status_code == 400
    good = post_json(client, "/support-requests", support_body(phone="123"), key)
    assert good.status_code == 400  # the bad answer was not remembered: it ran again
    assert post_json(client, "/support-requests", support_body(), new_key()).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"phone": "12345"}, "phone", "手机号码"),
        ({"category": "lottery"}, "category", "求助类别不是可选的类别"),
        ({"county_unit_id": "demo-taishan-factory"}, "county_unit_id", "所在县市区"),
        ({"unit_id": "no-such-unit"}, "unit_id", "所在单位的工会不存在"),
        ({"consent": False}, "consent", "需要勾选同意"),
        ({"website": "http://spam.example"}, "website", "网址"),
        ({"description": "x" * 2001}, "description", "不能超过 2000 个字"),
        ({"name": ""}, "name", "姓名"),
    ],
)
def test_bad_fields_are_named_in_chinese_and_nothing_is_stored(client, seeded, overrides, field, text):
    before = count_items(seeded)
    response = post_json(client, "/support-requests", support_body(**overrides), new_key())
    assert response.status_code == 400
    errors = problem(response)["errors"]
    assert any(e["field"] == field and text in e["message"] for e in errors), errors
    assert count_items(seeded) == before


def test_missing_fields_are_each_reported(client, seeded):
    response = post_json(client, "/support-requests", {"consent": True, "consent_version": "v1"}, new_key())
    fields = {e["field"] for e in problem(response)["errors"]}
    assert {"category", "description", "name", "phone", "county_unit_id"} <= fields


def test_public_writes_are_rate_limited_per_person(client, seeded, monkeypatch):
    monkeypatch.setenv("WS_PERSON_WRITES", "2")
    statuses = [post_json(client, "/support-requests", support_body(), new_key()).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    response = post_json(client, "/support-requests", support_body(), new_key())
    body = problem(response)
    assert body["title"] == "提交太频繁" and "12351" in body["detail"]
    assert int(response.headers["Retry-After"]) >= 1
