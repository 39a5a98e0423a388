"""Food-package decisions, in memory: what a week's roster charges and writes, what it leaves out,
and what a delivery confirmation commits, against a recording unit of work with the stores' reads
stubbed (the DynamoDB tests in tests/api/test_delivery_*.py and tests/integration prove the
conditions themselves)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.core import db, errors, uow
from chalicelib.core.auth import Principal
from chalicelib.delivery import service, store
from chalicelib.delivery.models import PACKAGE_CEILING_FEN, ConfirmIn, Outcome
from chalicelib.frontline import service as frontline
from chalicelib.fund import service as fund
from chalicelib.orgs import service as orgs
from chalicelib.orgs.models import KIND_LABELS, Unit, UnitKind

UNITS = {"city": ("/city/", UnitKind.city_federation), "county": ("/city/county/", UnitKind.county_union),
         "hospital": ("/city/county/hospital/", UnitKind.hospital_union)}
STAFF = Principal(kind="staff", id="caseworker-1", unit_id="hospital", unit_path="/city/county/hospital/",
                  roles=frozenset({"caseworker"}))


def _campaign(**changes: Any) -> dict[str, Any]:
    start = datetime.now(UTC).date() - timedelta(days=2)  # in week 1, in UTC and in Beijing time
    return {"id": "spring", "name": "春季爱心蔬菜", "start_date": start.isoformat(), "end_date": None,
            "cap_fen": PACKAGE_CEILING_FEN, "price_fen": 6_000, "funded_by": "county", "default_supplier": "蔬菜公司",
            "suppliers": [], "version": 1, **changes}


def _signup(family_id: str) -> dict[str, Any]:
    return {"campaign_id": "spring", "family_id": family_id, "unit_id": "hospital",
            "unit_path": "/city/county/hospital/", "county_unit_id": "county", "status": "active",
            "address": "泰山区某路1号", "window": "evening", "phone": "13800000000", "name": "张三", "from_week": 1}


@pytest.fixture
def week(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """The stores' reads, from memory: a campaign, its sign-ups and what is already served this week."""
    def get_unit(unit_id: str) -> Unit:
        path, kind = UNITS[unit_id]
        return Unit(id=unit_id, name=unit_id, kind=kind, kind_label=KIND_LABELS[kind], depth=path.count("/") - 2)

    monkeypatch.setattr(orgs, "get_unit", get_unit)
    monkeypatch.setattr(orgs, "unit_path", lambda unit_id: UNITS[unit_id][0])
    monkeypatch.setattr(fund, "open_holds", lambda unit_id: [])  # no run left a hold open

    def given(camp: dict[str, Any], signups: list[str], served_elsewhere: tuple[str, ...] = (),
              on_roster: tuple[str, ...] = ()) -> None:
        monkeypatch.setattr(store, "get_campaign", lambda campaign_id: camp if campaign_id == camp["id"] else None)
        monkeypatch.setattr(store, "active_signups", lambda campaign_id: [_signup(f) for f in signups])
        monkeypatch.setattr(store, "served_in_unit", lambda served_week, unit_id: [
            {"family_id": f, "campaign_id": "winter"} for f in served_elsewhere])
        monkeypatch.setattr(store, "unit_roster", lambda campaign_id, week, unit_id: [
            {"family_id": f} for f in on_roster])

    return given


def _named(ops: list[db.Op], name: str) -> list[db.Op]:
    return [op for op in ops if op.name == name]


def test_a_roster_reserves_its_total_once_writes_packages_with_entries_and_settles(
        week: Callable[..., None]) -> None:
    week(_campaign(), ["f1", "f2", "f3"], served_elsewhere=("f3",))
    with uow.recording() as fake:
        result = service.generate("spring", 1, "system:schedule")

    assert (result.created, result.existing, result.skipped, result.skipped_families) == (2, 0, 1, ["f3"])
    assert result.amount_fen == 12_000
    assert fake.names[0] == ["reserve", "open_hold", "within_cap"]
    reserve, packages_commit, settlement = fake.commits
    [held] = _named(reserve, "reserve")  # one conditional decrement for the roster, never below zero
    assert held.params["Key"]["PK"] == "FUND#county"
    assert held.params["ExpressionAttributeValues"][":amount"] == 12_000
    [cap] = _named(reserve, "within_cap")
    assert cap.params["ExpressionAttributeValues"] == {":most": 6_000, ":ceiling": 8_000}
    [hold] = _named(reserve, "open_hold")
    hold_id = hold.params["Item"]["hold_id"]
    packages = [op.params["Item"] for op in _named(packages_commit, "issue_package")]
    served = [op.params["Item"] for op in _named(packages_commit, "serve_week")]
    entries = [op.params["Item"] for op in _named(packages_commit, "record_entry")]
    assert sorted(p["family_id"] for p in packages) == ["f1", "f2"]  # f3 had its package from another campaign
    assert sorted(s["PK"] for s in served) == ["DSERVED#f1", "DSERVED#f2"]
    assert sorted(e["entry_id"] for e in entries) == ["package-spring-1-f1", "package-spring-1-f2"]
    assert {e["beneficiary"]: e["amount_fen"] for e in entries} == {"f1": 6_000, "f2": 6_000}
    assert {e["hold_id"] for e in entries} == {hold_id}
    [draw] = _named(packages_commit, "draw")
    assert draw.params["Item"]["amount_fen"] == 12_000
    assert not _named(packages_commit, "change_balance") and not _named(packages_commit, "add_totals")
    [account] = _named(settlement, "settle_account")  # spent moves from held; nothing left to give back
    assert account.params["ExpressionAttributeValues"] == {":held": -12_000, ":spent": 12_000, ":released": 0}
    assert [op.name for op in settlement[:3]] == ["settle_draw", "settle_account", "close_hold"]
    counts = {op.params["Key"]["PK"]: op.params["ExpressionAttributeValues"][":d0"]
              for op in _named(settlement, "count_packages")}
    assert counts == {"DCOUNT#city#spring": 2, "DCOUNT#county#spring": 2, "DCOUNT#hospital#spring": 2}


def test_a_roster_run_again_writes_and_charges_nothing(week: Callable[..., None]) -> None:
    week(_campaign(), ["f1", "f2"], on_roster=("f1", "f2"))
    with uow.recording() as fake:
        result = service.generate("spring", 1, "system:schedule")
    assert (result.created, result.existing, result.amount_fen) == (0, 2, 0)
    assert fake.commits == []


def test_a_package_another_run_wrote_meanwhile_is_counted_once_and_the_rest_still_charged(
        week: Callable[..., None]) -> None:
    week(_campaign(), ["f1", "f2"])

    def written_elsewhere(op: db.Op) -> bool:
        return op.name == "issue_package" and op.params["Item"]["family_id"] == "f1"

    with uow.recording(refuse=written_elsewhere) as fake:
        result = service.generate("spring", 1, "system:schedule")
    assert (result.created, result.existing, result.amount_fen) == (1, 1, 6_000)
    _, ops, _ = fake.commits  # reserve; the batch refused as a whole, then each package for itself; settle
    assert [p.params["Item"]["family_id"] for p in _named(ops, "issue_package")] == ["f2"]
    assert [e.params["Item"]["entry_id"] for e in _named(ops, "record_entry")] == ["package-spring-1-f2"]


def test_a_price_above_the_notices_ceiling_is_refused_before_any_write(week: Callable[..., None]) -> None:
    week(_campaign(cap_fen=10_000, price_fen=PACKAGE_CEILING_FEN + 1), ["f1"])
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        service.generate("spring", 1, "system:schedule")
    assert refused.value.code == "/problems/over-cap"
    assert fake.commits == []


def test_a_county_suppliers_price_is_charged_for_its_families(week: Callable[..., None]) -> None:
    week(_campaign(suppliers=[{"county_unit_id": "county", "name": "县蔬菜合作社", "price_fen": 7_500}]), ["f1"])
    with uow.recording() as fake:
        service.generate("spring", 1, "system:schedule")
    _, ops, _ = fake.commits
    [package] = _named(ops, "issue_package")
    assert (package.params["Item"]["amount_fen"], package.params["Item"]["supplier"]) == (7_500, "县蔬菜合作社")
    [entry] = _named(ops, "record_entry")
    assert (entry.params["Item"]["amount_fen"], entry.params["Item"]["payee"]) == (7_500, "县蔬菜合作社")


def test_a_fund_too_small_for_the_week_writes_no_package(week: Callable[..., None],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    week(_campaign(), ["f1", "f2"])
    monkeypatch.setattr(fund, "available_fen", lambda unit_id, year: 5_999)
    with uow.recording(refuse=lambda op: op.name == "reserve") as fake:
        with pytest.raises(errors.ProblemError) as refused:
            service.generate("spring", 1, "system:schedule")
    assert refused.value.code == "/problems/fund-insufficient"
    assert fake.commits == []


def test_a_fund_for_one_package_writes_one_gives_nothing_back_and_says_the_rest_is_short(
        week: Callable[..., None], monkeypatch: pytest.MonkeyPatch) -> None:
    week(_campaign(), ["f1", "f2"])
    monkeypatch.setattr(fund, "available_fen", lambda unit_id, year: 6_500)
    asked: list[int] = []

    def refuse(op: db.Op) -> bool:
        if op.name != "reserve":
            return False
        asked.append(op.params["ExpressionAttributeValues"][":amount"])
        return len(asked) == 1  # the whole roster's 12,000 is refused, then 6,000 for f1 is taken

    with uow.recording(refuse=refuse) as fake, pytest.raises(errors.ProblemError) as refused:
        service.generate("spring", 1, "system:schedule")
    assert refused.value.code == "/problems/fund-insufficient"
    assert asked == [12_000, 6_000]
    [entry] = [op.params["Item"] for ops in fake.commits for op in _named(ops, "record_entry")]
    assert entry["beneficiary"] == "f1"
    [account] = [op for ops in fake.commits for op in _named(ops, "settle_account")]
    assert account.params["ExpressionAttributeValues"][":released"] == 0


# --- confirmations -------------------------------------------------------------------------------------

@pytest.fixture
def package(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(orgs, "display_names", lambda actors: {a: a for a in actors if a})  # staff records
    item = {**_signup("f1"), "week": 2, "amount_fen": 6_000, "supplier": "蔬菜公司", "status": "pending",
            "version": 1}
    monkeypatch.setattr(frontline, "family_for_staff", lambda person_id, by, write=False, erased_ok=False: {
        "family_id": person_id, "unit_id": "hospital"})
    monkeypatch.setattr(store, "get_package", lambda campaign_id, week, family_id: item)
    monkeypatch.setattr(db, "get", lambda pk, sk, consistent=False: item)  # the package is still there
    return item


def test_a_confirmation_moves_the_package_and_its_counts_in_one_commit(package: dict[str, Any]) -> None:
    with uow.recording() as fake:
        out = service.confirm("spring.2.f1", ConfirmIn(outcome=Outcome.delivered, note="已放门口"), STAFF)

    assert (out.status, out.confirmed_by) == ("delivered", "caseworker-1")
    [ops] = fake.commits
    assert [op.name for op in ops][:4] == ["confirm_delivery", "count_packages", "count_packages", "count_packages"]
    assert len(ops) == 5 and ops[4].params["Item"]["type"] == "audit"  # the audit entry goes with it
    confirm = ops[0]
    assert confirm.params["Key"] == db.key(*store.package_key("spring", 2, "f1"))
    assert confirm.params["ExpressionAttributeValues"][":expected"] == 1  # only the version read
    assert set(confirm.params["ExpressionAttributeValues"].values()) >= {"delivered", "caseworker-1", "已放门口"}
    for counter in ops[1:4]:
        names = counter.params["ExpressionAttributeNames"]
        values = counter.params["ExpressionAttributeValues"]
        assert {names["#d0"]: values[":d0"], names["#d1"]: values[":d1"]} == {"delivered": 1, "pending": -1}
    assert ops[4].params["Item"]["after"] == {"status": "delivered"}


def test_a_delivered_package_is_final(package: dict[str, Any]) -> None:
    package["status"] = "delivered"
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        service.confirm("spring.2.f1", ConfirmIn(outcome=Outcome.failed), STAFF)
    assert refused.value.code == "/problems/already-delivered"
    assert fake.commits == []


def test_the_same_outcome_again_moves_no_count(package: dict[str, Any]) -> None:
    package["status"] = "failed"
    with uow.recording() as fake:
        service.confirm("spring.2.f1", ConfirmIn(outcome=Outcome.failed), STAFF)
    [ops] = fake.commits
    assert ops[0].name == "confirm_delivery" and not _named(ops, "count_packages")


def test_a_confirmation_over_someone_elses_is_a_version_conflict(package: dict[str, Any]) -> None:
    with uow.recording(refuse=lambda op: op.name == "confirm_delivery") as fake:
        with pytest.raises(errors.ProblemError) as refused:
            service.confirm("spring.2.f1", ConfirmIn(outcome=Outcome.refused), STAFF)
    assert refused.value.code == "/problems/version-conflict"
    assert fake.commits == []
