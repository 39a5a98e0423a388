"""Staff change a session's time and place or cancel it, through the routes: validation naming every
wrong field, the version read, the caller's subtree, Idempotency-Key, the messages to everyone
holding a place, what the public list and lookup then show, and the session's own history."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.booking import service
from chalicelib.core import outbox
from tests.api.helpers import count_items, new_key, post_json, problem
from tests.api.test_booking_engine import make_session, register

NEW_TIME = {"starts_at": "2030-03-02T09:00:00+08:00", "ends_at": "2030-03-02T17:00:00+08:00",
            "place": "泰山区会展中心"}


@pytest.fixture
def staff(staff_token):
    return {"Authorization": f"Bearer {staff_token('taishan.caseworker', 'taishan', ['caseworker'])}"}


def _held(client: Any, session_id: str, people: int) -> list[tuple[str, str]]:
    """People registered (capacity 2: the rest waitlisted): (reference, phone) each."""
    out = []
    for n in range(people):
        response = register(client, session_id, n)
        assert response.status_code == 201, response.body
        out.append((json.loads(response.body)["reference"], f"139{n:08d}"))
    return out


def _templates(reference: str) -> list[str]:
    return [m["template"] for m in outbox.messages_about(service.about(reference))]


def _lookup(client: Any, reference: str, phone: str) -> dict[str, Any]:
    response = post_json(client, "/status/lookup", {"reference": reference, "phone": phone}, new_key())
    assert response.status_code == 200, response.body
    return dict(json.loads(response.body))


def test_a_change_names_every_wrong_field_at_once_and_stores_nothing(client, staff, seeded):
    session = make_session(client, staff)
    before = count_items(seeded)
    bad = post_json(client, f"/staff/sessions/{session['id']}/change",
                    {"version": "x", "starts_at": "明天", "ends_at": "2030-03-02T17:00:00+08:00",
                     "online_url": "http://example.org"}, new_key(), **staff)
    assert bad.status_code == 400
    assert {e["field"] for e in problem(bad)["errors"]} == {"version", "starts_at", "online_url"}
    neither = post_json(client, f"/staff/sessions/{session['id']}/change",
                        {**NEW_TIME, "version": 1, "place": None, "ends_at": NEW_TIME["starts_at"]}, new_key(), **staff)
    assert neither.status_code == 400 and problem(neither)["errors"][0]["field"] == "ends_at"
    assert count_items(seeded) == before


def test_a_change_tells_everyone_holding_a_place_and_the_public_pages_show_it(client, staff):
    session = make_session(client, staff)
    held = _held(client, session["id"], 3)
    cancelled, _ = held[0]
    assert post_json(client, "/bookings/cancel", {"reference": cancelled, "phone": held[0][1]},
                     new_key()).status_code == 200
    key = new_key()
    answers = [post_json(client, f"/staff/sessions/{session['id']}/change", {**NEW_TIME, "version": 1}, key, **staff)
               for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].body == answers[1].body
    changed = json.loads(answers[0].body)
    assert (changed["starts_at"], changed["place"], changed["version"]) == ("2030-03-02T01:00:00Z", "泰山区会展中心", 2)
    for reference, _ in held[1:]:  # the promoted one and the one still confirmed: one message each
        assert _templates(reference).count("booking_session_changed") == 1
    assert "booking_session_changed" not in _templates(cancelled)
    listed = json.loads(client.http.get("/sessions?kind=fair").body)["items"]
    assert [(i["starts_at"], i["place"], i["state_label"]) for i in listed] == [
        ("2030-03-02T01:00:00Z", "泰山区会展中心", "开放报名")]
    status = _lookup(client, *held[1])
    assert "泰山区会展中心" in status["message"] and "2030-03-02 09:00" in status["message"]
    units = json.loads(client.http.get("/staff/units/taishan/sessions", headers=staff).body)["items"]
    assert [u["starts_at"] for u in units] == ["2030-03-02T01:00:00Z"]  # the unit's list follows the new start


def test_a_change_or_cancel_at_a_stale_version_is_refused(client, staff):
    session = make_session(client, staff)
    assert post_json(client, f"/staff/sessions/{session['id']}/capacity", {"capacity": 3}, new_key(),
                     **staff).status_code == 200
    for path, body in (("change", {**NEW_TIME, "version": 1}), ("cancel", {"version": 1, "reason": "场地停用"})):
        stale = post_json(client, f"/staff/sessions/{session['id']}/{path}", body, new_key(), **staff)
        assert stale.status_code == 409 and problem(stale)["type"].endswith("/version-conflict")
    detail = json.loads(client.http.get(f"/staff/sessions/{session['id']}", headers=staff).body)
    assert (detail["version"], detail["status"]) == (2, "open")


def test_a_sibling_county_can_neither_change_nor_cancel_nor_read_the_history(client, staff, staff_token):
    session = make_session(client, staff)
    daiyue = {"Authorization": f"Bearer {staff_token('daiyue.cw', 'daiyue', ['caseworker'])}"}
    for path, body in (("change", {**NEW_TIME, "version": 1}), ("cancel", {"version": 1, "reason": "场地停用"})):
        assert post_json(client, f"/staff/sessions/{session['id']}/{path}", body, new_key(),
                         **daiyue).status_code == 404
    assert client.http.get(f"/staff/sessions/{session['id']}/history", headers=daiyue).status_code == 404


def test_a_cancelled_session_tells_holders_the_reason_and_takes_no_registration(client, staff):
    session = make_session(client, staff)
    held = _held(client, session["id"], 3)
    key = new_key()
    answers = [post_json(client, f"/staff/sessions/{session['id']}/cancel",
                         {"version": 1, "reason": "场馆临时停用"}, key, **staff) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].body == answers[1].body
    cancelled = json.loads(answers[0].body)
    assert (cancelled["status"], cancelled["status_label"], cancelled["cancel_reason"]) == (
        "cancelled", "已取消", "场馆临时停用")
    assert (cancelled["confirmed"], cancelled["waitlisted"]) == (2, 1)  # seats and waitlist stay as they were
    for reference, _ in held:
        messages = outbox.messages_about(service.about(reference))
        told = [m for m in messages if m["template"] == "booking_session_cancelled"]
        assert len(told) == 1 and told[0]["params"]["reason"] == "场馆临时停用"
    refused = register(client, session["id"], 9)
    assert refused.status_code == 409 and "已取消" in problem(refused)["detail"]
    kept = post_json(client, "/bookings/cancel", {"reference": held[0][0], "phone": held[0][1]}, new_key())
    assert kept.status_code == 409
    again = post_json(client, f"/staff/sessions/{session['id']}/cancel", {"version": 2, "reason": "再取消"},
                      new_key(), **staff)
    assert again.status_code == 409
    moved = post_json(client, f"/staff/sessions/{session['id']}/change", {**NEW_TIME, "version": 2}, new_key(),
                      **staff)
    assert moved.status_code == 409
    status = _lookup(client, *held[2])
    assert status["status_label"] == "场次已取消" and "场馆临时停用" in status["message"]
    assert "候补第" not in status["message"]
    listed = json.loads(client.http.get("/sessions?kind=fair").body)["items"]
    assert [(i["open"], i["cancelled"], i["state_label"], i["cancel_reason"]) for i in listed] == [
        (False, True, "已取消", "场馆临时停用")]


def test_the_history_lists_the_sessions_own_changes_with_who_made_them(client, staff):
    session = make_session(client, staff)
    _held(client, session["id"], 3)  # registrations are on the session's trail too, and left out here
    sid = session["id"]
    for path, body in (("capacity", {"capacity": 3}), ("change", {**NEW_TIME, "version": 2}),
                       ("close", None), ("cancel", {"version": 4, "reason": "场馆临时停用"})):
        response = post_json(client, f"/staff/sessions/{sid}/{path}", body or {}, new_key(), **staff)
        assert response.status_code == 200, response.body
    history = json.loads(client.http.get(f"/staff/sessions/{sid}/history", headers=staff).body)["items"]
    assert [h["action_label"] for h in history] == ["新建场次", "调整名额", "修改时间地点", "停止报名", "取消场次"]
    assert {h["actor"] for h in history} == {"staff:taishan.caseworker"}
    assert history[1]["detail"] == "名额 3" and history[-1]["detail"] == "原因：场馆临时停用"
    assert history[2]["detail"] == "时间 2030-03-02 09:00；地点 泰山区会展中心"


def test_cancelling_a_sharded_session_stops_its_shards_and_leaves_the_figures_as_the_records_say(client, staff):
    from chalicelib.booking import figures, store
    from chalicelib.core import db

    session = make_session(client, staff, capacity=600)  # two seat shards
    _held(client, session["id"], 3)
    units = ["city", "taishan"]
    before = store.subtree_figures(units)
    counts = figures.session_counts(store.get_session(session["id"], consistent=True) or {})
    assert post_json(client, f"/staff/sessions/{session['id']}/cancel", {"version": 1, "reason": "场馆临时停用"},
                     new_key(), **staff).status_code == 200
    assert store.subtree_figures(units) == before
    after = store.get_session(session["id"], consistent=True) or {}
    assert figures.session_counts(after) == counts and after["confirmed"] == 3
    assert [db.get(*store.seats_key(session["id"], n))["status"] for n in range(2)] == ["cancelled", "cancelled"]
    assert register(client, session["id"], 9).status_code == 409
