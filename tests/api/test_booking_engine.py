"""The booking engine through its routes: seats, waitlist order, promotion, one place per person,
cancellation by reference + phone, staff close/reopen/capacity/attendance, lists and export."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.api.helpers import count_items, new_key, post_json, problem


def session_body(**overrides: Any) -> dict[str, Any]:
    body = {"kind": "fair", "title": "泰山区春风行动网络招聘会", "unit_id": "taishan",
            "starts_at": "2030-03-01T09:00:00+08:00", "ends_at": "2030-03-01T17:00:00+08:00",
            "place": "泰山区人力资源市场", "capacity": 2, "contact": "0538-1234567"}
    body.update(overrides)
    return body


def person(n: int, **overrides: Any) -> dict[str, Any]:
    body = {"name": f"工友{n}", "phone": f"139{n:08d}", "consent": True, "consent_version": "2020-02-v1"}
    body.update(overrides)
    return body


@pytest.fixture
def staff(staff_token):
    return {"Authorization": f"Bearer {staff_token('taishan.caseworker', 'taishan', ['caseworker'])}"}


@pytest.fixture
def auditor(staff_token):
    return {"Authorization": f"Bearer {staff_token('taishan.auditor', 'taishan', ['auditor'])}"}


def make_session(client: Any, staff: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = post_json(client, "/staff/sessions", session_body(**overrides), new_key(), **staff)
    assert response.status_code == 201, response.body
    return dict(json.loads(response.body))


def register(client: Any, session_id: str, n: int, **overrides: Any) -> Any:
    return post_json(client, f"/sessions/{session_id}/registrations", person(n, **overrides), new_key())


def regs(client: Any, staff: dict[str, str], session_id: str, status: str) -> list[dict[str, Any]]:
    response = client.http.get(f"/staff/sessions/{session_id}/registrations?status={status}", headers=staff)
    assert response.status_code == 200, response.body
    return list(json.loads(response.body)["items"])


def test_seats_then_waitlist_in_arrival_order(client, staff):
    session = make_session(client, staff)
    answers = [json.loads(register(client, session["id"], n).body) for n in range(5)]
    assert [a["status"] for a in answers] == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    assert [a.get("waitlist_position") for a in answers] == [None, None, 1, 2, 3]
    waiting = regs(client, staff, session["id"], "waitlisted")
    assert [w["reference"] for w in waiting] == [a["reference"] for a in answers[2:]]
    assert [w["waitlist_position"] for w in waiting] == [1, 2, 3]
    listed = json.loads(client.http.get("/sessions?kind=fair").body)["items"]
    assert [(i["id"], i["seats_left"], i["capacity"]) for i in listed] == [(session["id"], 0, 2)]


def test_one_place_per_phone_per_session(client, staff, seeded):
    session = make_session(client, staff)
    assert register(client, session["id"], 1).status_code == 201
    before = count_items(seeded)
    again = register(client, session["id"], 1, name="另一个名字", phone="139 0000 0001")
    assert again.status_code == 409
    assert "每人只能占一个名额" in problem(again)["detail"]
    assert count_items(seeded) == before
    other = make_session(client, staff, title="另一场招聘会")
    assert register(client, other["id"], 1).status_code == 201  # another session is fine


def test_cancelling_a_seat_promotes_the_first_waitlisted_once(client, staff):
    session = make_session(client, staff)
    refs = [json.loads(register(client, session["id"], n).body)["reference"] for n in range(4)]
    cancel = post_json(client, "/bookings/cancel", {"reference": refs[0], "phone": "13900000000"}, new_key())
    assert cancel.status_code == 200, cancel.body
    assert json.loads(cancel.body)["status"] == "cancelled" and "promoted" not in json.loads(cancel.body)
    confirmed = {r["reference"] for r in regs(client, staff, session["id"], "confirmed")}
    assert confirmed == {refs[1], refs[2]}
    assert [r["reference"] for r in regs(client, staff, session["id"], "waitlisted")] == [refs[3]]
    detail = json.loads(client.http.get(f"/staff/sessions/{session['id']}", headers=staff).body)
    assert (detail["confirmed"], detail["waitlisted"], detail["seats_left"]) == (2, 1, 0)
    repeat = post_json(client, "/bookings/cancel", {"reference": refs[0], "phone": "13900000000"}, new_key())
    assert repeat.status_code == 409
    # the person may register again after cancelling: they join the end of the waitlist
    again = json.loads(register(client, session["id"], 0).body)
    assert again["status"] == "waitlisted" and again["waitlist_position"] == 2


def test_cancelling_a_waitlist_place_keeps_the_order(client, staff):
    session = make_session(client, staff, capacity=1)
    refs = [json.loads(register(client, session["id"], n).body)["reference"] for n in range(4)]
    post_json(client, "/bookings/cancel", {"reference": refs[2], "phone": "13900000002"}, new_key())
    waiting = regs(client, staff, session["id"], "waitlisted")
    assert [(w["reference"], w["waitlist_position"]) for w in waiting] == [(refs[1], 1), (refs[3], 2)]


def test_cancel_needs_the_phone_it_was_made_with(client, staff):
    session = make_session(client, staff)
    reference = json.loads(register(client, session["id"], 1).body)["reference"]
    wrong = post_json(client, "/bookings/cancel", {"reference": reference, "phone": "13800138000"}, new_key())
    assert wrong.status_code == 404


def test_status_lookup_shows_the_registration(client, staff):
    session = make_session(client, staff, capacity=1)
    register(client, session["id"], 1)
    reference = json.loads(register(client, session["id"], 2).body)["reference"]
    found = post_json(client, "/status/lookup", {"reference": reference, "phone": "13900000002"})
    body = json.loads(found.body)
    assert found.status_code == 200 and body["status"] == "waitlisted"
    assert body["kind_label"] == "招聘会报名" and "候补第 1 位" in body["message"]
    assert body["unit_name"] == "泰山区总工会"


def test_capacity_cannot_go_below_confirmed_and_raising_promotes(client, staff):
    session = make_session(client, staff)
    refs = [json.loads(register(client, session["id"], n).body)["reference"] for n in range(5)]
    low = post_json(client, f"/staff/sessions/{session['id']}/capacity", {"capacity": 1}, None, **staff)
    assert low.status_code == 400 and problem(low)["errors"][0]["field"] == "capacity"
    raised = post_json(client, f"/staff/sessions/{session['id']}/capacity", {"capacity": 4}, None, **staff)
    body = json.loads(raised.body)
    assert (body["capacity"], body["confirmed"], body["waitlisted"]) == (4, 4, 1)
    assert [r["reference"] for r in regs(client, staff, session["id"], "waitlisted")] == [refs[4]]


def test_close_stops_registration_and_reopen_allows_it(client, staff, seeded):
    session = make_session(client, staff)
    closed = post_json(client, f"/staff/sessions/{session['id']}/close", None, None, **staff)
    assert json.loads(closed.body)["status"] == "closed"
    before = count_items(seeded)
    refused = register(client, session["id"], 1)
    assert refused.status_code == 409 and problem(refused)["detail"] == "本场次已停止报名。"
    assert count_items(seeded) == before
    post_json(client, f"/staff/sessions/{session['id']}/reopen", None, None, **staff)
    assert register(client, session["id"], 1).status_code == 201


def test_attendance_only_for_confirmed(client, staff):
    session = make_session(client, staff, capacity=1)
    first = json.loads(register(client, session["id"], 1).body)["reference"]
    second = json.loads(register(client, session["id"], 2).body)["reference"]
    path = f"/staff/sessions/{session['id']}/registrations"
    ok = post_json(client, f"{path}/{first}/attendance", {"attended": True}, None, **staff)
    assert ok.status_code == 200 and json.loads(ok.body)["attended"] is True
    assert post_json(client, f"{path}/{second}/attendance", {"attended": True}, None, **staff).status_code == 409


def test_staff_cancel_reports_the_promotion(client, staff):
    session = make_session(client, staff, capacity=1)
    first = json.loads(register(client, session["id"], 1).body)["reference"]
    second = json.loads(register(client, session["id"], 2).body)["reference"]
    response = post_json(client, f"/staff/sessions/{session['id']}/registrations/{first}/cancel", None, None, **staff)
    assert json.loads(response.body)["promoted"] == second


def test_registration_window_and_past_sessions(client, staff):
    later = make_session(client, staff, registration_opens_at="2029-12-01T00:00:00+08:00")
    assert problem(register(client, later["id"], 1))["detail"] == "本场次还没有开始报名。"
    past = make_session(client, staff, starts_at="2020-03-01T09:00:00+08:00", ends_at="2020-03-01T10:00:00+08:00")
    assert register(client, past["id"], 1).status_code == 409
    assert json.loads(client.http.get("/sessions?kind=fair").body)["items"][0]["id"] == later["id"]


def test_bad_session_input_names_the_field(client, staff):
    response = post_json(client, "/staff/sessions", session_body(capacity=0), None, **staff)
    assert response.status_code == 400 and problem(response)["errors"][0]["field"] == "capacity"
    response = post_json(client, "/staff/sessions", session_body(place=None), None, **staff)
    assert response.status_code == 400


def test_lists_filter_by_kind_and_county_and_page(client, staff, staff_token):
    daiyue = {"Authorization": f"Bearer {staff_token('daiyue.cw', 'daiyue', ['caseworker'])}"}
    for n in range(3):
        make_session(client, staff, kind="course", title=f"线上技能培训{n}", place=None,
                     online_url="https://example.org/course", starts_at=f"2030-03-0{n + 1}T09:00:00+08:00",
                     ends_at=f"2030-03-0{n + 1}T11:00:00+08:00")
    make_session(client, daiyue, kind="course", title="岱岳区线上培训", unit_id="daiyue", place=None,
                 online_url="https://example.org/c")
    everything = json.loads(client.http.get("/sessions?kind=course").body)["items"]
    assert len(everything) == 4
    taishan = json.loads(client.http.get("/sessions?kind=course&county=taishan").body)["items"]
    assert [i["title"] for i in taishan] == ["线上技能培训0", "线上技能培训1", "线上技能培训2"]
    assert all(i["online"] and i["place"] == "线上" for i in taishan)
    assert json.loads(client.http.get("/sessions?kind=fair").body)["items"] == []
    assert client.http.get("/sessions?kind=recuperation").status_code == 400


def test_staff_lists_mask_phones_for_read_only_roles(client, staff, auditor):
    session = make_session(client, staff)
    register(client, session["id"], 1)
    assert regs(client, staff, session["id"], "confirmed")[0]["phone"] == "13900000001"
    masked = regs(client, auditor, session["id"], "confirmed")[0]
    assert masked["phone"] == "139****0001" and masked["name"] == "工**"


def test_export_is_an_xlsx_with_the_list(client, staff, auditor):
    session = make_session(client, staff, capacity=1)
    register(client, session["id"], 1)
    register(client, session["id"], 2)
    for headers, phone in ((staff, "13900000001"), (auditor, "139****0001")):
        body = json.loads(client.http.get(f"/staff/sessions/{session['id']}/export", headers=headers).body)
        sheet = load_workbook(io.BytesIO(base64.b64decode(body["content_base64"]))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert body["rows"] == 2 and rows[2][3] == phone and rows[2][4] == "已确认名额"
        assert rows[3][4] == "候补中" and rows[3][5] == "1"


def test_sessions_outside_the_subtree_are_not_found(client, staff, staff_token):
    daiyue = {"Authorization": f"Bearer {staff_token('daiyue.cw', 'daiyue', ['caseworker'])}"}
    session = make_session(client, staff)
    assert client.http.get(f"/staff/sessions/{session['id']}", headers=daiyue).status_code == 404
    assert post_json(client, "/staff/sessions", session_body(), None, **daiyue).status_code == 404


def test_a_partner_registers_and_cancels_with_its_key_and_channel(client, staff, staff_token):
    admin = {"Authorization": f"Bearer {staff_token('root.admin', 'city', ['city_admin'])}"}
    issued = json.loads(post_json(client, "/admin/partners", {"name": "齐鲁工惠", "channel": "qlgh",
                                                               "operations": ["booking.register", "booking.cancel"]},
                                  None, **admin).body)
    key = {"Authorization": f"Bearer {issued['key']}"}
    session = make_session(client, staff)
    created = post_json(client, f"/sessions/{session['id']}/registrations", person(7), new_key(), **key)
    assert created.status_code == 201, created.body
    reference = json.loads(created.body)["reference"]
    [listed] = regs(client, staff, session["id"], "confirmed")
    assert listed["channel"] == "qlgh"
    mine = json.loads(client.http.get("/partner/submissions", headers=key).body)["items"]
    assert [(i["reference"], i["kind"]) for i in mine] == [(reference, "booking")]
    cancelled = post_json(client, "/bookings/cancel", {"reference": reference, "phone": "13900000007"}, new_key(),
                          **key)
    assert cancelled.status_code == 200
    refused = post_json(client, "/firms", {}, new_key(), **key)
    assert refused.status_code == 403  # not an operation this partner was given


def test_viewing_a_list_of_people_is_itself_audited(client, staff):
    from chalicelib.core import audit

    session = make_session(client, staff)
    regs(client, staff, session["id"], "confirmed")
    client.http.get(f"/staff/sessions/{session['id']}/export", headers=staff)
    routes = [v["route"] for v in audit.views("taishan")]
    assert sorted(routes) == ["GET /staff/sessions/{session_id}/export",
                              "GET /staff/sessions/{session_id}/registrations"]
