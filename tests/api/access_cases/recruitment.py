"""Access cases for the recruitment review routes. Firms are reviewed by county-level unions: each
case registers its firm in the county that holds the target unit (for the city itself, a county
outside every caller's own subtree, so the matrix's parent check still holds)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

from chalicelib.recruitment.credit import check_character
from tests.api.access_cases import Case


def county_of(unit: str) -> str:
    from chalicelib.orgs import service

    parts = [p for p in service.unit_path(unit).split("/") if p]
    return parts[1] if len(parts) > 1 else "gaoxin"


def existing_firm(ctx: Any, unit: str, approve: bool = False) -> tuple[str, str]:
    head = f"91370902{random.randrange(10**9):09d}"
    phone = f"137{random.randrange(10**8):08d}"
    body = {"name": "测试复工企业", "credit_code": head + check_character(head), "county_unit_id": county_of(unit),
            "industry": "manufacturing", "address": "测试路 1 号", "contact_name": "李经理", "contact_phone": phone,
            "consent": True, "consent_version": "2020-02-v1"}
    response = ctx.call("POST", "/firms", body, None)
    assert response.status_code == 201, response.body
    reference = str(json.loads(response.body)["reference"])
    if approve:
        answer = ctx.call("POST", f"/staff/firms/{reference}/review", {"decision": "approve", "version": 1}, ctx.admin)
        assert answer.status_code == 200, answer.body
    return reference, phone


def existing_opening(ctx: Any, unit: str) -> str:
    firm, phone = existing_firm(ctx, unit, approve=True)
    body = {"firm_reference": firm, "phone": phone, "title": "装配工", "headcount": 3, "wage_min": 3000,
            "wage_max": 4000, "shift": "fixed", "place": "测试路 1 号", "requirements": "无",
            "valid_until": (date.today() + timedelta(days=10)).isoformat()}
    response = ctx.call("POST", "/openings", body, None)
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["reference"])


APPROVE = {"decision": "approve", "version": 1}


def reviewed_opening(ctx: Any, unit: str) -> str:
    """An opening approved by the city (its firm got one message, the opening another)."""
    reference = existing_opening(ctx, unit)
    answer = ctx.call("POST", f"/staff/openings/{reference}/review", APPROVE, ctx.admin)
    assert answer.status_code == 200, answer.body
    return reference


def _messages(kind: str) -> Any:
    def build(ctx: Any, unit: str) -> tuple[str, str, None]:
        reference = existing_firm(ctx, unit, approve=True)[0] if kind == "firms" else reviewed_opening(ctx, unit)
        return "GET", f"/staff/{kind}/{reference}/messages", None
    return build


def _resend(kind: str) -> Any:
    def build(ctx: Any, unit: str) -> tuple[str, str, None]:
        _, path, _ = _messages(kind)(ctx, unit)
        listed = ctx.call("GET", path, None, ctx.admin)
        assert listed.status_code == 200, listed.body
        return "POST", f"{path}/{json.loads(listed.body)['items'][0]['id']}/resend", None
    return build

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/staff/units/{unit_id}/firms"): Case(lambda ctx, unit: ("GET", f"/staff/units/{unit}/firms", None),
                                                  scoped=True, success=200),
    ("GET", "/staff/units/{unit_id}/openings"): Case(lambda ctx, unit: ("GET", f"/staff/units/{unit}/openings",
                                                                        None), scoped=True, success=200),
    ("GET", "/staff/firms/{reference}"):
        Case(lambda ctx, unit: ("GET", f"/staff/firms/{existing_firm(ctx, unit)[0]}", None), scoped=True, success=200),
    ("GET", "/staff/openings/{reference}"):
        Case(lambda ctx, unit: ("GET", f"/staff/openings/{existing_opening(ctx, unit)}", None), scoped=True,
             success=200),
    ("POST", "/staff/firms/{reference}/review"):
        Case(lambda ctx, unit: ("POST", f"/staff/firms/{existing_firm(ctx, unit)[0]}/review", APPROVE),
             scoped=True, success=200),
    ("POST", "/staff/openings/{reference}/review"):
        Case(lambda ctx, unit: ("POST", f"/staff/openings/{existing_opening(ctx, unit)}/review", APPROVE),
             scoped=True, success=200),
    ("GET", "/staff/firms/{reference}/interested/export"):
        Case(lambda ctx, unit: ("GET", f"/staff/firms/{existing_firm(ctx, unit)[0]}/interested/export", None),
             scoped=True, success=200),
    **{("GET", f"/staff/{kind}/{{reference}}/messages"): Case(_messages(kind), scoped=True, success=200)
       for kind in ("firms", "openings")},
    **{("POST", f"/staff/{kind}/{{reference}}/messages/{{message_id}}/resend"): Case(_resend(kind), scoped=True,
                                                                                  success=201)
       for kind in ("firms", "openings")},
}
