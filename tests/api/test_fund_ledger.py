"""The special fund over the API: budgets, allocations, spends, reversals, the rules per unit kind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core import db, times
from chalicelib.fund import service
from tests.api.helpers import count_items, new_key, problem

YEAR = times.today().year


class Api:
    def __init__(self, client: Any, token: str) -> None:
        self.client, self.token = client, token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}",
                   "Idempotency-Key": new_key()}
        raw = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        return self.client.http.request(method, path, headers=headers, body=raw)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.call(method, path, body)
        assert response.status_code == status, response.body
        return json.loads(response.body)

    def budget(self, unit: str, fund: int, budget: int = 10_000_000, version: int | None = None) -> Any:
        return self.ok("PUT", f"/fund/units/{unit}/budget",
                       {"year": YEAR, "annual_budget_fen": budget, "special_fund_fen": fund, "version": version})

    def spend(self, unit: str, amount: int, category: str = "supplies_masks", **extra: Any) -> Any:
        return self.call("POST", "/fund/spends", {"unit_id": unit, "category": category, "amount_fen": amount,
                                                  "payee": "泰安市某医疗器械公司", **extra})


@pytest.fixture
def county(client, staff_token):
    return Api(client, staff_token("daiyue.finance", "daiyue", ["finance"]))


@pytest.fixture
def hospital(client, staff_token):
    return Api(client, staff_token("hospital.finance", "demo-daiyue-hospital", ["finance"]))


def test_a_budget_sets_the_balance_and_writes_an_entry(county):
    account = county.budget("daiyue", 500_000)
    assert account["special_fund_fen"] == account["balance_fen"] == 500_000 and account["version"] == 1
    raised = county.budget("daiyue", 800_000, version=1)
    assert raised["balance_fen"] == 800_000 and raised["version"] == 2
    ledger = county.ok("GET", f"/fund/units/daiyue/ledger?year={YEAR}")["items"]
    assert [e["kind"] for e in ledger] == ["fund_set", "fund_set"]
    assert sorted(e["balance_effect_fen"] for e in ledger) == [300_000, 500_000]


def test_the_fund_must_fit_inside_the_annual_budget(county, seeded):
    before = count_items(seeded)
    response = county.call("PUT", "/fund/units/daiyue/budget",
                           {"year": YEAR, "annual_budget_fen": 100, "special_fund_fen": 200})
    assert response.status_code == 400
    assert problem(response)["errors"][0]["field"] == "special_fund_fen"
    assert count_items(seeded) == before


def test_a_stale_version_is_refused(county):
    county.budget("daiyue", 500_000)
    county.budget("daiyue", 600_000, version=1)
    response = county.call("PUT", "/fund/units/daiyue/budget",
                           {"year": YEAR, "annual_budget_fen": 10_000_000, "special_fund_fen": 1, "version": 1})
    assert response.status_code == 409


def test_allocation_moves_money_to_a_direct_child(county, hospital):
    county.budget("daiyue", 500_000)
    hospital.budget("demo-daiyue-hospital", 0)
    pair = county.ok("POST", "/fund/allocations", {"from_unit_id": "daiyue", "to_unit_id": "demo-daiyue-hospital",
                                                   "year": YEAR, "amount_fen": 200_000, "approved_by": "王主席"},
                     status=201)
    assert pair["out_entry"]["balance_effect_fen"] == -200_000 and pair["in_entry"]["balance_effect_fen"] == 200_000
    assert county.ok("GET", f"/fund/units/daiyue/account?year={YEAR}")["balance_fen"] == 300_000
    assert hospital.ok("GET", f"/fund/units/demo-daiyue-hospital/account?year={YEAR}")["balance_fen"] == 200_000


def test_allocation_only_to_a_direct_child_and_never_beyond_the_balance(county, hospital, seeded):
    county.budget("daiyue", 1_000)
    hospital.budget("demo-daiyue-hospital", 0)
    before = count_items(seeded)
    wrong = county.call("POST", "/fund/allocations", {"from_unit_id": "daiyue", "to_unit_id": "demo-taishan-hospital",
                                                      "year": YEAR, "amount_fen": 100})
    assert wrong.status_code == 400 and problem(wrong)["errors"][0]["field"] == "to_unit_id"
    too_much = county.call("POST", "/fund/allocations", {"from_unit_id": "daiyue",
                                                         "to_unit_id": "demo-daiyue-hospital", "year": YEAR,
                                                         "amount_fen": 1_001})
    assert too_much.status_code == 409 and "余额不足" in problem(too_much)["detail"]
    assert count_items(seeded) == before


def test_a_spend_that_would_overdraw_is_refused_and_stores_nothing(county, seeded):
    county.budget("daiyue", 10_000)
    assert county.spend("daiyue", 6_000).status_code == 201
    before = count_items(seeded)
    refused = county.spend("daiyue", 4_001)
    assert refused.status_code == 409
    assert problem(refused)["title"] == "专项资金余额不足" and "专项资金余额不足" in problem(refused)["detail"]
    assert count_items(seeded) == before
    assert county.spend("daiyue", 4_000).status_code == 201
    assert county.ok("GET", f"/fund/units/daiyue/account?year={YEAR}")["balance_fen"] == 0


def test_grassroots_unions_spend_only_on_their_staff_and_supplies(hospital, county, seeded):
    hospital.budget("demo-daiyue-hospital", 100_000)
    before = count_items(seeded)
    refused = hospital.spend("demo-daiyue-hospital", 1_000, "project_builders")
    body = problem(refused)
    assert refused.status_code == 400 and body["errors"][0]["field"] == "category"
    assert "基层工会" in body["errors"][0]["message"]
    assert count_items(seeded) == before
    consoled = hospital.spend("demo-daiyue-hospital", 1_000, "frontline_medical", beneficiary="一线人员 A-001")
    assert consoled.status_code == 201
    assert hospital.spend("demo-daiyue-hospital", 1_000, "supplies_thermometers").status_code == 201
    county.budget("daiyue", 100_000)
    assert county.spend("daiyue", 1_000, "project_builders").status_code == 201  # a county union may


@pytest.mark.parametrize(("field", "value"), [("amount_fen", 0), ("amount_fen", -5), ("amount_fen", 1.5),
                                              ("amount_fen", "100"), ("amount_fen", 10**12), ("category", "travel"),
                                              ("payee", "")])
def test_bad_spends_name_the_field(county, seeded, field, value):
    county.budget("daiyue", 10_000)
    before = count_items(seeded)
    body = {"unit_id": "daiyue", "category": "supplies_masks", "amount_fen": 100, "payee": "供应商", field: value}
    response = county.call("POST", "/fund/spends", body)
    assert response.status_code == 400
    assert problem(response)["errors"][0]["field"] == field
    assert count_items(seeded) == before


def test_a_reversal_restores_the_balance_once_and_keeps_the_original(county):
    county.budget("daiyue", 10_000)
    spent = json.loads(county.spend("daiyue", 3_000, "frontline_police", receipt="NO.0001").body)
    reversal = county.ok("POST", f"/fund/entries/{spent['entry_id']}/reverse", {"reason": "金额录错"}, status=201)
    assert reversal["reverses"] == spent["entry_id"] and reversal["balance_effect_fen"] == 3_000
    again = county.call("POST", f"/fund/entries/{spent['entry_id']}/reverse", {"reason": "再冲一次"})
    assert again.status_code == 409 and "已经冲正" in problem(again)["detail"]
    original = county.ok("GET", f"/fund/entries/{spent['entry_id']}")
    assert original["amount_fen"] == 3_000 and original["reversed_by"] == reversal["entry_id"]
    assert county.ok("GET", f"/fund/units/daiyue/account?year={YEAR}")["balance_fen"] == 10_000
    report = county.ok("GET", f"/fund/units/daiyue/report?year={YEAR}")["items"][0]
    assert report["subtree_spent_fen"] == 0 and report["subtree_frontline_fen"] == 0


def test_an_allocation_reversal_needs_the_money_still_at_the_child(county, hospital):
    county.budget("daiyue", 10_000)
    hospital.budget("demo-daiyue-hospital", 0)
    pair = county.ok("POST", "/fund/allocations", {"from_unit_id": "daiyue", "to_unit_id": "demo-daiyue-hospital",
                                                   "year": YEAR, "amount_fen": 5_000}, status=201)
    assert hospital.spend("demo-daiyue-hospital", 4_000).status_code == 201
    blocked = county.call("POST", f"/fund/entries/{pair['out_entry']['entry_id']}/reverse", {"reason": "拨错单位"})
    assert blocked.status_code == 409
    assert hospital.call("POST", f"/fund/entries/{pair['in_entry']['entry_id']}/reverse",
                         {"reason": "退回"}).status_code == 404  # the giving unit decides
    county.budget("daiyue", 10_000, version=1)  # unchanged fund: no entry, no error
    hospital_entries = hospital.ok("GET", f"/fund/units/demo-daiyue-hospital/ledger?year={YEAR}")["items"]
    spend_id = next(e["entry_id"] for e in hospital_entries if e["kind"] == "spend")
    hospital.ok("POST", f"/fund/entries/{spend_id}/reverse", {"reason": "退货"}, status=201)
    undone = county.ok("POST", f"/fund/entries/{pair['out_entry']['entry_id']}/reverse", {"reason": "拨错单位"},
                       status=201)
    assert undone["reverses"] == pair["out_entry"]["entry_id"]
    assert county.ok("GET", f"/fund/units/daiyue/account?year={YEAR}")["balance_fen"] == 10_000
    assert hospital.ok("GET", f"/fund/units/demo-daiyue-hospital/account?year={YEAR}")["balance_fen"] == 0


def test_spend_ops_joins_another_domains_transaction_and_an_entry_is_written_once(county, seeded):
    county.budget("daiyue", 10_000)
    ops = service.spend_ops(unit_id="daiyue", category="food_package", amount_fen=8_000, payee="蔬菜配送中心",
                            actor="staff:care", entry_id="CARE-0001", at="2020-03-01T02:00:00.000Z"
                            if YEAR == 2020 else f"{YEAR}-03-01T02:00:00.000Z", beneficiary="一线家庭 F-1")
    marker = db.put_new({"PK": "CARE#test", "SK": "PACKAGE#1", "type": "test"})
    db.transact([*ops, marker])
    again = service.spend_ops(unit_id="daiyue", category="food_package", amount_fen=1_000, payee="蔬菜配送中心",
                              actor="staff:care", entry_id="CARE-0001", at=f"{YEAR}-03-02T02:00:00.000Z")
    with pytest.raises(Exception) as caught:
        db.transact(again)
    assert getattr(caught.value, "status", None) == 409
    assert county.ok("GET", f"/fund/units/daiyue/account?year={YEAR}")["balance_fen"] == 2_000
    food = service.spend_ops(unit_id="daiyue", category="food_package", amount_fen=2_001, payee="蔬菜配送中心",
                             actor="staff:care", entry_id="CARE-0002", at=f"{YEAR}-03-02T02:00:00.000Z")
    with pytest.raises(Exception) as short:
        db.transact(food)
    assert "专项资金余额不足" in getattr(short.value, "detail", "")


def test_the_budget_year_is_the_year_in_china():
    assert times.local_date("2020-12-31T16:30:00.000Z").year == 2021
    assert times.local_date("2020-12-31T15:59:00.000Z").year == 2020


def test_categories_and_rules_are_public(client):
    body = json.loads(client.http.get("/fund/categories").body)
    codes = {c["code"] for c in body["items"]}
    assert {"food_package", "supplies_masks", "frontline_medical", "hardship_relief"} <= codes
    assert "project_builders" not in body["rules"]["hospital_union"]


def test_the_report_exports_as_xlsx(county, hospital):
    import base64
    import io

    from openpyxl import load_workbook

    county.budget("daiyue", 10_000)
    county.spend("daiyue", 2_500, "frontline_sanitation", receipt="R-9")
    export = county.ok("GET", f"/fund/units/daiyue/report/export?year={YEAR}")
    book = load_workbook(io.BytesIO(base64.b64decode(export["content_base64"])))
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[1][0] == "daiyue" and summary[1][7] == "25.00" and summary[1][9] == "1.0"
    ledger = list(book["本单位明细账"].iter_rows(values_only=True))
    assert any(row[3] == "慰问环卫工人" and row[8] == "R-9" for row in ledger[1:])
