"""Access cases for the special-fund routes."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalicelib.core import times
from tests.api.access_cases import Case

YEAR = times.today().year


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.body
    return json.loads(response.body)


def funded(ctx: Any, unit: str, amount: int = 100_000) -> None:
    """Give the unit's account `amount` more fen (as the city administrator)."""
    account = _ok(ctx.call("GET", f"/fund/units/{unit}/account?year={YEAR}", None, ctx.admin))
    body = {"year": YEAR, "annual_budget_fen": 10**10, "special_fund_fen": account["special_fund_fen"] + amount,
            "version": account["version"] or None}
    _ok(ctx.call("PUT", f"/fund/units/{unit}/budget", body, ctx.admin))


def spent_entry(ctx: Any, unit: str) -> str:
    funded(ctx, unit)
    body = {"unit_id": unit, "category": "supplies_masks", "amount_fen": 100, "payee": "供应商"}
    return str(_ok(ctx.call("POST", "/fund/spends", body, ctx.admin), 201)["entry_id"])


def _budget(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    account = _ok(ctx.call("GET", f"/fund/units/{unit}/account?year={YEAR}", None, ctx.admin))
    return "PUT", f"/fund/units/{unit}/budget", {"year": YEAR, "annual_budget_fen": 10**10,
                                                 "special_fund_fen": account["special_fund_fen"] + 1,
                                                 "version": account["version"] or None}


def _allocate(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    child = f"u-{uuid.uuid4().hex[:8]}"
    _ok(ctx.call("POST", "/admin/units", {"id": child, "name": "测试企业工会", "kind": "enterprise_union",
                                          "parent_id": unit}, ctx.admin), 201)
    funded(ctx, unit)
    funded(ctx, child, 0)
    return "POST", "/fund/allocations", {"from_unit_id": unit, "to_unit_id": child, "year": YEAR, "amount_fen": 100}


def _spend(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    funded(ctx, unit)
    return "POST", "/fund/spends", {"unit_id": unit, "category": "supplies_masks", "amount_fen": 100,
                                    "payee": "供应商"}


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/fund/units/{unit_id}/account"): Case(
        lambda ctx, unit: ("GET", f"/fund/units/{unit}/account", None), scoped=True, success=200),
    ("PUT", "/fund/units/{unit_id}/budget"): Case(_budget, scoped=True, success=200),
    ("POST", "/fund/allocations"): Case(_allocate, scoped=True, success=201),
    ("POST", "/fund/spends"): Case(_spend, scoped=True, success=201),
    ("GET", "/fund/entries/{entry_id}"): Case(
        lambda ctx, unit: ("GET", f"/fund/entries/{spent_entry(ctx, unit)}", None), scoped=True, success=200),
    ("POST", "/fund/entries/{entry_id}/reverse"): Case(
        lambda ctx, unit: ("POST", f"/fund/entries/{spent_entry(ctx, unit)}/reverse", {"reason": "更正"}),
        scoped=True, success=201),
    ("GET", "/fund/units/{unit_id}/ledger"): Case(
        lambda ctx, unit: ("GET", f"/fund/units/{unit}/ledger", None), scoped=True, success=200),
    ("GET", "/fund/units/{unit_id}/report"): Case(
        lambda ctx, unit: ("GET", f"/fund/units/{unit}/report", None), scoped=True, success=200),
    ("GET", "/fund/units/{unit_id}/report/export"): Case(
        lambda ctx, unit: ("GET", f"/fund/units/{unit}/report/export", None), scoped=True, success=200),
}
