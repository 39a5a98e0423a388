"""Access cases for identity and organisation administration routes."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.access_cases import Case


def _create_unit(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    code = f"u-{uuid.uuid4().hex[:8]}"
    return "POST", "/admin/units", {"id": code, "name": "测试企业工会", "kind": "enterprise_union", "parent_id": unit}


def _create_staff(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", "/admin/staff", {"username": f"s{uuid.uuid4().hex[:8]}", "name": "测试", "unit_id": unit,
                                    "roles": ["caseworker"]}


def _disable_staff(ctx: Any, unit: str) -> tuple[str, str, None]:
    return "POST", f"/admin/staff/{ctx.existing_staff(unit)}/disable", None


def _revoke_partner(ctx: Any, unit: str) -> tuple[str, str, None]:
    return "POST", f"/admin/partners/{ctx.existing_partner()}/revoke", None


def _issue_partner(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", "/admin/partners", {"name": "测试应用", "channel": "test-app", "operations": ["support.submit"]}


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/me"): Case(lambda ctx, unit: ("GET", "/me", None), scoped=False, success=200),
    ("POST", "/me/mfa"): Case(lambda ctx, unit: ("POST", "/me/mfa", None), scoped=False, success=200),
    ("POST", "/admin/units"): Case(_create_unit, scoped=True, success=201),
    ("GET", "/admin/units/{unit_id}/alerts"): Case(lambda ctx, unit: ("GET", f"/admin/units/{unit}/alerts", None),
                                                   scoped=True, success=200),
    ("PUT", "/admin/units/{unit_id}/alerts/webhook"): Case(lambda ctx, unit: (
        "PUT", f"/admin/units/{unit}/alerts/webhook",
        {"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=abc123def456",
         "secret": "SEC0123456789abcdef"}), scoped=True, success=200),
    ("POST", "/admin/units/{unit_id}/alerts/webhook/remove"): Case(
        lambda ctx, unit: ("POST", f"/admin/units/{unit}/alerts/webhook/remove", None), scoped=True, success=200),
    ("PUT", "/admin/units/{unit_id}/alerts/phones"): Case(lambda ctx, unit: (
        "PUT", f"/admin/units/{unit}/alerts/phones", {"phones": ["13500135000", "13500135001"]}),
        scoped=True, success=200),
    ("POST", "/admin/staff"): Case(_create_staff, scoped=True, success=201),
    ("GET", "/admin/units/{unit_id}/staff"): Case(lambda ctx, unit: ("GET", f"/admin/units/{unit}/staff", None),
                                                  scoped=True, success=200),
    ("POST", "/admin/staff/{username}/disable"): Case(_disable_staff, scoped=True, success=200),
    ("POST", "/admin/partners"): Case(_issue_partner, scoped=False, success=201),
    ("GET", "/admin/partners"): Case(lambda ctx, unit: ("GET", "/admin/partners", None), scoped=False, success=200),
    ("POST", "/admin/partners/{partner_id}/revoke"): Case(_revoke_partner, scoped=False, success=200),
}
