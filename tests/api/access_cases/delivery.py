"""Access cases for the food-package workbench routes."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.api.access_cases import Case
from tests.api.access_cases.frontline import new_family

CAMPAIGN = "2020-frontline"  # the one open campaign: others the matrix makes have ended


def campaign_body(**overrides: Any) -> dict[str, Any]:
    body = {"name": "一线人员家庭爱心蔬菜", "start_date": "2020-02-18", "cap_fen": 8000, "price_fen": 7500,
            "funded_by": "city", "suppliers": [{"county_unit_id": "taishan", "name": "泰山爱心蔬菜合作社",
                                                "price_fen": 7800}]}
    body.update(overrides)
    return body


def ensure_campaign(ctx: Any) -> None:
    listed = json.loads(ctx.call("GET", "/staff/delivery/campaigns", None, ctx.admin).body)["items"]
    if not any(c["id"] == CAMPAIGN for c in listed):
        response = ctx.call("POST", f"/staff/delivery/campaigns/{CAMPAIGN}", campaign_body(), ctx.admin)
        assert response.status_code == 200, response.body


def signed_up_family(ctx: Any, unit: str) -> str:
    ensure_campaign(ctx)
    _, family, _ = new_family(ctx, unit)
    response = ctx.call("POST", f"/staff/delivery/families/{family}/signup",
                        {"address": "泰山区某某路 8 号", "window": "morning"}, ctx.admin)
    assert response.status_code == 201, response.body
    return family


def _package(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    from tests.api.test_delivery_roster import fund_city, package_for

    fund_city()
    family = signed_up_family(ctx, unit)
    return "POST", f"/staff/delivery/packages/{package_for(ctx, family)}/confirmation", {"outcome": "delivered"}


def _with_family(suffix: str, body: dict[str, Any] | None, success: int) -> Case:
    def build(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any] | None]:
        family = signed_up_family(ctx, unit)
        query = f"?campaign_id={CAMPAIGN}" if body is None else ""
        return ("GET" if body is None else "POST"), f"/staff/delivery/families/{family}{suffix}{query}", body
    return Case(build, scoped=True, success=success)


def _unit_get(suffix: str) -> Case:
    def build(ctx: Any, unit: str) -> tuple[str, str, None]:
        ensure_campaign(ctx)
        return "GET", f"/staff/delivery/units/{unit}/{suffix}?campaign_id={CAMPAIGN}&week=1", None
    return Case(build, scoped=True, success=200)


def _generate(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    """A family signed up and not yet on the roster, so the run writes its package and charge."""
    from tests.api.test_delivery_roster import fund_city

    fund_city()
    signed_up_family(ctx, unit)
    return "POST", f"/staff/delivery/campaigns/{CAMPAIGN}/rosters", {"week": 1}


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/staff/delivery/families/{person_id}/signup"): _with_family(
        "/signup", {"address": "泰山区某某路 9 号", "window": "evening"}, 201),
    ("GET", "/staff/delivery/families/{person_id}/signup"): Case(
        lambda ctx, unit: ("GET", f"/staff/delivery/families/{signed_up_family(ctx, unit)}/signup", None),
        scoped=True, success=200),
    ("POST", "/staff/delivery/families/{person_id}/pause"): _with_family("/pause", {"action": "pause"}, 200),
    ("GET", "/staff/delivery/families/{person_id}/packages"): _with_family("/packages", None, 200),
    ("GET", "/staff/delivery/campaigns"): Case(lambda ctx, unit: ("GET", "/staff/delivery/campaigns", None),
                                               scoped=False, success=200),
    ("POST", "/staff/delivery/campaigns"): Case(
        lambda ctx, unit: ("POST", "/staff/delivery/campaigns",
                           campaign_body(start_date="2020-03-01", end_date="2020-06-30")), scoped=False, success=201),
    ("POST", "/staff/delivery/campaigns/{campaign_id}"): Case(
        lambda ctx, unit: ("POST", f"/staff/delivery/campaigns/matrix-{uuid.uuid4().hex[:8]}",
                           campaign_body(start_date="2020-03-01", end_date="2020-06-30")), scoped=False, success=200),
    ("POST", "/staff/delivery/campaigns/{campaign_id}/rosters"): Case(_generate, scoped=False, success=200),
    ("GET", "/staff/delivery/units/{unit_id}/roster"): _unit_get("roster"),
    ("GET", "/staff/delivery/units/{unit_id}/supplier-list"): _unit_get("supplier-list"),
    ("POST", "/staff/delivery/packages/{package_id}/confirmation"): Case(_package, scoped=True, success=200),
}
