"""The hardship register: xlsx import (all or nothing), checks by the contact person, supplies given."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from openpyxl import Workbook

from chalicelib.core.personal import id_check_character
from tests.api.helpers import count_items, new_key, problem
from tests.staff_accounts import put_staff_record


def id_number(serial: int) -> str:
    first17 = f"37090219800101{serial:03d}"
    return first17 + id_check_character(first17)


def sheet(rows: list[list[Any]], header: list[str] | None = None) -> str:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(header or ["姓名", "身份证号", "手机号码", "困难情况", "联系人"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def call(client: Any, token: str, method: str, path: str, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": new_key()}
    return client.http.request(method, path, headers=headers,
                               body=json.dumps(body, ensure_ascii=False).encode() if body is not None else None)


@pytest.fixture
def worker(client, staff_token):
    token = staff_token("factory.caseworker", "demo-taishan-factory", ["caseworker"])
    put_staff_record("factory.contact", "demo-taishan-factory", ["contact_person"], name="张秀兰")
    rows = [["王芳", id_number(1), "13800138001", "丈夫重病，家中两个孩子上学", "factory.contact"],
            ["李强", id_number(2), "13800138002", "因工致残", ""]]
    response = call(client, token, "POST", "/hardship/units/demo-taishan-factory/import",
                    {"content_base64": sheet(rows)})
    assert response.status_code == 201, response.body
    return token, json.loads(response.body)["worker_ids"]


def test_the_register_is_imported_with_masked_personal_data(client, worker):
    token, ids = worker
    assert len(ids) == 2
    page = json.loads(call(client, token, "GET", "/hardship/units/demo-taishan-factory/workers").body)
    raw = json.dumps(page, ensure_ascii=False)
    assert id_number(1) not in raw and "13800138001" not in raw
    first = next(w for w in page["items"] if w["name"] == "王芳")
    assert first["id_masked"].startswith("370") and first["id_masked"].endswith(id_number(1)[-4:])
    assert first["phone"] == "138****8001" and first["contact"] == "factory.contact"
    assert first["contact_name"] == "张秀兰"  # the page shows the name, not the login


def test_one_bad_row_imports_nothing_and_every_error_is_named(client, staff_token, seeded):
    token = staff_token("factory.caseworker", "demo-taishan-factory", ["caseworker"])
    rows = [["王芳", id_number(1), "13800138001", "困难", ""],
            ["", "370902198001010001", "12345", "", "Bad Name!"],
            ["赵六", id_number(1), "13800138003", "困难", ""]]
    before = count_items(seeded)
    response = call(client, token, "POST", "/hardship/units/demo-taishan-factory/import",
                    {"content_base64": sheet(rows)})
    assert response.status_code == 400
    body = problem(response)
    messages = [e["message"] for e in body["errors"]]
    assert "整个表格都没有导入" in body["detail"]
    assert any(m.startswith("第 3 行姓名") for m in messages)
    assert any(m.startswith("第 3 行身份证号") and "校验位" in m for m in messages)
    assert any(m.startswith("第 3 行手机号码") for m in messages)
    assert any(m.startswith("第 3 行困难情况") for m in messages)
    assert any(m.startswith("第 3 行联系人") for m in messages)
    assert any(m.startswith("第 4 行身份证号") and "重复" in m for m in messages)
    assert count_items(seeded) == before


def test_a_person_already_registered_is_refused(client, worker):
    token, _ = worker
    again = call(client, token, "POST", "/hardship/units/demo-taishan-factory/import",
                 {"content_base64": sheet([["王芳", id_number(1), "13800138001", "困难", ""]])})
    assert again.status_code == 400 and "已在困难职工档案中" in problem(again)["errors"][0]["message"]


def test_a_person_registered_in_another_county_is_refused_without_naming_where(client, staff_token, worker):
    from chalicelib.core.personal import REGISTERED_ELSEWHERE

    _, ids = worker
    token = staff_token("logistics.caseworker", "demo-daiyue-logistics", ["caseworker"])
    again = call(client, token, "POST", "/hardship/units/demo-daiyue-logistics/import",
                 {"content_base64": sheet([["王芳", id_number(1), "13800138001", "困难", ""]])})
    assert again.status_code == 400
    assert problem(again)["errors"][0]["message"] == f"第 2 行身份证号{REGISTERED_ELSEWHERE}"
    text = again.body.decode()
    assert "困难职工档案" not in text and ids[0] not in text and "demo-taishan" not in text


@pytest.mark.parametrize("kind", ["not xlsx", "missing columns", "no rows"])
def test_a_file_that_is_not_a_register_is_refused(client, staff_token, kind):
    content = {"not xlsx": "bm90IGFuIHhsc3g=", "missing columns": sheet([], header=["姓名"]),
               "no rows": sheet([])}[kind]
    token = staff_token("factory.caseworker", "demo-taishan-factory", ["caseworker"])
    response = call(client, token, "POST", "/hardship/units/demo-taishan-factory/import", {"content_base64": content})
    assert response.status_code == 400 and problem(response)["errors"][0]["field"] == "content_base64"


def test_the_contact_person_records_checks_and_supplies_linked_to_a_purchase(client, staff_token, worker):
    _, ids = worker
    contact = staff_token("factory.contact", "demo-taishan-factory", ["contact_person"])
    finance = staff_token("factory.finance", "demo-taishan-factory", ["finance"])
    year = json.loads(call(client, finance, "GET", "/fund/units/demo-taishan-factory/account").body)["year"]
    assert call(client, finance, "PUT", "/fund/units/demo-taishan-factory/budget",
                {"year": year, "annual_budget_fen": 100_000, "special_fund_fen": 50_000}).status_code == 200
    masks = json.loads(call(client, finance, "POST", "/fund/spends",
                            {"unit_id": "demo-taishan-factory", "category": "supplies_masks", "amount_fen": 20_000,
                             "payee": "口罩供应商"}).body)
    consolation = json.loads(call(client, finance, "POST", "/fund/spends",
                                  {"unit_id": "demo-taishan-factory", "category": "frontline_other",
                                   "amount_fen": 1_000, "payee": "职工"}).body)
    checked = call(client, contact, "POST", f"/hardship/workers/{ids[0]}/checks",
                   {"situation": "丈夫住院，收入减少", "precautions": "家中缺口罩", "weak_protection": True})
    assert checked.status_code == 201, checked.body
    wrong = call(client, contact, "POST", f"/hardship/workers/{ids[0]}/supplies",
                 {"items": "口罩 20 只", "entry_id": consolation["entry_id"]})
    assert wrong.status_code == 400 and problem(wrong)["errors"][0]["field"] == "entry_id"
    given = call(client, contact, "POST", f"/hardship/workers/{ids[0]}/supplies",
                 {"items": "口罩 20 只、消毒液 2 瓶", "entry_id": masks["entry_id"]})
    assert given.status_code == 201, given.body
    detail = json.loads(given.body)
    assert detail["supplies_given"] == 1 and detail["supplies"][0]["entry_id"] == masks["entry_id"]
    assert detail["checks"][0]["weak_protection"] is True and detail["last_check_at"]


def test_outside_the_subtree_a_worker_does_not_exist(client, staff_token, worker):
    _, ids = worker
    other = staff_token("daiyue.caseworker", "daiyue", ["caseworker"])
    assert call(client, other, "GET", f"/hardship/workers/{ids[0]}").status_code == 404


def test_one_worker_is_registered_from_the_form_and_named_in_the_list(client, staff_token, seeded):
    token = staff_token("factory.caseworker", "demo-taishan-factory", ["caseworker"])
    body = {"name": "孙丽", "id_number": id_number(31), "phone": "13800138031", "hardship": "单亲，孩子患病"}
    response = call(client, token, "POST", "/hardship/units/demo-taishan-factory/workers", body)
    assert response.status_code == 201, response.body
    worker = json.loads(response.body)
    assert worker["name"] == "孙丽" and worker["phone"] == "138****8031" and worker["checks"] == []
    page = json.loads(call(client, token, "GET", "/hardship/units/demo-taishan-factory/workers").body)
    assert worker["worker_id"] in [w["worker_id"] for w in page["items"]]
    before = count_items(seeded)
    again = call(client, token, "POST", "/hardship/units/demo-taishan-factory/workers",
                 {**body, "contact": "nobody.here", "phone": "12345"})
    assert again.status_code == 400 and count_items(seeded) == before
    fields = {e["field"]: e["message"] for e in problem(again)["errors"]}
    assert set(fields) == {"phone"}  # the form's fields are checked first, then the register
    again = call(client, token, "POST", "/hardship/units/demo-taishan-factory/workers",
                 {**body, "contact": "nobody.here"})
    fields = {e["field"]: e["message"] for e in problem(again)["errors"]}
    assert set(fields) == {"id_number", "contact"} and count_items(seeded) == before
    assert "不能重复登记" in fields["id_number"] and "组织与人员" in fields["contact"]


# --- the contact person, picked from the staff who may visit the worker --------------------------------

FACTORY = "demo-taishan-factory"


def test_the_contacts_offered_are_active_visiting_staff_of_the_unit_and_above_by_name(client, staff_token):
    token = staff_token("taishan.admin", "taishan", ["unit_admin"])
    put_staff_record("factory.contact", FACTORY, ["contact_person"], name="张秀兰")
    put_staff_record("factory.gone", FACTORY, ["contact_person"], name="已停用", status="disabled")
    put_staff_record("factory.money", FACTORY, ["finance"], name="只管财务")
    put_staff_record("taishan.visitor", "taishan", ["caseworker"], name="区工会经办人")
    put_staff_record("hospital.nurse.contact", "demo-taishan-hospital", ["contact_person"], name="医院联系人")
    put_staff_record("city.visitor", "city", ["caseworker"], name="市总经办人")
    response = call(client, token, "GET", f"/hardship/units/{FACTORY}/contacts")
    assert response.status_code == 200, response.body
    items = json.loads(response.body)["items"]
    offered = [(c["name"], c["unit_name"]) for c in items]
    # the factory's own first, then the caller's unit above it; never a sibling, the city above the
    # caller, a disabled account or a role that does not visit
    assert offered[0] == ("张秀兰", "泰山区示范制造企业工会（演示）")
    assert offered.index(("区工会经办人", "泰山区总工会")) > offered.index(("张秀兰", "泰山区示范制造企业工会（演示）"))
    names = {c["name"] for c in items}
    assert not names & {"已停用", "只管财务", "医院联系人", "市总经办人"}
    assert call(client, staff_token("daiyue.caseworker", "daiyue", ["caseworker"]), "GET",
                f"/hardship/units/{FACTORY}/contacts").status_code == 404


def _register(client: Any, token: str, serial: int, contact: str) -> Any:
    return call(client, token, "POST", f"/hardship/units/{FACTORY}/workers",
                {"name": "孙丽", "id_number": id_number(serial), "phone": "13800138031", "hardship": "单亲",
                 "contact": contact})


@pytest.mark.parametrize("login", ["nobody.here", "hospital.nurse.contact", "factory.money", "factory.gone"])
def test_a_contact_who_cannot_visit_the_worker_is_refused_with_nothing_stored(client, staff_token, seeded, login):
    """An unknown login, staff of another unit (out of scope for the worker), a role that does not
    visit and a disabled account are refused alike, in Chinese, on the contact field. The caller is the
    district's, so the other hospital's contact lies in the caller's scope, just not over the worker."""
    token = staff_token("taishan.caseworker", "taishan", ["caseworker"])
    put_staff_record("hospital.nurse.contact", "demo-taishan-hospital", ["contact_person"], name="医院联系人")
    put_staff_record("factory.money", FACTORY, ["finance"], name="只管财务")
    put_staff_record("factory.gone", FACTORY, ["contact_person"], name="已停用", status="disabled")
    before = count_items(seeded)
    refused = _register(client, token, 41, login)
    assert refused.status_code == 400 and count_items(seeded) == before
    [error] = problem(refused)["errors"]
    assert error["field"] == "contact" and "不能担任这位职工的联系人" in error["message"]
    rows = [["王芳", id_number(42), "13800138001", "困难", login]]
    imported = call(client, token, "POST", f"/hardship/units/{FACTORY}/import", {"content_base64": sheet(rows)})
    assert imported.status_code == 400 and count_items(seeded) == before
    assert problem(imported)["errors"][0]["message"].startswith("第 2 行联系人不是这个单位")


def test_the_contact_picked_is_shown_by_name_wherever_the_worker_is(client, staff_token):
    token = staff_token("factory.caseworker", FACTORY, ["caseworker"])
    put_staff_record("factory.contact", FACTORY, ["contact_person"], name="张秀兰")
    [choice] = [c for c in json.loads(call(client, token, "GET", f"/hardship/units/{FACTORY}/contacts").body)["items"]
                if c["name"] == "张秀兰"]
    registered = _register(client, token, 43, choice["username"])
    assert registered.status_code == 201, registered.body
    detail = json.loads(registered.body)
    assert detail["contact_name"] == "张秀兰"
    listed = json.loads(call(client, token, "GET", f"/hardship/units/{FACTORY}/workers").body)["items"]
    assert [w["contact_name"] for w in listed if w["worker_id"] == detail["worker_id"]] == ["张秀兰"]
    opened = json.loads(call(client, token, "GET", f"/hardship/workers/{detail['worker_id']}").body)
    assert opened["contact_name"] == "张秀兰"
