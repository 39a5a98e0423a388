"""Access cases for recuperation: nominations are made for a person of the archive in a hospital
created under the target unit (so the matrix's scope checks apply), after a campaign that ended."""

from __future__ import annotations

import json
from typing import Any

from tests.api.access_cases import Case
from tests.api.access_cases.delivery import campaign_body
from tests.api.access_cases.frontline import new_family

ENDED = "2020-frontline-ended"
REASON = "在发热门诊连续值守四十天，主动承担夜班和留观病人护理。"


def ensure_ended_campaign(ctx: Any) -> None:
    listed = json.loads(ctx.call("GET", "/staff/delivery/campaigns", None, ctx.admin).body)["items"]
    if not any(c["id"] == ENDED for c in listed):
        response = ctx.call("POST", f"/staff/delivery/campaigns/{ENDED}", campaign_body(end_date="2020-06-30"),
                            ctx.admin)
        assert response.status_code == 200, response.body


def nominee(ctx: Any, unit: str, approve: bool = False) -> str:
    """A person of a new hospital under unit, nominated (and approved) by the city federation."""
    ensure_ended_campaign(ctx)
    _, person, _ = new_family(ctx, unit, contact=None)
    response = ctx.call("POST", f"/staff/recuperation/nominations/{person}", {"reason": REASON}, ctx.admin)
    assert response.status_code == 201, response.body
    if approve:
        response = ctx.call("POST", f"/staff/recuperation/nominations/{person}/decision",
                            {"decision": "approve", "version": 1}, ctx.admin)
        assert response.status_code == 200, response.body
    return person


def batch_body(capacity: int = 1) -> dict[str, Any]:
    return {"title": "一线医务人员疗休养第一批", "starts_at": "2030-05-10T08:00:00+08:00",
            "ends_at": "2030-05-16T18:00:00+08:00", "place": "泰山职工疗休养院", "capacity": capacity}


def _nominate(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    ensure_ended_campaign(ctx)
    _, person, _ = new_family(ctx, unit, contact=None)
    return "POST", f"/staff/recuperation/nominations/{person}", {"reason": REASON}


def _on_nominee(suffix: str, body: dict[str, Any]) -> Case:
    def build(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
        return "POST", f"/staff/recuperation/nominations/{nominee(ctx, unit)}/{suffix}", body
    return Case(build, scoped=True, success=200)


def _place(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    nominee(ctx, unit, approve=True)
    response = ctx.call("POST", "/staff/recuperation/batches", batch_body(), ctx.admin)
    assert response.status_code == 201, response.body
    return "POST", f"/staff/recuperation/batches/{json.loads(response.body)['id']}/placements", {}


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/staff/recuperation/nominations/{person_id}"): Case(_nominate, scoped=True, success=201),
    ("POST", "/staff/recuperation/nominations/{person_id}/withdraw"): _on_nominee("withdraw", {"version": 1}),
    ("GET", "/staff/recuperation/units/{unit_id}/nominations"): Case(
        lambda ctx, unit: ("GET", f"/staff/recuperation/units/{unit}/nominations", None), scoped=True, success=200),
    ("GET", "/staff/recuperation/ranking"): Case(
        lambda ctx, unit: ("GET", "/staff/recuperation/ranking", None), scoped=False, success=200),
    ("POST", "/staff/recuperation/nominations/{person_id}/priority"): _on_nominee(
        "priority", {"adjustment": 10, "note": "市级抗疫先进个人", "version": 1}),
    ("POST", "/staff/recuperation/nominations/{person_id}/decision"): _on_nominee(
        "decision", {"decision": "approve", "version": 1}),
    ("POST", "/staff/recuperation/batches"): Case(
        lambda ctx, unit: ("POST", "/staff/recuperation/batches", batch_body(20)), scoped=False, success=201),
    ("GET", "/staff/recuperation/batches"): Case(
        lambda ctx, unit: ("GET", "/staff/recuperation/batches", None), scoped=False, success=200),
    ("POST", "/staff/recuperation/batches/{batch_id}/placements"): Case(_place, scoped=False, success=200),
}
