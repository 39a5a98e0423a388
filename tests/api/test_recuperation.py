"""Recuperation for frontline staff: nominations by units within their subtree after the campaign,
one active nomination per person, the city federation's ranking, decisions and adjustments, and
placement into batches through the booking engine (capacity, at most once, re-runs)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.api.access_cases.frontline import fresh_id_number, person_body
from tests.api.helpers import count_items, post_json

REASON = "春节期间主动请战，在发热门诊连续值守，累计接诊发热病人三百余人次。"


class Api:
    def __init__(self, client: Any, staff_token: Any) -> None:
        self.client = client
        self.token = staff_token
        self.city = staff_token("c.admin", "city", ["city_admin"])
        self.hospital = staff_token("h.admin", "demo-taishan-hospital", ["unit_admin"])
        self.taishan = staff_token("t.case", "taishan", ["caseworker"])
        self.daiyue = staff_token("d.case", "daiyue", ["caseworker"])
        self.phones: dict[str, str] = {}

    def call(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                   "Idempotency-Key": str(uuid.uuid4())}
        raw = json.dumps(body).encode() if body is not None else None
        response = self.client.http.request(method, path, headers=headers, body=raw)
        return response.status_code, json.loads(response.body) if response.body else None

    def campaign(self, end_date: str | None = "2020-06-30", campaign_id: str = "2020-frontline") -> None:
        body = {"name": "一线人员家庭爱心蔬菜", "start_date": "2020-02-18", "end_date": end_date, "cap_fen": 8000,
                "price_fen": 7500, "funded_by": "city", "suppliers": []}
        status, answer = self.call("POST", f"/staff/delivery/campaigns/{campaign_id}", self.city, body)
        assert status == 200, answer

    def person(self, unit: str = "demo-taishan-hospital", **overrides: Any) -> str:
        token = self.hospital if unit == "demo-taishan-hospital" else self.city
        body = person_body(**{"id_number": fresh_id_number(), "phone": f"139{uuid.uuid4().int % 10**8:08d}",
                              **overrides})
        status, created = self.call("POST", f"/staff/frontline/units/{unit}/personnel", token, body)
        assert status == 201, created
        self.phones[str(created["id"])] = body["phone"]
        return str(created["id"])

    def nominate(self, person_id: str, token: str | None = None, **body: Any) -> tuple[int, Any]:
        return self.call("POST", f"/staff/recuperation/nominations/{person_id}", token or self.hospital,
                         {"reason": REASON, **body})

    def approve(self, person_id: str, version: int) -> dict[str, Any]:
        status, answer = self.call("POST", f"/staff/recuperation/nominations/{person_id}/decision", self.city,
                                   {"decision": "approve", "version": version})
        assert status == 200, answer
        return dict(answer)

    def batch(self, capacity: int, title: str = "2020年第一批一线医务人员疗休养") -> dict[str, Any]:
        status, answer = self.call("POST", "/staff/recuperation/batches", self.city, {
            "title": title, "starts_at": "2030-05-10T08:00:00+08:00", "ends_at": "2030-05-16T18:00:00+08:00",
            "place": "泰山职工疗休养院", "capacity": capacity})
        assert status == 201, answer
        return dict(answer)

    def place(self, batch_id: str, **body: Any) -> dict[str, Any]:
        status, answer = self.call("POST", f"/staff/recuperation/batches/{batch_id}/placements", self.city, body)
        assert status == 200, answer
        return dict(answer)


@pytest.fixture
def api(client, staff_token):
    return Api(client, staff_token)


def test_a_county_sees_its_hospitals_nominations_and_not_another_county(api):
    api.campaign()
    person = api.person()
    status, nominated = api.nominate(person)
    assert status == 201, nominated
    assert nominated["status"] == "nominated" and nominated["unit_id"] == "demo-taishan-hospital"
    assert "phone" not in nominated and "id_hash" not in nominated
    status, page = api.call("GET", "/staff/recuperation/units/taishan/nominations", api.taishan)
    assert status == 200 and [n["person_id"] for n in page["items"]] == [person]
    status, page = api.call("GET", "/staff/recuperation/units/city/nominations", api.city)
    assert [n["person_id"] for n in page["items"]] == [person]
    assert api.call("GET", "/staff/recuperation/units/taishan/nominations", api.daiyue)[0] == 404
    assert api.call("GET", "/staff/recuperation/units/demo-taishan-hospital/nominations", api.daiyue)[0] == 404
    status, page = api.call("GET", "/staff/recuperation/units/daiyue/nominations", api.daiyue)
    assert status == 200 and page["items"] == []
    other = api.person()
    status, refused = api.nominate(other, api.daiyue)
    assert status == 404 and refused["detail"] == "未找到该记录。"
    status, refused = api.call("POST", f"/staff/recuperation/nominations/{person}/withdraw", api.daiyue,
                               {"version": 1})
    assert status == 404
    hospital_in_daiyue = api.token("dh.admin", "demo-daiyue-hospital", ["unit_admin"])
    assert api.call("GET", "/staff/recuperation/units/demo-daiyue-hospital/nominations", hospital_in_daiyue)[0] == 200
    assert api.nominate(other, hospital_in_daiyue)[0] == 404


def test_only_the_city_federation_ranks_decides_and_places(api):
    api.campaign()
    person = api.person()
    api.nominate(person)
    county_admin = api.token("t.admin", "taishan", ["unit_admin"])
    for token in (county_admin, api.hospital, api.taishan):
        assert api.call("GET", "/staff/recuperation/ranking", token)[0] == 403
        assert api.call("POST", f"/staff/recuperation/nominations/{person}/decision", token,
                        {"decision": "approve", "version": 1})[0] == 403
        assert api.call("POST", f"/staff/recuperation/nominations/{person}/priority", token,
                        {"adjustment": 10, "note": "抗疫先进个人", "version": 1})[0] == 403
        assert api.call("POST", "/staff/recuperation/batches", token, {})[0] == 403
        assert api.call("POST", "/staff/recuperation/batches/X1/placements", token, {})[0] == 403
    assert api.call("GET", "/staff/recuperation/ranking", api.city)[0] == 200


def test_nominations_open_only_after_the_campaign_has_ended(api, seeded):
    person = api.person()
    status, refused = api.nominate(person)
    assert status == 409 and "疫情防控任务结束后" in refused["detail"]
    api.campaign(end_date=None)
    before = count_items(seeded)
    assert api.nominate(person)[0] == 409
    assert count_items(seeded) == before
    api.campaign(end_date="2020-06-30", campaign_id="2020-first-wave")
    assert api.nominate(person)[0] == 201


def test_one_active_nomination_per_person_even_across_hospitals(api):
    api.campaign()
    id_number = fresh_id_number()
    person = api.person(id_number=id_number)
    twin = api.person(unit="demo-daiyue-hospital", id_number=id_number)  # the same person, entered twice
    assert api.nominate(person)[0] == 201
    status, refused = api.nominate(person)
    assert status == 409 and refused["type"].endswith("already-nominated")
    assert api.nominate(twin, api.city)[0] == 409
    status, withdrawn = api.call("POST", f"/staff/recuperation/nominations/{person}/withdraw", api.hospital,
                                 {"version": 1})
    assert status == 200 and withdrawn["status"] == "withdrawn" and withdrawn["version"] == 2
    status, again = api.nominate(twin, api.city)
    assert status == 201 and again["unit_id"] == "demo-daiyue-hospital" and again["version"] == 3
    mine = api.call("GET", "/staff/recuperation/units/demo-taishan-hospital/nominations", api.hospital)[1]
    assert mine["items"] == []


def test_days_come_from_the_archive_where_it_has_them(api, seeded):
    api.campaign(end_date="2020-03-31")
    ended = api.person(period_start="2020-01-25", period_end="2020-02-23")
    open_ended = api.person(period_start="2020-03-02")
    told = api.person(period_start="2020-03-02")
    before = count_items(seeded)
    status, refused = api.nominate(ended, days_deployed=40)
    assert status == 400 and refused["errors"][0]["field"] == "days_deployed"
    assert count_items(seeded) == before
    status, short = api.nominate(ended, reason="太短")
    assert status == 400 and short["errors"][0]["field"] == "reason"
    assert api.nominate(ended)[1]["days_deployed"] == 30
    counted = api.nominate(open_ended)[1]
    assert counted["days_deployed"] == 30 and counted["days_from_archive"] is True
    given = api.nominate(told, days_deployed=12)[1]
    assert given["days_deployed"] == 12 and given["days_from_archive"] is False


def test_ranking_is_deterministic_and_the_city_adjusts_with_a_note(api):
    api.campaign()
    aid = api.person(deployment="aid_team", period_start="2020-02-01", period_end="2020-02-20")  # 40 + 20
    fever = api.person(deployment="fever_clinic", period_start="2020-01-25", period_end="2020-02-23")  # 30 + 30
    screen = api.person(deployment="screening", period_start="2020-02-01", period_end="2020-02-10")  # 20 + 10
    for person in (screen, fever, aid):
        assert api.nominate(person)[0] == 201
    status, ranking = api.call("GET", "/staff/recuperation/ranking", api.city)
    assert status == 200 and "优先分" in ranking["rule"]
    assert [(n["person_id"], n["score"], n["rank"]) for n in ranking["items"]] == [
        (fever, 60, 1), (aid, 60, 2), (screen, 30, 3)]  # same score: more days first
    path = f"/staff/recuperation/nominations/{screen}/priority"
    status, refused = api.call("POST", path, api.city, {"adjustment": 45, "version": 1})
    assert status == 400 and refused["errors"][0]["field"] == "note"
    status, adjusted = api.call("POST", path, api.city, {"adjustment": 45, "note": "市级抗疫先进个人", "version": 1})
    assert status == 200 and adjusted["score"] == 75 and adjusted["adjustment_note"] == "市级抗疫先进个人"
    assert api.call("POST", path, api.city, {"adjustment": 5, "note": "重复提交", "version": 1})[0] == 409
    ranking = api.call("GET", "/staff/recuperation/ranking", api.city)[1]
    assert [n["person_id"] for n in ranking["items"]] == [screen, fever, aid]
    decision = f"/staff/recuperation/nominations/{aid}/decision"
    status, refused = api.call("POST", decision, api.city, {"decision": "decline", "version": 1})
    assert status == 400 and refused["errors"][0]["field"] == "note"
    status, declined = api.call("POST", decision, api.city, {"decision": "decline", "note": "已安排过", "version": 1})
    assert status == 200 and declined["status"] == "declined"
    assert [n["person_id"] for n in api.call("GET", "/staff/recuperation/ranking", api.city)[1]["items"]] == [
        screen, fever]
    declined_list = api.call("GET", "/staff/recuperation/ranking?status=declined", api.city)[1]["items"]
    assert [n["person_id"] for n in declined_list] == [aid]
    assert api.call("GET", "/staff/recuperation/ranking?status=lost", api.city)[0] == 400


def test_placement_by_priority_respects_capacity_and_places_each_person_once(api, client):
    api.campaign()
    people = [api.person(period_start="2020-02-01", period_end=f"2020-02-{10 + n:02d}") for n in range(4)]
    for person in people:
        api.nominate(person)
    for person in people[1:]:
        api.approve(person, 1)  # people[0] is not approved yet: it is not placed
    first = api.batch(2)
    assert first["seats_left"] == 2 and first["placed"] == 0
    result = api.place(first["id"])
    # more days first: people[3] (13 days), people[2] (12 days)
    assert [p["person_id"] for p in result["placed"]] == [people[3], people[2]]
    assert result["seats_left"] == 0 and result["waiting"] == 1
    again = api.place(first["id"])
    assert again["placed"] == [] and again["seats_left"] == 0
    second = api.batch(5, "2020年第二批一线医务人员疗休养")
    third = api.place(second["id"])
    assert [p["person_id"] for p in third["placed"]] == [people[1]]
    assert api.place(second["id"])["placed"] == []
    batches = {b["id"]: b for b in api.call("GET", "/staff/recuperation/batches", api.city)[1]["items"]}
    assert batches[first["id"]]["placed"] == 2 and batches[second["id"]]["placed"] == 1

    page = api.call("GET", "/staff/recuperation/units/demo-taishan-hospital/nominations", api.hospital)[1]
    placed = {n["person_id"]: n for n in page["items"]}
    assert placed[people[3]]["status"] == "placed" and placed[people[3]]["batch_title"] == first["title"]
    assert placed[people[3]]["batch_place"] == "泰山职工疗休养院" and placed[people[3]]["booking_reference"]
    assert placed[people[0]]["status"] == "nominated"
    status, refused = api.call("POST", f"/staff/recuperation/nominations/{people[3]}/withdraw", api.hospital,
                               {"version": placed[people[3]]["version"]})
    assert status == 409 and "尚未安排批次" in refused["detail"]
    reference = placed[people[3]]["booking_reference"]
    found = post_json(client, "/status/lookup", {"reference": reference, "phone": api.phones[people[3]]})
    assert found.status_code == 200 and json.loads(found.body)["kind_label"] == "疗休养报名"
    registrations = api.call("GET", f"/staff/sessions/{first['id']}/registrations", api.city)[1]["items"]
    assert sorted(r["reference"] for r in registrations) == sorted(
        placed[p]["booking_reference"] for p in people[2:])
    assert api.call("GET", f"/sessions/{first['id']}", api.city)[0] == 404  # batches are not listed publicly


def test_placement_limit_and_a_closed_batch(api):
    api.campaign()
    people = [api.person() for _ in range(3)]
    for person in people:
        api.nominate(person)
        api.approve(person, 1)
    batch = api.batch(3)
    assert len(api.place(batch["id"], limit=1)["placed"]) == 1
    status, answer = api.call("POST", f"/staff/recuperation/batches/{batch['id']}/placements", api.city,
                              {"limit": 0})
    assert status == 400 and answer["errors"][0]["field"] == "limit"
    assert api.call("POST", f"/staff/sessions/{batch['id']}/close", api.city)[0] == 200
    status, answer = api.call("POST", f"/staff/recuperation/batches/{batch['id']}/placements", api.city, {})
    assert status == 409
    assert api.call("POST", "/staff/recuperation/batches/nosuchbatch/placements", api.city, {})[0] == 404


def test_bad_batch_input_names_the_field(api, seeded):
    before = count_items(seeded)
    status, answer = api.call("POST", "/staff/recuperation/batches", api.city, {
        "title": "第一批", "starts_at": "2020-05-10T08:00:00+08:00", "ends_at": "2020-05-16T18:00:00+08:00",
        "place": "泰山职工疗休养院", "capacity": 10})
    assert status == 400 and answer["errors"][0]["field"] == "ends_at"
    status, answer = api.call("POST", "/staff/recuperation/batches", api.city, {
        "title": "第一批", "starts_at": "2030-05-10T08:00:00+08:00", "ends_at": "2030-05-16T18:00:00+08:00",
        "place": "泰山职工疗休养院", "capacity": 0})
    assert status == 400 and answer["errors"][0]["field"] == "capacity"
    assert count_items(seeded) == before


def test_two_nominees_sharing_a_phone_never_share_a_place(api):
    api.campaign()
    first, second = api.person(phone="13700137000"), api.person(phone="13700137000")
    for person in (first, second):
        api.nominate(person)
        api.approve(person, 1)
    batch = api.batch(5)
    result = api.place(batch["id"])
    assert [p["person_id"] for p in result["placed"]] == [first]
    assert result["waiting"] == 1 and result["seats_left"] == 4
    other = api.batch(5, "2020年第二批一线医务人员疗休养")
    placed = api.place(other["id"])["placed"]
    assert [p["person_id"] for p in placed] == [second]
    assert placed[0]["booking_reference"] != result["placed"][0]["booking_reference"]


def test_after_the_retention_date_nominations_are_deleted(api):
    from datetime import date, timedelta

    from chalicelib.privacy import purge
    from tests.conftest import scans_allowed

    api.campaign()
    person = api.person()
    api.nominate(person)
    api.approve(person, 1)
    batch = api.batch(2)
    api.place(batch["id"])
    ended = date.today() - timedelta(days=200)
    status, answer = api.call("PUT", "/admin/privacy-policy", api.city,
                              {"epidemic_ended_on": ended.isoformat(), "retention_days": 180})
    assert status == 200, answer
    with scans_allowed():
        purge.purge()
    assert api.call("GET", "/staff/recuperation/units/city/nominations", api.city)[1]["items"] == []
    assert api.call("GET", "/staff/recuperation/batches", api.city)[1]["items"][0]["placed"] == 1
