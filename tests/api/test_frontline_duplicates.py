"""Duplicate registrations across hospitals: named inside the caller's subtree, only a note outside
it (no unit, household or reference: a household's id is the family's public reference), and the
whole group in the duplicates view of a unit that covers it all (the city federation)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.frontline.models import ELSEWHERE
from tests.api.access_cases.frontline import person_body
from tests.api.test_frontline_archive import Api, workbook_b64


@pytest.fixture
def api(client, staff_token):
    return Api(client, staff_token)


def _in_daiyue(api: Api) -> dict[str, Any]:
    daiyue = api.token("d.hospital", "demo-daiyue-hospital", ["unit_admin"])
    status, created = api.call("POST", "/staff/frontline/units/demo-daiyue-hospital/personnel", daiyue,
                               person_body(name="岱岳张医生", phone="13611112222"))
    assert status == 201, created
    return dict(created)


def _assert_nothing_of(record: dict[str, Any], answer: object) -> None:
    text = json.dumps(answer, ensure_ascii=False)
    for value in (record["id"], record["name"], record["unit_id"], record["unit_name"], "13611112222", "1111"):
        assert value not in text


def test_a_duplicate_in_another_county_is_only_a_note(api):
    other = _in_daiyue(api)
    caseworker = api.token("t.case", "taishan", ["caseworker"])
    status, created = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", caseworker,
                               person_body())
    assert status == 201
    assert created["duplicates"] == [{"note": ELSEWHERE}]
    _assert_nothing_of(other, created)
    hospital = "/staff/frontline/units/demo-taishan-hospital"
    for path in (f"/staff/frontline/families/{created['id']}", f"{hospital}/duplicates", f"{hospital}/personnel",
                 "/staff/frontline/units/taishan/duplicate-groups"):
        status, answer = api.call("GET", path, caseworker)
        assert status == 200 and ELSEWHERE in json.dumps(answer, ensure_ascii=False)
        _assert_nothing_of(other, answer)


def test_an_import_reports_a_duplicate_in_another_county_without_naming_it(api):
    other = _in_daiyue(api)
    caseworker = api.token("t.case", "taishan", ["caseworker"])
    body = person_body()
    content = workbook_b64([[body["name"], body["id_number"], body["phone"], body["department"], body["role"],
                             "发热门诊", body["period_start"], ""]], [])
    status, result = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/imports", caseworker,
                              {"content_base64": content})
    assert status == 201 and len(result["duplicates"]) == 1
    _assert_nothing_of(other, result)
    status, family = api.call("GET", f"/staff/frontline/families/{result['duplicates'][0]}", caseworker)
    assert family["duplicates"] == [{"note": ELSEWHERE}]


def test_the_city_sees_the_pair_and_each_county_its_own_half(api):
    other = _in_daiyue(api)
    mine = api.token("t.hospital", "demo-taishan-hospital", ["unit_admin"])
    _, created = api.call("POST", "/staff/frontline/units/demo-taishan-hospital/personnel", mine, person_body())
    city = api.token("c.auditor", "city", ["auditor"])
    status, page = api.call("GET", "/staff/frontline/units/city/duplicate-groups", city)
    assert status == 200 and len(page["items"]) == 1
    group = page["items"][0]
    assert "note" not in group and group["id_masked"] == created["id_masked"]
    assert {(r["unit_id"], r["person_id"], r["name"]) for r in group["records"]} == {
        ("demo-taishan-hospital", created["id"], created["name"]), ("demo-daiyue-hospital", other["id"], other["name"])}
    status, family = api.call("GET", f"/staff/frontline/families/{created['id']}", city)
    assert [d["person_id"] for d in family["duplicates"]] == [other["id"]]
    taishan = api.token("t.auditor", "taishan", ["auditor"])
    status, page = api.call("GET", "/staff/frontline/units/taishan/duplicate-groups", taishan)
    assert [[r["person_id"] for r in g["records"]] for g in page["items"]] == [[created["id"]]]
    assert page["items"][0]["note"] == ELSEWHERE
    _assert_nothing_of(other, page)
    daiyue = api.token("d.auditor", "daiyue", ["auditor"])
    assert api.call("GET", "/staff/frontline/units/taishan/duplicate-groups", daiyue)[0] == 404


def test_a_single_registration_is_in_no_duplicates_view(api):
    _in_daiyue(api)
    city = api.token("c.auditor", "city", ["auditor"])
    status, page = api.call("GET", "/staff/frontline/units/city/duplicate-groups", city)
    assert status == 200 and page["items"] == []
