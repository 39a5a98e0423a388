"""Property: over random ledgers, every report's figures equal the sums of the ledger entries."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from chalicelib.core import errors, times
from chalicelib.core.auth import Principal
from chalicelib.core.config import reset_settings
from chalicelib.fund import categories, reports, service, store
from chalicelib.fund.models import AllocationIn, BudgetIn, ReverseIn, SpendIn

YEAR = times.today().year
CITY = Principal(kind="staff", id="property", unit_id="city", unit_path="/city/", roles=frozenset({"city_admin"}))
TREE = {"city": None, "daiyue": "city", "demo-daiyue-hospital": "daiyue", "demo-daiyue-logistics": "daiyue",
        "taishan": "city", "demo-taishan-hospital": "taishan"}
UNITS = sorted(TREE)
CHILDREN = [(parent, child) for child, parent in TREE.items() if parent]
AMOUNTS = st.integers(min_value=1, max_value=50_000)

operation = st.one_of(
    st.tuples(st.just("budget"), st.sampled_from(UNITS), st.integers(min_value=0, max_value=100_000)),
    st.tuples(st.just("allocate"), st.sampled_from(CHILDREN), AMOUNTS),
    st.tuples(st.just("spend"), st.sampled_from(UNITS), st.sampled_from(sorted(categories.CATEGORIES)), AMOUNTS),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=40)),
)


def _apply(op: tuple[Any, ...], done: list[str]) -> None:
    kind = op[0]
    try:
        if kind == "budget":
            current = store.get_account(op[1], YEAR, consistent=True)
            service.set_budget(op[1], BudgetIn(year=YEAR, annual_budget_fen=200_000, special_fund_fen=op[2],
                                               version=current["version"] if current else None), CITY)
        elif kind == "allocate":
            (parent, child), amount = op[1], op[2]
            made = service.allocate(AllocationIn(from_unit_id=parent, to_unit_id=child, year=YEAR,
                                                 amount_fen=amount), CITY)
            done.append(made.out_entry.entry_id)
        elif kind == "spend":
            made_entry = service.record_spend(SpendIn(unit_id=op[1], category=op[2], amount_fen=op[3],
                                                      payee="供应商"), CITY)
            done.append(made_entry.entry_id)
        elif done:
            service.reverse(done[op[1] % len(done)], ReverseIn(reason="更正"), CITY)
    except errors.ProblemError as exc:
        assert exc.status in (400, 409), exc  # refused: overdrawn, not allowed, already reversed


def _entries(unit_id: str) -> list[dict[str, Any]]:
    found, start = [], None
    while True:
        page, start = store.ledger_page(unit_id, YEAR, 100, start)
        found += page
        if not start:
            return found


def _path(unit: str) -> list[str]:
    chain = [unit]
    while TREE[chain[-1]]:
        chain.append(str(TREE[chain[-1]]))
    return chain


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=25))
def test_report_totals_equal_the_sum_of_the_entries(ops: list[tuple[Any, ...]]) -> None:
    with mock_aws():
        reset_settings()
        from tools.seed import seed_units
        from tools.table import create_table

        create_table(boto3.client("dynamodb", region_name="us-east-1"), os.environ["TABLE_NAME"], with_stream=False)
        seed_units()
        done: list[str] = []
        for op in ops:
            _apply(op, done)
        own: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for unit in UNITS:
            for entry in _entries(unit):
                spent = entry["amount_fen"] if entry["kind"] == "spend" else 0
                if entry["kind"] == "reversal" and entry.get("category"):
                    spent = -entry["amount_fen"]
                sums = own[unit]
                sums["balance"] += entry["balance_effect_fen"]
                sums["spent"] += spent
                if spent:
                    sums[f"cat_{entry['category']}"] += spent
                    sums["frontline"] += spent if categories.CATEGORIES[entry["category"]].frontline else 0
                if entry["kind"] == "fund_set":
                    sums["funded"] += entry["balance_effect_fen"]
        subtree: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for unit, sums in own.items():
            for ancestor in _path(unit):
                for name, value in sums.items():
                    subtree[ancestor][name] += value
        rows = {row.unit_id: row for row in reports.report("city", YEAR, None, CITY).items}
        for unit in UNITS:
            row, expect, mine = rows[unit], subtree[unit], own[unit]
            assert row.balance_fen == mine["balance"] >= 0
            assert row.spent_fen == mine["spent"]
            assert row.subtree_balance_fen == expect["balance"]
            assert row.subtree_spent_fen == expect["spent"]
            assert row.subtree_frontline_fen == expect["frontline"]
            assert row.subtree_funded_fen == expect["funded"]
            assert {c.category: c.amount_fen for c in row.categories} == {
                name[4:]: value for name, value in expect.items() if name.startswith("cat_") and value}
            account = store.get_account(unit, YEAR, consistent=True)
            assert (account["balance_fen"] if account else 0) == mine["balance"]
    reset_settings()
