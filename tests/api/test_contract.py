"""Answers that once broke their documented schema, each called through the test client, whose answers
conftest.py checks against the route's contract (tests/api/contract.py): a mismatch fails the test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core import times
from tests.api import contract
from tests.api.helpers import new_key, post_json, support_body


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.body
    return json.loads(response.body)


def test_fund_report_with_nothing_spent(client, staff_token):

    finance = _auth(staff_token("dy.finance", "daiyue", ["finance"]))
    year = times.today().year
    _ok(client.http.put("/fund/units/daiyue/budget", headers={**finance, "Idempotency-Key": new_key()},
                        body=json.dumps({"year": year, "annual_budget_fen": 1_000_000,
                                         "special_fund_fen": 100_000}).encode()))
    rows = _ok(client.http.get(f"/fund/units/daiyue/report?year={year}", headers=finance))["items"]
    assert rows and all("frontline_share" not in r for r in rows if r["spent_fen"] == 0)


def test_dashboard_category_rows(client, staff_token):
    _ok(post_json(client, "/support-requests", support_body(), new_key()), 201)
    admin = _auth(staff_token("city.admin", "city", ["city_admin"]))
    board = _ok(client.http.get("/staff/dashboard/units/city", headers=admin))
    assert board["support_categories"] == [{"category": "psychological", "label": "心理咨询与疏导", "total": 1,
                                            "unfinished": 1}]


def test_frontline_and_support_rollups_each_have_their_own_shape(client, staff_token):
    admin = _auth(staff_token("city.admin", "city", ["city_admin"]))
    _ok(post_json(client, "/support-requests", support_body(), new_key()), 201)
    frontline = _ok(client.http.get("/staff/frontline/units/taishan/rollup", headers=admin))["items"]
    support = _ok(client.http.get("/staff/support/units/taishan/rollup", headers=admin))["items"]
    assert "persons" in frontline[0] and "categories" in support[0]


def test_cancelling_a_cancelled_registration_is_a_documented_409(client, staff_token):
    staff = _auth(staff_token("ts.caseworker", "taishan", ["caseworker"]))
    session = _ok(post_json(client, "/staff/sessions", {
        "kind": "fair", "title": "泰山区春风行动网络招聘会", "unit_id": "taishan",
        "starts_at": "2030-03-01T09:00:00+08:00", "ends_at": "2030-03-01T17:00:00+08:00",
        "place": "泰山区人力资源市场", "capacity": 2, "contact": "0538-1234567"}, new_key(), **staff), 201)
    registered = _ok(post_json(client, f"/sessions/{session['id']}/registrations",
                               {"name": "工友", "phone": "13900000001", "consent": True,
                                "consent_version": "2020-02-v1"}, new_key()), 201)
    path = f"/staff/sessions/{session['id']}/registrations/{registered['reference']}/cancel"
    _ok(client.http.post(path, headers=staff))
    again = client.http.post(path, headers=staff)
    assert again.status_code == 409 and json.loads(again.body)["type"] == "/problems/already-cancelled"


def test_an_administrator_disabling_themself_is_a_documented_409(client, staff_token):
    admin = _auth(staff_token("city.admin", "city", ["city_admin"]))  # writes the staff record too
    refused = client.http.post("/admin/staff/city.admin/disable", headers=admin)
    assert refused.status_code == 409 and json.loads(refused.body)["type"] == "/problems/self-disable"


@pytest.mark.parametrize(("path", "status", "headers", "body", "found"), [
    ("/health", 200, {"Content-Type": "application/json"}, {"status": "ok"}, "is a required property"),
    ("/health", 418, {"Content-Type": "application/json"}, {}, "not documented"),
    ("/units/city", 404, {"Content-Type": "application/problem+json"},
     {"type": "/problems/unheard-of", "title": "未找到", "status": 404}, "not so in the catalogue"),
    ("/units/city", 404, {"Content-Type": "application/problem+json"}, {"title": "未找到"}, "'type' is a required"),
    ("/units/city", 404, {"Content-Type": "application/json"}, {"type": "/problems/not-found"}, "Content-Type"),
])
def test_the_check_finds_what_does_not_match(path, status, headers, body, found):
    """The check itself can fail: made-up answers that break the contract of GET /health, GET /units/..."""
    wrong = contract.violations("GET", path, status, headers, json.dumps(body).encode())
    assert any(found in w for w in wrong), wrong
