"""Access cases for the support workbench routes.

Requests are made through the public intake inside the target unit. A counsellor is allowed only
on requests assigned to them, so requests for the per-request routes are assigned to the matrix's
counsellor at home (`counsellor.home`, see HOME in test_access_matrix.py).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.api.access_cases import Case
from tests.api.helpers import support_body

MATRIX_COUNSELLOR = "counsellor.home"


def _ensure_counsellor(ctx: Any, username: str = MATRIX_COUNSELLOR) -> None:
    body = {"username": username, "name": "测试咨询师", "qualification": "国家二级心理咨询师",
            "availability": "工作日 9:00-17:00"}
    response = ctx.call("POST", "/staff/support/counsellors", body, ctx.admin)
    assert response.status_code == 200, response.body


def new_request(ctx: Any, unit: str, assign: bool = True) -> tuple[str, int]:
    """A psychological request handled by `unit`, assigned to the matrix's counsellor; (reference, version)."""
    response = ctx.call("POST", "/support-requests", support_body(county_unit_id="taishan", unit_id=unit), None)
    assert response.status_code == 201, response.body
    reference = str(json.loads(response.body)["reference"])
    if not assign:
        return reference, 1
    _ensure_counsellor(ctx)
    assigned = ctx.call("POST", f"/staff/support/requests/{reference}/counsellor",
                        {"username": MATRIX_COUNSELLOR, "version": 1}, ctx.admin)
    assert assigned.status_code == 200, assigned.body
    return reference, int(json.loads(assigned.body)["version"])


def _detail(ctx: Any, unit: str) -> tuple[str, str, None]:
    reference, _ = new_request(ctx, unit)
    return "GET", f"/staff/support/requests/{reference}", None


def _transition(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    reference, version = new_request(ctx, unit)
    return "POST", f"/staff/support/requests/{reference}/transitions", {"to": "accepted", "version": version}


def _note(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    reference, _ = new_request(ctx, unit)
    return "POST", f"/staff/support/requests/{reference}/notes", {"text": "已电话联系，约定明天上午再谈。"}


def _reassign(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    reference, version = new_request(ctx, unit, assign=False)
    other = "demo-taishan-hospital" if unit != "demo-taishan-hospital" else "demo-taishan-factory"
    return "POST", f"/staff/support/requests/{reference}/assignment", {"unit_id": other, "version": version}


def _assign_counsellor(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    reference, version = new_request(ctx, unit, assign=False)
    _ensure_counsellor(ctx, "matrix.counsellor")
    return "POST", f"/staff/support/requests/{reference}/counsellor", {"username": "matrix.counsellor",
                                                                         "version": version}


def _messages(ctx: Any, unit: str) -> tuple[str, str, None]:
    reference, _ = new_request(ctx, unit)
    return "GET", f"/staff/support/requests/{reference}/messages", None


def _resend(ctx: Any, unit: str) -> tuple[str, str, None]:
    reference, _ = new_request(ctx, unit)
    listed = ctx.call("GET", f"/staff/support/requests/{reference}/messages", None, ctx.admin)
    assert listed.status_code == 200, listed.body
    message_id = json.loads(listed.body)["items"][0]["id"]
    return "POST", f"/staff/support/requests/{reference}/messages/{message_id}/resend", None


def _unit_route(suffix: str) -> Case:
    return Case(lambda ctx, unit: ("GET", f"/staff/support/units/{unit}/{suffix}", None), scoped=True, success=200)


def _intake(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    body = support_body()
    body.pop("consent_version")
    return "POST", "/staff/support/hotline/intake", body


def _save_counsellor(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", "/staff/support/counsellors", {"username": f"c{uuid.uuid4().hex[:8]}", "name": "测试咨询师",
                                                  "qualification": "心理治疗师", "availability": "周末"}


def _remove_counsellor(ctx: Any, unit: str) -> tuple[str, str, None]:
    username = f"c{uuid.uuid4().hex[:8]}"
    _ensure_counsellor(ctx, username)
    return "POST", f"/staff/support/counsellors/{username}/remove", None


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/staff/support/units/{unit_id}/queue"): _unit_route("queue"),
    ("GET", "/staff/support/units/{unit_id}/overdue"): _unit_route("overdue"),
    ("GET", "/staff/support/units/{unit_id}/rollup"): _unit_route("rollup"),
    ("GET", "/staff/support/units/{unit_id}/export"): _unit_route("export"),
    ("GET", "/staff/support/requests/{reference}"): Case(_detail, scoped=True, success=200),
    ("POST", "/staff/support/requests/{reference}/transitions"): Case(_transition, scoped=True, success=200),
    ("POST", "/staff/support/requests/{reference}/notes"): Case(_note, scoped=True, success=201),
    ("GET", "/staff/support/requests/{reference}/messages"): Case(_messages, scoped=True, success=200),
    ("POST", "/staff/support/requests/{reference}/messages/{message_id}/resend"): Case(
        _resend, scoped=True, success=201),
    ("POST", "/staff/support/requests/{reference}/assignment"): Case(_reassign, scoped=True, success=200),
    ("POST", "/staff/support/requests/{reference}/counsellor"): Case(_assign_counsellor, scoped=True, success=200),
    ("GET", "/staff/support/counsellors"): Case(lambda ctx, unit: ("GET", "/staff/support/counsellors", None),
                                                scoped=False, success=200),
    ("POST", "/staff/support/counsellors"): Case(_save_counsellor, scoped=False, success=200),
    ("POST", "/staff/support/counsellors/{username}/remove"): Case(_remove_counsellor, scoped=False, success=200),
    ("GET", "/staff/support/counsellor/cases"): Case(
        lambda ctx, unit: ("GET", "/staff/support/counsellor/cases", None), scoped=False, success=200),
    ("POST", "/staff/support/hotline/intake"): Case(_intake, scoped=False, success=201),
    ("POST", "/staff/support/hotline/caller-history"): Case(
        lambda ctx, unit: ("POST", "/staff/support/hotline/caller-history", {"phone": "13800138000"}),
        scoped=False, success=200),
    ("GET", "/staff/support/hotline/intakes"): Case(
        lambda ctx, unit: ("GET", "/staff/support/hotline/intakes", None), scoped=False, success=200),
}
