"""Access cases for the hardship-register routes."""

from __future__ import annotations

import json
import random
from typing import Any

from chalicelib.core.personal import id_check_character
from tests.api.access_cases import Case
from tests.api.access_cases.fund import spent_entry


def _id_number() -> str:
    first17 = f"3709021980{random.randint(0, 9_999_999):07d}"
    return first17 + id_check_character(first17)


def _content() -> str:
    from tests.api.test_hardship_register import sheet

    return sheet([["王芳", _id_number(), "13800138001", "困难", ""]])


def existing_worker(ctx: Any, unit: str) -> str:
    response = ctx.call("POST", f"/hardship/units/{unit}/import", {"content_base64": _content()}, ctx.admin)
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["worker_ids"][0])


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/hardship/units/{unit_id}/import"): Case(
        lambda ctx, unit: ("POST", f"/hardship/units/{unit}/import", {"content_base64": _content()}),
        scoped=True, success=201),
    ("POST", "/hardship/units/{unit_id}/workers"): Case(
        lambda ctx, unit: ("POST", f"/hardship/units/{unit}/workers",
                           {"name": "王芳", "id_number": _id_number(), "phone": "13800138001", "hardship": "困难"}),
        scoped=True, success=201),
    ("GET", "/hardship/units/{unit_id}/contacts"): Case(
        lambda ctx, unit: ("GET", f"/hardship/units/{unit}/contacts", None), scoped=True, success=200),
    ("GET", "/hardship/units/{unit_id}/workers"): Case(
        lambda ctx, unit: ("GET", f"/hardship/units/{unit}/workers", None), scoped=True, success=200),
    ("GET", "/hardship/workers/{worker_id}"): Case(
        lambda ctx, unit: ("GET", f"/hardship/workers/{existing_worker(ctx, unit)}", None), scoped=True, success=200),
    ("POST", "/hardship/workers/{worker_id}/checks"): Case(
        lambda ctx, unit: ("POST", f"/hardship/workers/{existing_worker(ctx, unit)}/checks",
                           {"situation": "正常", "precautions": "落实"}), scoped=True, success=201),
    ("POST", "/hardship/workers/{worker_id}/supplies"): Case(
        lambda ctx, unit: ("POST", f"/hardship/workers/{existing_worker(ctx, unit)}/supplies",
                           {"items": "口罩 10 只", "entry_id": spent_entry(ctx, unit)}), scoped=True, success=201),
}
