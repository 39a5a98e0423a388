"""The frontline archive: entry by hospital unions, roll-up by the tree, duplicates across
hospitals, xlsx import (all or nothing, idempotent), contact persons and their families."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.api.access_cases.frontline import person_body
from tests.api.helpers import count_items


def workbook_b64(people: list[list[Any]], members: list[list[Any]]) -> str:
    from chalicelib.frontline.importer import MEMBER_COLUMNS, PERSON_COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.title = "一线人员"
    sheet.append([label for _, label in PERSON_COLUMNS])
    for row in people:
        sheet.append(row)
    other = book.create_sheet("家属")
    other.append([label for _, label in MEMBER_COLUMNS])
    for row in members:
        other.append(row)
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


class Api:
    def __init__(self, client: Any, staff_token: Any) -> None:
        self.client = client
        self.token = staff_token

    def call(self, method: str, path: str, token: str, body: Any = None, key: str | None = None) -> Any:
        import uuid

        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                   "Idempotency-Key": key or str(uuid.uuid4())}
        raw = json.dumps(body).encode() if body is not None else None
        response = self.client.http.request(method, path, headers=headers, body=raw)
        return response.status_code, json.loads(response.body) if response.body else None


@pytest.fixture
def api(client, staff_token):
    return Api(client, staff_token)


def test_county_sees_its_hospitals_archive_and_not_another_county(api):
    hospital = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    status, created = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", hospital,
                               person_body())
    assert status == 201, created
    assert created["id_masked"] == "110***********4477" and "110101199003074477" not in json.dumps(created)
    taishan = api.token("t.case", "taishan", ["caseworker"])
    status, page = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/personnel", taishan)
    assert status == 200 and [p["id"] for p in page["items"]] == [created["id"]]
    assert page["items"][0]["phone"] == "139****9000"
    status, rollup = api.call("GET", "/staff/frontline/units/taishan/rollup", taishan)
    counts = {r["unit_id"]: r for r in rollup["items"]}
    assert counts["taishan"]["persons"] == 1 and counts["demo-taishan-hospital"]["persons"] == 1
    assert counts["taishan"]["uncovered"] == 1
    city = api.token("c.admin", "city", ["city_admin"])
    _, city_rollup = api.call("GET", "/staff/frontline/units/city/rollup", city)
    assert {r["unit_id"]: r["persons"] for r in city_rollup["items"]}["city"] == 1
    daiyue = api.token("d.case", "daiyue", ["caseworker"])
    assert api.call("GET", "/staff/frontline/units/demo-taishan-hospital/personnel", daiyue)[0] == 404
    assert api.call("GET", f"/staff/frontline/families/{created['id']}", daiyue)[0] == 404
    assert api.call("GET", f"/staff/frontline/families/{created['id']}", taishan)[0] == 200


def test_only_hospital_unions_enter_the_archive(api):
    county = api.token("t.admin", "taishan", ["unit_admin"])
    status, body = api.call("POST", "/staff/frontline/units/taishan/personnel", county, person_body())
    assert status == 400 and body["errors"][0]["field"] == "unit_id"


def test_duplicates_across_hospitals_are_shown_not_refused(api):
    city = api.token("c.admin", "city", ["city_admin"])
    assert api.call("POST", "/admin/units", city, {"id": "taishan-second-hospital", "name": "泰山区第二医院工会",
                                                   "kind": "hospital_union", "parent_id": "taishan"})[0] == 201
    first = api.token("h1", "demo-taishan-hospital", ["unit_admin"])
    county = api.token("t.case", "taishan", ["caseworker"])
    _, a = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", first, person_body())
    status, b = api.call("POST", "/staff/frontline/units/taishan-second-hospital/personnel", county, person_body())
    assert status == 201 and b["duplicates"] == [{"unit_id": "demo-taishan-hospital", "unit_name": a["unit_name"],
                                                  "person_id": a["id"]}]
    _, dups = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/duplicates", first)
    assert [p["id"] for p in dups["items"]] == [a["id"]]
    status, _ = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", first, person_body())
    assert status == 409  # the same person twice in one hospital is refused


def test_contact_person_sees_only_their_families_and_uncovered_are_listed(api):
    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    ids = []
    for n in range(3):
        status, created = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", admin,
                                   person_body(n))
        assert status == 201
        ids.append(created)
    one = api.token("cp.one", "demo-taishan-hospital", ["contact_person"])  # contacts need a staff account
    api.token("cp.two", "demo-taishan-hospital", ["contact_person"])
    for username in ("cp.one", "cp.two"):
        assert api.call("POST", "/staff/frontline/units/demo-taishan-hospital/contacts", admin,
                        {"username": username, "name": "联系人", "kind": "activist"})[0] == 201
    status, assigned = api.call("POST", f"/staff/frontline/families/{ids[0]['id']}/contact", admin,
                                {"username": "cp.one", "version": ids[0]["version"]})
    assert status == 200 and assigned["contact_person"] == "cp.one"
    assert api.call("POST", f"/staff/frontline/families/{ids[1]['id']}/contact", admin,
                    {"username": "cp.two", "version": 1})[0] == 200
    _, mine = api.call("GET", "/staff/frontline/my-families", one)
    assert [f["id"] for f in mine["items"]] == [ids[0]["id"]]
    assert api.call("GET", f"/staff/frontline/families/{ids[0]['id']}", one)[0] == 200
    assert api.call("GET", f"/staff/frontline/families/{ids[1]['id']}", one)[0] == 404
    assert api.call("POST", f"/staff/frontline/families/{ids[1]['id']}/logs", one,
                    {"kind": "phone", "notes": "问候"})[0] == 404
    assert api.call("POST", f"/staff/frontline/families/{ids[0]['id']}/logs", one,
                    {"kind": "visit", "notes": "上门看望", "needs": "需要代购药品"})[0] == 201
    status, raised = api.call("POST", f"/staff/frontline/families/{ids[0]['id']}/support-requests", one,
                              {"category": "psychological", "description": "孩子情绪低落。", "name": "王小明",
                               "relation": "儿子", "phone": "13900139001"})
    assert status == 201, raised
    _, logs = api.call("GET", f"/staff/frontline/families/{ids[0]['id']}/logs", one)
    assert raised["reference"] in [entry.get("support_reference") for entry in logs["items"]]
    taishan = api.token("t.case", "taishan", ["caseworker"])
    _, uncovered = api.call("GET", "/staff/frontline/units/taishan/uncovered", taishan)
    assert [f["id"] for f in uncovered["items"]] == [ids[2]["id"]]
    # reassignment keeps history; the old contact loses the family
    _, detail = api.call("GET", f"/staff/frontline/families/{ids[0]['id']}", admin)
    assert api.call("POST", f"/staff/frontline/families/{ids[0]['id']}/contact", admin,
                    {"username": "cp.two", "version": detail["version"], "reason": "联系人调岗"})[0] == 200
    assert api.call("GET", f"/staff/frontline/families/{ids[0]['id']}", one)[0] == 404
    _, history = api.call("GET", f"/staff/frontline/families/{ids[0]['id']}/contact-history", admin)
    assert [h["username"] for h in history["items"]] == ["cp.one", "cp.two"]
    stale = api.call("POST", f"/staff/frontline/families/{ids[0]['id']}/contact", admin,
                     {"username": "cp.one", "version": detail["version"]})
    assert stale[0] == 409


def test_import_reports_every_bad_row_and_stores_nothing(api, seeded):
    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    content = workbook_b64([
        ["赵护士", "11010119900307897X", "13700137000", "急诊科", "护士", "发热门诊", "2020-01-30", ""],
        ["钱医生", "110101199003078980", "13700137001", "急诊科", "医生", "发热门诊", "2020-01-30", ""],
        ["孙医生", "110101199003072314", "12345", "急诊科", "医生", "火星", "2020-13-01", ""],
    ], [["110101199003070000", "李奶奶", "母亲", 78, "独居", "泰山区某某路 1 号"]])
    before = count_items(seeded)
    status, body = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/imports", admin,
                            {"content_base64": content})
    assert status == 400
    fields = {e["field"] for e in body["errors"]}
    assert {"一线人员第3行身份证号码", "一线人员第4行手机号码", "一线人员第4行一线岗位", "一线人员第4行开始日期",
            "家属第2行一线人员身份证号码"} <= fields
    assert count_items(seeded) == before


def test_import_writes_everything_and_a_retry_completes_without_duplicates(api, monkeypatch):
    from chalicelib.core import db
    from chalicelib.frontline import importer

    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    people = [[f"医生{n}", number, "13700137000", "急诊科", "医生", "援助医疗队", "2020-01-30", ""]
              for n, number in enumerate(["11010119900307897X", "110101199003074477", "110101199003076130"])]
    content = workbook_b64(people, [["110101199003074477", "李奶奶", "母亲", 78, "独居", "泰山区某某路 1 号"]])
    monkeypatch.setattr(importer, "CHUNK_ITEMS", 12)  # one household per chunk
    original = db.transact
    calls = {"n": 0}

    def failing(ops):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("network down")
        return original(ops)

    monkeypatch.setattr(db, "transact", failing)
    status, _ = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/imports", admin,
                         {"content_base64": content})
    assert status == 500
    monkeypatch.setattr(db, "transact", original)
    status, result = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/imports", admin,
                              {"content_base64": content})
    assert status == 201 and result["persons"] == 3 and result["members"] == 1
    _, page = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/personnel", admin)
    assert len(page["items"]) == 3
    _, rollup = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/rollup", admin)
    assert rollup["items"][0]["persons"] == 3 and rollup["items"][0]["members"] == 1


def test_template_downloads_as_xlsx(api):
    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    status, body = api.call("GET", "/staff/frontline/import-template", admin)
    assert status == 200 and base64.b64decode(body["content_base64"])[:2] == b"PK"


def test_cover_enrolment_list_and_claim_as_support_request(api):
    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    _, person = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", admin, person_body())
    _, member = api.call("POST", f"/staff/frontline/families/{person['id']}/members", admin,
                         {"name": "李奶奶", "relation": "母亲", "age": 78, "needs": "独居",
                          "address": "泰山区某某路 1 号"})
    assert api.call("POST", f"/staff/frontline/families/{person['id']}/cover", admin,
                    {"who": member["id"], "kinds": ["major_illness", "accident"]})[0] == 200
    _, listed = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/cover", admin)
    assert [(c["name"], c["relation"]) for c in listed["items"]] == [("李奶奶", "母亲")]
    status, claim = api.call("POST", f"/staff/frontline/families/{person['id']}/claims", admin,
                             {"who": member["id"], "kind": "major_illness", "description": "住院",
                              "phone": "13900139000"})
    assert status == 201 and claim["reference"]
    status, _ = api.call("POST", f"/staff/frontline/families/{person['id']}/claims", admin,
                         {"who": "SELF", "kind": "accident", "description": "摔伤", "phone": "13900139000"})
    assert status == 400
    status, export = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/cover/export", admin)
    assert status == 200 and base64.b64decode(export["content_base64"])[:2] == b"PK"


def test_import_reads_number_cells_as_text_and_answers_in_chinese(api):
    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    good = workbook_b64([["周护士", "11010119900307897X", 13700137000, "急诊科", "护士", "发热门诊", "2020-01-30", ""]],
                        [["11010119900307897X", "周爷爷", "父亲", 80, "独居", "泰山区某某路 3 号"]])
    status, result = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/imports", admin,
                              {"content_base64": good})
    assert status == 201 and result["persons"] == 1 and result["members"] == 1, result
    _, page = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/personnel", admin)
    assert page["items"][0]["phone"] == "137****7000"
    bad = workbook_b64([["吴" * 31, "110101199003074477", "13700137000", "急诊科", "护士", "发热门诊",
                         "2020-01-30", ""],
                        ["郑医生", 110101199003076131, 13700137001, "急诊科", "医生", "发热门诊", "2020-01-30", ""]],
                       [["110101199003074477", "吴奶奶", "母亲", "七十", "独居", "泰山区某某路 4 号"]])
    status, body = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/imports", admin,
                            {"content_base64": bad})
    assert status == 400
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert set(messages) == {"一线人员第2行姓名", "一线人员第3行身份证号码", "家属第2行年龄"}, messages
    assert all(not any("a" <= ch.lower() <= "z" for ch in m.replace("Excel", "")) for m in messages.values()), messages
    assert "数字格式" in messages["一线人员第3行身份证号码"]  # Excel rounded the typed number: say why


def test_import_adds_new_members_to_a_family_already_in_the_archive(api):
    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    _, existing = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", admin, person_body())
    assert api.call("POST", f"/staff/frontline/families/{existing['id']}/members", admin, {
        "name": "李奶奶", "relation": "母亲", "age": 78, "needs": "独居", "address": "泰山区某某路 1 号"})[0] == 201
    row = ["王医生", "110101199003074477", "13900139000", "呼吸内科", "护士", "发热门诊", "2020-01-25", ""]
    content = workbook_b64([row, ["新医生", "110101199003076130", "13700137000", "急诊科", "医生", "发热门诊",
                                  "2020-01-30", ""]],
                           [["110101199003074477", "李奶奶", "母亲", 78, "独居", "泰山区某某路 1 号"],
                            ["110101199003074477", "王小明", "儿子", 8, "放学后无人照看", "泰山区某某路 1 号"]])
    status, result = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/imports", admin,
                              {"content_base64": content})
    assert status == 201, result
    assert (result["persons"], result["members"], result["existing"]) == (1, 1, 1)
    _, detail = api.call("GET", f"/staff/frontline/families/{existing['id']}", admin)
    assert sorted(m["name"] for m in detail["members"]) == ["李奶奶", "王小明"]  # no second 李奶奶
    _, page = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/personnel", admin)
    assert len(page["items"]) == 2
    _, rollup = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/rollup", admin)
    assert (rollup["items"][0]["persons"], rollup["items"][0]["members"]) == (2, 2)


def test_a_refused_file_has_a_downloadable_error_report(api, seeded):
    from openpyxl import load_workbook

    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    content = workbook_b64([["赵护士", "11010119900307897X", "13700137000", "急诊科", "护士", "发热门诊",
                             "2020-01-30", ""],
                            ["孙医生", "110101199003072316", "12345", "急诊科", "医生", "火星", "2020-01-30", ""]], [])
    before = count_items(seeded)
    status, checked = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/imports/check", admin,
                               {"content_base64": content})
    assert status == 200 and checked["ok"] is False
    assert {(e["sheet"], e["row"], e["field"]) for e in checked["errors"]} == {
        ("一线人员", 3, "手机号码"), ("一线人员", 3, "一线岗位")}
    report = checked["report"]
    assert report["filename"].endswith(".xlsx") and "一线人员档案导入错误报告" in report["filename"]
    book = load_workbook(io.BytesIO(base64.b64decode(report["content_base64"])))
    rows = list(book["一线人员"].iter_rows(values_only=True))
    assert rows[0][0] == "行号" and rows[0][-1] == "问题"
    assert [r[:2] for r in rows[1:]] == [("3", "孙医生")]
    assert "手机号码" in rows[1][-1] and "一线岗位" in rows[1][-1]
    assert count_items(seeded) == before
    good = workbook_b64([["赵护士", "11010119900307897X", "13700137000", "急诊科", "护士", "发热门诊",
                          "2020-01-30", ""]], [])
    status, checked = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/imports/check", admin,
                               {"content_base64": good})
    assert status == 200 and checked == {"ok": True, "errors": []}


def test_a_member_is_put_right_and_the_cover_list_follows(api, seeded):
    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    _, person = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", admin, person_body())
    member_body = {"name": "李奶奶", "relation": "母亲", "age": 78, "needs": "独居", "address": "泰山区某某路 1 号"}
    _, member = api.call("POST", f"/staff/frontline/families/{person['id']}/members", admin, member_body)
    assert api.call("POST", f"/staff/frontline/families/{person['id']}/cover", admin,
                    {"who": member["id"], "kinds": ["accident"]})[0] == 200
    path = f"/staff/frontline/families/{person['id']}/members/{member['id']}"
    status, edited = api.call("PUT", path, admin, {**member_body, "name": "李桂兰", "relation": "岳母", "age": 79})
    assert status == 200, edited
    assert (edited["id"], edited["name"], edited["age"]) == (member["id"], "李桂兰", 79)
    _, detail = api.call("GET", f"/staff/frontline/families/{person['id']}", admin)
    assert [(m["name"], m["relation"]) for m in detail["members"]] == [("李桂兰", "岳母")]
    _, cover = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/cover", admin)
    assert [(c["name"], c["relation"]) for c in cover["items"]] == [("李桂兰", "岳母")]
    before = count_items(seeded)
    status, refused = api.call("PUT", path, admin, {**member_body, "age": 300, "name": ""})
    assert status == 400 and {e["field"] for e in refused["errors"]} == {"age", "name"}
    assert api.call("PUT", f"/staff/frontline/families/{person['id']}/members/NOSUCH", admin, member_body)[0] == 404
    assert count_items(seeded) == before


def test_a_county_lists_the_demo_households_without_a_contact_of_its_hospitals(api):
    """Demo households count in no figure, so the subtree's counters cannot say which hospital holds
    them: the county's list of families without a contact person still finds them, and a sibling
    county's does not."""
    from chalicelib.core import demo
    from chalicelib.core.auth import Principal
    from chalicelib.frontline import service
    from chalicelib.frontline.models import PersonIn

    admin = Principal(kind="staff", id="h.admin", unit_id="demo-taishan-hospital",
                      unit_path="/city/taishan/demo-taishan-hospital/", roles=frozenset({"unit_admin"}))
    with demo.writing():
        shown = service.create_person("demo-taishan-hospital", PersonIn(**person_body(1)), admin)
    taishan = api.token("t.case", "taishan", ["caseworker"])
    _, uncovered = api.call("GET", "/staff/frontline/units/taishan/uncovered", taishan)
    assert [(f["id"], f["demo"]) for f in uncovered["items"]] == [(shown.id, True)]
    _, rollup = api.call("GET", "/staff/frontline/units/taishan/rollup", taishan)
    assert rollup["items"][0]["persons"] == 0  # left out of the figures, as before
    daiyue = api.token("d.case", "daiyue", ["caseworker"])
    assert api.call("GET", "/staff/frontline/units/daiyue/uncovered", daiyue)[1]["items"] == []


def test_a_demo_familys_cover_is_marked_demo_when_staff_enrol_it_later(api):
    """Cover enrolled by staff for a household of the demo data set is demo data too: marked in the
    answer and in the unit's list (the page shows the 示例数据 badge); a real household's is not."""
    from chalicelib.core import demo
    from chalicelib.core.auth import Principal
    from chalicelib.frontline import service
    from chalicelib.frontline.models import PersonIn

    writer = Principal(kind="staff", id="h.admin", unit_id="demo-taishan-hospital",
                       unit_path="/city/taishan/demo-taishan-hospital/", roles=frozenset({"unit_admin"}))
    with demo.writing():
        shown = service.create_person("demo-taishan-hospital", PersonIn(**person_body(1, name="张示例")), writer)
    admin = api.token("h.admin", "demo-taishan-hospital", ["unit_admin"])
    _, real = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", admin,
                      person_body(2, name="王真实"))
    marks = {}
    for person_id in (shown.id, real["id"]):
        status, enrolled = api.call("POST", f"/staff/frontline/families/{person_id}/cover", admin,
                                    {"who": "SELF", "kinds": ["accident"]})
        assert status == 200, enrolled
        marks[person_id] = enrolled["demo"]
    assert marks == {shown.id: True, real["id"]: False}
    _, listed = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/cover", admin)
    assert {c["person_id"]: c["demo"] for c in listed["items"]} == marks
    _, export = api.call("GET", "/staff/frontline/units/demo-taishan-hospital/cover/export", admin)
    sheet = load_workbook(io.BytesIO(base64.b64decode(export["content_base64"]))).active
    rows = list(sheet.iter_rows(values_only=True))
    notes = {row[2]: row[-1] for row in rows[1:]}
    assert rows[0][-1] == "备注"
    assert notes == {"张示例": "示例数据，不是真实参保人", "王真实": None}
