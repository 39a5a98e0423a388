"""Roster generation for N families against bare batched writes (BatchWriteItem) of the items it
wrote, on the same engine. seed_families() is shared with tests/integration/test_delivery_concurrency.py."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.core import db, times
from chalicelib.core.auth import Principal
from chalicelib.core.config import settings
from chalicelib.delivery import service, store
from chalicelib.fund import service as fund
from chalicelib.fund import store as fund_store
from chalicelib.fund.models import BudgetIn
from tools.bench.bare_app import capturing
from tools.table import create_table

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


def _bare_writes(client: Any, table_name: str, items: list[dict[str, Any]], workers: int) -> None:
    """BatchWriteItem, 25 items a call, `workers` calls at once; unprocessed items sent again."""
    def write(chunk: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {table_name: [{"PutRequest": {"Item": item}} for item in chunk]}
        while pending:
            answer = client.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(write, [items[i:i + 25] for i in range(0, len(items), 25)]))


def _bare_transactions(client: Any, table_name: str, groups: list[list[dict[str, Any]]], workers: int) -> None:
    """Each group's puts (as the generation sent them, conditions included) in one TransactWriteItems,
    `workers` transactions at once."""
    def write(group: list[dict[str, Any]]) -> None:
        client.transact_write_items(TransactItems=[{"Put": {**put, "TableName": table_name}} for put in group])

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(write, groups))


def run(n: int = 10_000) -> list[str]:
    """Markdown lines: generation time against bare batched writes of the very items it wrote."""
    campaign, week = seed_families(n)
    client = db.table().meta.client
    with capturing(client) as calls:
        began = time.perf_counter()
        result = service.generate(campaign, week, "bench")
        generation = time.perf_counter() - began
    transactions_made = [c.params["TransactItems"] for c in calls if c.operation == "TransactWriteItems"]
    written = [op for ops in transactions_made for op in ops]
    items = [op["Put"]["Item"] for op in written if "Put" in op]
    groups = [g for g in ([op["Put"] for op in ops if "Put" in op] for ops in transactions_made) if g]
    others = Counter(next(iter(op)) for op in written if "Put" not in op)
    bare_table = f"{settings().table_name}-bare"
    # Same engine, same keys and indexes, empty, and without the stream the app's table has: DynamoDB
    # Local's streams slow every later write as their records pile up, which would count against the
    # baselines (they run after the generation). In DynamoDB a stream adds nothing to a write's time.
    create_table(client, bare_table, with_stream=False)
    # The app's client, but waiting longer for an answer: on a loaded machine a batch of 25 can take
    # more than the app's 5 s, and the baseline must finish, not fail (the time counts either way).
    patient = boto3.resource("dynamodb", endpoint_url=client.meta.endpoint_url, region_name=client.meta.region_name,
                             config=client.meta.config.merge(Config(read_timeout=120))).meta.client
    began = time.perf_counter()
    _bare_writes(patient, bare_table, items, service.WORKERS)
    bare = time.perf_counter() - began
    bare_tx_table = f"{settings().table_name}-bare-tx"
    create_table(client, bare_tx_table, with_stream=False)
    began = time.perf_counter()
    _bare_transactions(patient, bare_tx_table, groups, service.WORKERS)
    bare_tx = time.perf_counter() - began
    kinds = Counter(str(item.get("type", "?")) for item in items)
    transactions = sum(1 for c in calls if c.operation == "TransactWriteItems")
    return ["## Food-package roster generation vs bare batched writes of the same items", "",
            f"{n} families. Generation reserves the roster's total from the city fund once, then writes "
            f"{service.BATCH} packages with their served-week items, ledger entries and one draw on the hold to a "
            f"transaction, {service.WORKERS} transactions at once, and settles the draws into the fund's totals "
            f"and the units' package counters at the end ({transactions} transactions in all).",
            "The bare baseline writes the very items the generation put (captured from its transactions: "
            + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) + f"; {sum(kinds.values())} items, same "
            "attributes and sizes) into an empty table of the same keys and indexes but no stream on the same "
            "DynamoDB Local (whose streams slow each later write as their records pile up: the baselines run "
            "after the generation, on a table that has one), with "
            f"BatchWriteItem, 25 a call, {service.WORKERS} calls at once. It does not make the generation's "
            + ", ".join(f"{v} {k}" for k, v in sorted(others.items())) + " (counters, the fund's account and "
            "totals, the hold), nor its reads.", "",
            "A second baseline makes the generation's puts again, grouped as its transactions made them and with "
            "their own conditions (each package, served week and ledger entry only if new), each group in one "
            f"TransactWriteItems ({len(groups)} transactions), {service.WORKERS} at once, "
            "into another such table. The three run one after another, once each: the "
            "generation first (it makes the items the baselines write).", "",
            "| contender | seconds |", "|---|---|",
            f"| roster generation ({result.created} packages) | {generation:.1f} |",
            f"| bare batched writes ({len(items)} items) | {bare:.1f} |",
            f"| bare transactions of the same puts ({len(items)} items) | {bare_tx:.1f} |", "",
            f"**Ratio generation/bare batched writes: {generation / bare:.2f}** (goal ≤ 1.2); "
            f"**generation/bare transactions: {generation / bare_tx:.2f}**", ""]
