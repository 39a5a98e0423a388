"""Roster generation for N families against N bare batched writes (BatchWriteItem) on the same
engine. seed_families() is shared with tests/integration/test_delivery_concurrency.py."""

from __future__ import annotations

import time

from chalicelib.core import db, times
from chalicelib.core.auth import Principal
from chalicelib.delivery import service, store
from chalicelib.fund import service as fund
from chalicelib.fund import store as fund_store
from chalicelib.fund.models import BudgetIn

CAMPAIGN = "bench-frontline"
ADMIN = Principal(kind="staff", id="bench", unit_id="city", unit_path="/city/", roles=frozenset({"city_admin"}))


def seed_families(n: int, campaign_id: str = CAMPAIGN, prefix: str = "BENCH") -> tuple[str, int]:
    """A running campaign, a funded city account and n active sign-ups of families <prefix>000000..;
    returns (campaign, week)."""
    start = times.today().isoformat()
    db.table().put_item(Item=store.campaign_item({
        "id": campaign_id, "name": "基准测试", "start_date": start, "end_date": None, "cap_fen": 8000,
        "price_fen": 7500, "funded_by": "city", "default_supplier": "爱心蔬菜供应", "suppliers": [], "version": 1}))
    year = times.today().year
    current = fund_store.get_account("city", year, consistent=True)
    fund.set_budget("city", BudgetIn(year=year, annual_budget_fen=10**12 // 10, special_fund_fen=10**12 // 10,
                                     version=current["version"] if current else None), ADMIN)
    with db.table().batch_writer() as batch:
        for i in range(n):
            family = f"{prefix}{i:06d}"
            batch.put_item(Item=store.signup_item({
                "campaign_id": campaign_id, "family_id": family, "unit_id": "demo-taishan-hospital",
                "unit_path": "/city/taishan/demo-taishan-hospital/", "county_unit_id": "taishan",
                "status": "active", "address": "泰山区某某路 1 号", "window": "morning", "phone": "13800138000",
                "name": "测试", "from_week": 1, "channel": "bench", "created_at": start, "updated_at": start,
                "version": 1}))
    return campaign_id, 1


def run(n: int = 10_000) -> list[str]:
    """Markdown lines: generation time against bare batched writes of as many items."""
    campaign, week = seed_families(n)
    began = time.perf_counter()
    result = service.generate(campaign, week, "bench")
    generation = time.perf_counter() - began
    began = time.perf_counter()
    with db.table().batch_writer() as batch:
        for i in range(n):
            batch.put_item(Item={"PK": f"BENCHBARE#{i}", "SK": "X", "amount_fen": 7500})
    bare = time.perf_counter() - began
    return ["## Food-package roster generation vs bare BatchWriteItem", "",
            f"{n} families; generation writes {service.BATCH} packages with their ledger entries and unit "
            "counters to a transaction, which changes the city fund's account and totals once for them all, "
            "one transaction after another.", "",
            "| contender | seconds |", "|---|---|",
            f"| roster generation ({result.created} packages) | {generation:.1f} |",
            f"| bare batched writes ({n} items) | {bare:.1f} |", "",
            f"**Ratio generation/bare: {generation / bare:.1f}**", ""]
