"""Roster generation on DynamoDB Local: three parallel runs for the same week over HTTP with 2,000
signed-up families give exactly one package per family, none over the cap, each charged once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from chalicelib.core import db, times
from chalicelib.delivery import store as delivery_store
from chalicelib.fund import store as fund_store
from tests.conftest import scans_allowed
from tests.integration.conftest import call
from tools import seed
from tools.cognito import DEMO_TOTP_SECRET, sign_in

FAMILIES = 2000


def _token(stack: Any) -> str:
    """The demo city administrator signs in through the local stack's Cognito (moto)."""
    idp = boto3.client("cognito-idp", endpoint_url=stack.aux.endpoint, region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    result = sign_in(idp, stack.pool, "city.admin", seed.load_staff()["password"], DEMO_TOTP_SECRET)
    return str(result["IdToken"])


def test_three_parallel_generations_make_one_package_per_family(stack):
    from tools.bench.delivery import seed_families

    campaign, week = seed_families(FAMILIES)
    token = _token(stack)
    url = f"{stack.url}/api/staff/delivery/campaigns/{campaign}/rosters"

    def run(_run: int) -> list[dict[str, Any]]:
        results = []
        while True:
            status, _, body = call(url, "POST", {"week": week}, {"Authorization": f"Bearer {token}",
                                                                 "Idempotency-Key": uuid.uuid4().hex},
                                   timeout=120)
            assert status == 200, body
            results.append(body)
            if body["done"]:
                return results

    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(run, range(3)))
    assert sum(r["created"] for results in runs for r in results) == FAMILIES
    table = boto3.resource("dynamodb", endpoint_url=stack.env["DYNAMODB_ENDPOINT"], region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local").Table(stack.env["TABLE_NAME"])
    packages: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    with scans_allowed():
        start = None
        while True:
            kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = table.scan(**kwargs)
            for found in page["Items"]:
                item: dict[str, Any] = dict(found)
                if item.get("type") == "delivery_package":
                    packages.append(item)
                elif item.get("type") == "fund_entry" and str(item["entry_id"]).startswith("package-"):
                    entries.append(item)
            start = page.get("LastEvaluatedKey")
            if not start:
                break
    assert len({p["family_id"] for p in packages}) == len(packages) == FAMILIES
    assert all(int(p["amount_fen"]) <= 8000 for p in packages)
    assert sorted(e["entry_id"] for e in entries) == sorted(
        f"package-{campaign}-{week}-{p['family_id']}" for p in packages)
    year = entries[0]["year"]
    account: dict[str, Any] = dict(table.get_item(Key={"PK": "FUND#city", "SK": f"ACCOUNT#{year}"})["Item"])
    assert int(account["spent_fen"]) == sum(int(p["amount_fen"]) for p in packages)
    # every run's hold is closed: nothing held, what one run reserved for another's packages given back
    assert int(account.get("held_fen", 0)) == 0 and fund_store.open_holds("city") == []
    own = fund_store.totals(["city"], int(year))[("city", "OWN")]
    assert int(own["spent"]) == int(account["spent_fen"])
    [count] = delivery_store.week_counts("city", campaign)
    assert int(count["packages"]) == FAMILIES


SHARED = 300  # families signed up to two campaigns open on the same dates


def test_two_campaigns_generated_in_parallel_give_each_family_one_package_and_one_charge(stack):
    """Two campaigns on the same dates, the same families signed up to both, each roster generated
    by two parallel runs: one package and one charge per family that week, the fund's account equal
    to its entries, and each campaign's result accounting for every family (its own or skipped)."""
    from tools.bench.delivery import seed_families

    first, week = seed_families(SHARED, "parallel-a", prefix="TWICE")
    second, _ = seed_families(SHARED, "parallel-b", prefix="TWICE")
    token = _token(stack)
    table = boto3.resource("dynamodb", endpoint_url=stack.env["DYNAMODB_ENDPOINT"], region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local").Table(stack.env["TABLE_NAME"])
    year = times.today().year
    before: dict[str, Any] = dict(table.get_item(Key={"PK": "FUND#city", "SK": f"ACCOUNT#{year}"})["Item"])

    def run(campaign: str) -> list[dict[str, Any]]:
        url = f"{stack.url}/api/staff/delivery/campaigns/{campaign}/rosters"
        results = []
        while True:
            status, _, body = call(url, "POST", {"week": week}, {"Authorization": f"Bearer {token}",
                                                                 "Idempotency-Key": uuid.uuid4().hex},
                                   timeout=120)
            assert status == 200, body
            results.append(body)
            if body["done"]:
                return results

    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(run, [first, second, first, second]))
    assert sum(r["created"] for results in runs for r in results) == SHARED
    packages: list[dict[str, Any]] = []
    served: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    with scans_allowed():
        start = None
        while True:
            kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = table.scan(**kwargs)
            for found in page["Items"]:
                item: dict[str, Any] = dict(found)
                if item.get("campaign_id") not in (first, second) and item.get("type") != "fund_entry":
                    continue
                if item.get("type") == "delivery_package":
                    packages.append(item)
                elif item.get("type") == "delivery_served":
                    served.append(item)
                elif item.get("type") == "fund_entry" and str(item["entry_id"]).startswith(("package-parallel-",)):
                    entries.append(item)
            start = page.get("LastEvaluatedKey")
            if not start:
                break
    assert len({p["family_id"] for p in packages}) == len(packages) == SHARED
    assert sorted(s["family_id"] for s in served) == sorted(p["family_id"] for p in packages)
    assert sorted(e["entry_id"] for e in entries) == sorted(
        f"package-{p['campaign_id']}-{week}-{p['family_id']}" for p in packages)
    after: dict[str, Any] = dict(table.get_item(Key={"PK": "FUND#city", "SK": f"ACCOUNT#{year}"})["Item"])
    charged = sum(int(p["amount_fen"]) for p in packages)
    assert charged == SHARED * 7500
    assert int(after["spent_fen"]) - int(before["spent_fen"]) == charged
    assert int(before["balance_fen"]) - int(after["balance_fen"]) == charged
    for campaign in (first, second):  # pressed once more: nothing new, every family accounted for
        [final] = run(campaign)
        assert final["created"] == 0 and final["existing"] + final["skipped"] == SHARED
        assert final["existing"] == sum(1 for p in packages if p["campaign_id"] == campaign)


PARTIAL = 200  # families of a roster whose first run stops after a few batches


def test_a_run_that_stopped_before_settling_is_settled_and_refunded_by_the_next(stack, monkeypatch):
    """A run that ends after writing 3 of its batches (the container stopped) leaves its hold open:
    the balance short by the whole roster. The next run, once that run's time is up, settles what it
    wrote, gives back the rest, and writes the others: the fund then equals its entries, holds
    nothing, and the counters count every package once."""
    from chalicelib.delivery import service
    from tools.bench.delivery import seed_families

    campaign, week = seed_families(PARTIAL, "partial", prefix="PART")
    year = times.today().year
    before = fund_store.get_account("city", year, consistent=True)
    spent_before = int(fund_store.totals(["city"], year)[("city", "OWN")].get("spent", 0))
    assert before is not None
    written: list[Any] = []
    real_write = service._write_batch

    def stopping(*args: Any) -> Any:
        if len(written) >= 3:
            raise RuntimeError("the container stopped")
        draw = real_write(*args)
        written.append(draw)
        return draw

    with monkeypatch.context() as stopped:
        stopped.setattr(service, "_write_batch", stopping)
        stopped.setattr(service, "_settle", lambda *args: None)  # it never got there
        stopped.setattr(service, "MAX_RUN_SECONDS", -service.HOLD_GRACE_SECONDS - 1)  # its time is up at once
        with pytest.raises(RuntimeError):
            service.generate(campaign, week, "test")
    first_written = sum(int(d["entries"]) for d in written)
    assert 0 < first_written < PARTIAL
    held = fund_store.get_account("city", year, consistent=True)
    assert held is not None
    assert int(held["balance_fen"]) == int(before["balance_fen"]) - PARTIAL * 7500
    assert int(held.get("held_fen", 0)) == PARTIAL * 7500
    [open_hold] = fund_store.open_holds("city")

    result = service.generate(campaign, week, "test")
    assert (result.created, result.existing, result.done) == (PARTIAL - first_written, first_written, True)
    after = fund_store.get_account("city", year, consistent=True)
    assert after is not None
    assert int(after["balance_fen"]) == int(before["balance_fen"]) - PARTIAL * 7500
    assert int(after["spent_fen"]) == int(before["spent_fen"]) + PARTIAL * 7500
    assert int(after.get("held_fen", 0)) == int(before.get("held_fen", 0)) == 0
    assert fund_store.open_holds("city") == [] and fund_store.draws(open_hold["hold_id"]) == []
    closed = db.get("FUND#city", f"HOLD#DONE#{open_hold['hold_id']}")
    assert closed is not None
    assert (closed["settled_fen"], closed["released_fen"]) == (first_written * 7500,
                                                               (PARTIAL - first_written) * 7500)
    assert int(fund_store.totals(["city"], year)[("city", "OWN")]["spent"]) == spent_before + PARTIAL * 7500
    [count] = delivery_store.week_counts("city", campaign)
    assert int(count["packages"]) == PARTIAL
