"""Access cases for the booking engine's staff routes: each creates its session in the target unit."""

from __future__ import annotations

import json
import random
from typing import Any

from tests.api.access_cases import Case


def session_body(unit: str) -> dict[str, Any]:
    return {"kind": "shuttle", "title": "返岗直通车测试班次", "unit_id": unit, "starts_at": "2030-02-25T07:00:00+08:00",
            "ends_at": "2030-02-25T12:00:00+08:00", "place": "泰安汽车站", "capacity": 2}


def existing_session(ctx: Any, unit: str) -> str:
    response = ctx.call("POST", "/staff/sessions", session_body(unit), ctx.admin)
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["id"])


def existing_registration(ctx: Any, unit: str) -> tuple[str, str]:
    session = existing_session(ctx, unit)
    body = {"name": "测试", "phone": f"139{random.randrange(10**8):08d}", "consent": True,
            "consent_version": "2020-02-v1"}
    response = ctx.call("POST", f"/sessions/{session}/registrations", body, None)
    assert response.status_code == 201, response.body
    return session, str(json.loads(response.body)["reference"])


def _on_session(suffix: str, method: str = "GET", body: dict[str, Any] | None = None) -> Any:
    def build(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any] | None]:
        return method, f"/staff/sessions/{existing_session(ctx, unit)}{suffix}", body
    return build


def _on_registration(suffix: str, body: dict[str, Any] | None = None) -> Any:
    def build(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any] | None]:
        session, reference = existing_registration(ctx, unit)
        return "POST", f"/staff/sessions/{session}/registrations/{reference}{suffix}", body
    return build


def _registration_messages(ctx: Any, unit: str) -> tuple[str, str, None]:
    session, reference = existing_registration(ctx, unit)
    return "GET", f"/staff/sessions/{session}/registrations/{reference}/messages", None


def _resend(ctx: Any, unit: str) -> tuple[str, str, None]:
    session, reference = existing_registration(ctx, unit)
    base = f"/staff/sessions/{session}/registrations/{reference}/messages"
    listed = ctx.call("GET", base, None, ctx.admin)
    assert listed.status_code == 200, listed.body
    return "POST", f"{base}/{json.loads(listed.body)['items'][0]['id']}/resend", None


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/staff/sessions"): Case(lambda ctx, unit: ("POST", "/staff/sessions", session_body(unit)),
                                      scoped=True, success=201),
    ("GET", "/staff/units/{unit_id}/sessions"): Case(lambda ctx, unit: ("GET", f"/staff/units/{unit}/sessions", None),
                                                     scoped=True, success=200),
    ("GET", "/staff/sessions/{session_id}"): Case(_on_session(""), scoped=True, success=200),
    ("POST", "/staff/sessions/{session_id}/close"): Case(_on_session("/close", "POST"), scoped=True, success=200),
    ("POST", "/staff/sessions/{session_id}/reopen"): Case(_on_session("/reopen", "POST"), scoped=True, success=200),
    ("POST", "/staff/sessions/{session_id}/capacity"): Case(_on_session("/capacity", "POST", {"capacity": 5}),
                                                            scoped=True, success=200),
    ("POST", "/staff/sessions/{session_id}/change"):
        Case(_on_session("/change", "POST", {"version": 1, "starts_at": "2030-02-26T07:00:00+08:00",
                                             "ends_at": "2030-02-26T12:00:00+08:00", "place": "泰安火车站"}),
             scoped=True, success=200),
    ("POST", "/staff/sessions/{session_id}/cancel"):
        Case(_on_session("/cancel", "POST", {"version": 1, "reason": "道路封闭"}), scoped=True, success=200),
    ("GET", "/staff/sessions/{session_id}/history"): Case(_on_session("/history"), scoped=True, success=200),
    ("GET", "/staff/sessions/{session_id}/registrations"): Case(_on_session("/registrations"), scoped=True,
                                                                success=200),
    ("GET", "/staff/sessions/{session_id}/export"): Case(_on_session("/export"), scoped=True, success=200),
    ("POST", "/staff/sessions/{session_id}/registrations/{reference}/attendance"):
        Case(_on_registration("/attendance", {"attended": True}), scoped=True, success=200),
    ("POST", "/staff/sessions/{session_id}/registrations/{reference}/cancel"):
        Case(_on_registration("/cancel"), scoped=True, success=200),
    ("GET", "/staff/sessions/{session_id}/registrations/{reference}/messages"):
        Case(_registration_messages, scoped=True, success=200),
    ("POST", "/staff/sessions/{session_id}/registrations/{reference}/messages/{message_id}/resend"):
        Case(_resend, scoped=True, success=201),
}
