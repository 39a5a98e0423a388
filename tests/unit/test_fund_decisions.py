"""The fund's decisions, in memory: which named changes a spend, an allocation, a budget change or a
reversal commits, all in one unit of work, and the domain error when the table refuses one (the
DynamoDB tests in tests/api/test_fund_ledger.py and tests/integration prove the conditions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core import db, errors, times, uow
from chalicelib.core.auth import Principal
from chalicelib.fund import service, store
from chalicelib.fund.models import AllocationIn, BudgetIn, ReverseIn, SpendIn
from chalicelib.orgs import service as orgs
from chalicelib.orgs.models import KIND_LABELS, Unit, UnitKind

YEAR = times.today().year
CITY = Principal(kind="staff", id="finance-1", unit_id="city", unit_path="/city/", roles=frozenset({"finance"}))
UNITS = {"city": ("/city/", UnitKind.city_federation, None),
         "county": ("/city/county/", UnitKind.county_union, "city"),
         "district": ("/city/county/district/", UnitKind.zone_union, "county"),
         "hospital": ("/city/county/district/hospital/", UnitKind.hospital_union, "district")}


@pytest.fixture(autouse=True)
def tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The union tree, read from memory instead of the table."""
    def get_unit(unit_id: str) -> Unit:
        if unit_id not in UNITS:
            raise errors.not_found()
        path, kind, parent = UNITS[unit_id]
        return Unit(id=unit_id, name=unit_id, kind=kind, kind_label=KIND_LABELS[kind], parent_id=parent,
                    depth=path.count("/") - 2)

    monkeypatch.setattr(orgs, "get_unit", get_unit)
    monkeypatch.setattr(orgs, "unit_path", lambda unit_id: UNITS[get_unit(unit_id).id][0])
    monkeypatch.setattr(orgs, "display_names", lambda actors: {a: a for a in actors if a})  # staff records


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[uow.Recording]:
    """A recording unit of work; entries read back after a commit are the ones it recorded."""
    with uow.recording() as fake:
        def get_entry(entry_id: str) -> dict[str, Any] | None:
            items: list[dict[str, Any]] = [op.params["Item"] for ops in fake.commits for op in ops
                                           if op.name == "record_entry"]
            return next((i for i in items if i["entry_id"] == entry_id), None)

        monkeypatch.setattr(store, "get_entry", get_entry)
        monkeypatch.setattr(store, "get_reversal_mark", lambda entry_id: None)
        yield fake


def _values(op: db.Op) -> dict[str, Any]:
    return dict(op.params.get("ExpressionAttributeValues", {}))


def _adds(op: db.Op) -> dict[str, int]:
    """What an add_totals op adds, by total."""
    names, values = op.params["ExpressionAttributeNames"], _values(op)
    return {names[f"#a{i}"]: values[f":a{i}"] for i in range(len(names)) if f"#a{i}" in names}


def _totals(ops: list[db.Op]) -> dict[tuple[str, str], dict[str, int]]:
    return {(op.params["Key"]["PK"].split("#")[1], op.params["Key"]["SK"]): _adds(op)
            for op in ops if op.name == "add_totals"}


def _spend(amount: int = 3_000, unit: str = "district") -> SpendIn:
    return SpendIn(unit_id=unit, category="food_package", amount_fen=amount, payee="蔬菜配送中心")


def test_a_spend_is_its_entry_its_balance_change_and_the_totals_in_one_commit(recorded: uow.Recording) -> None:
    entry = service.record_spend(_spend(3_000), CITY)

    assert recorded.names == [["change_balance", "record_entry", "add_totals", "add_totals", "add_totals",
                               "add_totals"]]
    balance, written = recorded.commits[0][0], recorded.commits[0][1]
    assert balance.params["Key"] == db.key(*store.account_key("district", YEAR))
    assert _values(balance)[":d"] == -3_000 and _values(balance)[":need"] == 3_000  # never below zero
    assert written.params["Item"]["entry_id"] == entry.entry_id
    assert (entry.kind, entry.amount_fen, entry.balance_effect_fen) == ("spend", 3_000, -3_000)
    totals = _totals(recorded.commits[0])
    assert set(totals) == {("district", "OWN"), ("city", "SUBTREE"), ("county", "SUBTREE"), ("district", "SUBTREE")}
    for changes in totals.values():
        assert changes["balance"] == -3_000 and changes["spent"] == 3_000 and changes["frontline"] == 3_000
        assert changes["cat_food_package"] == 3_000 and changes["entries"] == 1


def test_a_spend_above_the_balance_is_refused_and_nothing_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "get_entry", lambda entry_id: pytest.fail("read back a refused spend"))
    with uow.recording(refuse=lambda op: op.name == "change_balance") as fake:
        with pytest.raises(errors.ProblemError) as refused:
            service.record_spend(_spend(99_999), CITY)
    assert refused.value.status == 409 and refused.value.code == "/problems/fund-insufficient"
    assert "余额不足" in refused.value.detail
    assert fake.commits == []


def test_a_category_the_unit_may_not_use_is_refused_before_any_write(recorded: uow.Recording) -> None:
    with pytest.raises(errors.ProblemError) as refused:
        service.record_spend(SpendIn(unit_id="hospital", category="hardship_relief", amount_fen=100, payee="某人"),
                             CITY)
    assert refused.value.code == "/problems/validation" and refused.value.errors[0].field == "category"
    assert recorded.commits == []


def test_every_mistake_of_a_spend_is_named_in_one_problem(recorded: uow.Recording) -> None:
    with pytest.raises(errors.ProblemError) as refused:
        service.spend_ops(unit_id="hospital", category="hardship_relief", amount_fen=0, payee=" ", actor="a",
                          entry_id="e-1", at="2026-03-02T02:00:00Z")
    assert [e.field for e in refused.value.errors] == ["category", "amount_fen", "payee"]
    assert recorded.commits == []


def test_an_allocation_is_two_entries_in_one_commit_and_moves_no_subtree_holding_both_sides(
        recorded: uow.Recording, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "get_account", lambda unit_id, year, consistent=False: {"unit_id": unit_id})
    result = service.allocate(AllocationIn(from_unit_id="county", to_unit_id="district", year=YEAR,
                                           amount_fen=5_000), CITY)

    [ops] = recorded.commits
    assert [op.name for op in ops][:4] == ["change_balance", "record_entry", "change_balance", "record_entry"]
    assert ops[-1].params["Item"]["action"] == "fund.allocate"  # the audit entry, in the same commit
    out_balance, in_balance = ops[0], ops[2]
    assert _values(out_balance)[":d"] == -5_000 and _values(out_balance)[":need"] == 5_000
    assert _values(in_balance)[":d"] == 5_000 and ":need" not in _values(in_balance)
    assert result.out_entry.counterpart_unit_id == "district" and result.in_entry.counterpart_unit_id == "county"
    totals = _totals(ops)
    assert totals[("county", "OWN")]["balance"] == -5_000 and totals[("district", "OWN")]["balance"] == 5_000
    assert totals[("district", "SUBTREE")]["balance"] == 5_000
    assert "balance" not in totals[("county", "SUBTREE")] and "balance" not in totals[("city", "SUBTREE")]
    assert totals[("city", "SUBTREE")]["entries"] == 2  # one update per totals item, both entries counted


def test_an_allocation_from_an_unfunded_unit_is_refused_with_the_funds_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "get_account", lambda unit_id, year, consistent=False: {"unit_id": unit_id})
    with uow.recording(refuse=lambda op: op.name == "change_balance" and _values(op)[":d"] < 0) as fake:
        with pytest.raises(errors.ProblemError) as refused:
            service.allocate(AllocationIn(from_unit_id="county", to_unit_id="district", year=YEAR,
                                          amount_fen=5_000), CITY)
    assert refused.value.code == "/problems/fund-insufficient" and "设立专项资金" in refused.value.detail
    assert "county" not in refused.value.detail  # a person reads no unit code
    assert fake.commits == []


def test_setting_a_budget_opens_the_account_and_records_the_fund_as_an_entry(
        recorded: uow.Recording, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "get_account", lambda unit_id, year, consistent=False: None)
    service.set_budget("county", BudgetIn(year=YEAR, annual_budget_fen=900_000, special_fund_fen=400_000), CITY)
    [ops] = recorded.commits
    assert [op.name for op in ops][:2] == ["open_account", "record_entry"]
    assert ops[0].params["Item"]["balance_fen"] == 400_000
    assert ops[1].params["Item"]["kind"] == "fund_set"
    assert _totals(ops)[("county", "OWN")] == {"balance": 400_000, "entries": 1, "funded": 400_000}


def test_lowering_a_fund_below_what_is_spent_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    current = {"unit_id": "county", "special_fund_fen": 400_000, "annual_budget_fen": 900_000, "version": 3}
    monkeypatch.setattr(store, "get_account", lambda unit_id, year, consistent=False: current)
    with uow.recording(refuse=lambda op: op.name == "change_budget") as fake:
        with pytest.raises(errors.ProblemError) as refused:
            service.set_budget("county", BudgetIn(year=YEAR, annual_budget_fen=900_000, special_fund_fen=100_000,
                                                  version=3), CITY)
    assert refused.value.code == "/problems/fund-insufficient"
    assert fake.commits == []


def test_a_stale_version_of_the_budget_is_refused_before_any_write(monkeypatch: pytest.MonkeyPatch) -> None:
    current = {"unit_id": "county", "special_fund_fen": 400_000, "annual_budget_fen": 900_000, "version": 3}
    monkeypatch.setattr(store, "get_account", lambda unit_id, year, consistent=False: current)
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        service.set_budget("county", BudgetIn(year=YEAR, annual_budget_fen=900_000, special_fund_fen=100_000,
                                              version=2), CITY)
    assert refused.value.code == "/problems/version-conflict"
    assert fake.commits == []


def test_a_reversal_marks_the_entry_once_and_gives_the_money_back(recorded: uow.Recording) -> None:
    spent = service.record_spend(_spend(2_500), CITY)
    reversal = service.reverse(spent.entry_id, ReverseIn(reason="重复记账"), CITY)

    ops = recorded.commits[1]
    assert [op.name for op in ops][:3] == ["mark_reversed", "change_balance", "record_entry"]
    assert _values(ops[1])[":d"] == 2_500
    assert (reversal.kind, reversal.reverses, reversal.balance_effect_fen) == ("reversal", spent.entry_id, 2_500)
    assert _totals(ops)[("district", "OWN")]["spent"] == -2_500


def test_a_second_reversal_is_refused_by_the_mark(recorded: uow.Recording) -> None:
    spent = service.record_spend(_spend(2_500), CITY)
    with uow.recording(refuse=lambda op: op.name == "mark_reversed") as again:
        with pytest.raises(errors.ProblemError) as refused:
            service.reverse(spent.entry_id, ReverseIn(reason="重复记账"), CITY)
    assert refused.value.code == "/problems/already-reversed"
    assert again.commits == []


def test_a_hold_reserves_once_its_draws_touch_no_shared_item_and_closing_gives_back_the_rest() -> None:
    ops, hold = service.reserve_ops(unit_id="district", category="food_package", amount_fen=20_000, hold_id="h1",
                                    purpose="roster:spring:1", actor="system", at="2026-03-02T02:00:00Z",
                                    expires_at="2026-03-02T02:16:00Z")
    assert [op.name for op in ops] == ["reserve", "open_hold"]
    assert _values(ops[0])[":amount"] == 20_000  # one conditional decrement: balance >= 20,000
    draws = []
    for n, spends in (("1", [("e-1", 6_000, "配送中心", "family-1"), ("e-2", 8_000, "配送中心", "family-2")]),
                      ("2", [("e-3", 5_000, "配送中心", "family-3")])):
        draw_ops, draw = service.draw_ops(hold, n, spends, "system", {"/city/": len(spends)})
        assert [op.name for op in draw_ops] == ["record_entry"] * len(spends) + ["draw"]
        draws.append(draw)
    settled = service.settle_ops(hold, draws, close=True)
    names = [op.name for op in settled]
    assert names[:4] == ["settle_draw", "settle_draw", "settle_account", "close_hold"]
    assert _values(settled[2]) == {":held": -20_000, ":spent": 19_000, ":released": 1_000}
    assert _totals(settled)[("district", "OWN")]["entries"] == 3
    assert _totals(settled)[("city", "SUBTREE")]["spent"] == 19_000
    assert names.count("add_totals") == 4  # one per totals item, whatever the number of draws
