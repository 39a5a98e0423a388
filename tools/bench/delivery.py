"""Roster generation for N families against bare batched writes (BatchWriteItem) of the items it
wrote and bare transactions of its own puts, on the same engine, in rounds on fresh tables.
seed_families() is shared with tests/integration/test_delivery_concurrency.py."""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.core import db, times
from chalicelib.core.auth import Principal
from chalicelib.core.config import reset_settings, settings
from chalicelib.delivery import service, store
from chalicelib.fund import service as fund
from chalicelib.fund import store as fund_store
from chalicelib.fund.models import BudgetIn
from chalicelib.orgs import service as orgs
from tools import seed
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


@contextmanager
def _table_without_stream(client: Any, name: str) -> Iterator[None]:
    """The app on a fresh table of the same keys and indexes as its own, without a stream, holding
    the seed units, for the block; the table is deleted afterwards. DynamoDB Local's streams slow
    every later write as their records pile up (DynamoDB's do not), so no contender writes into a
    table with one."""
    create_table(client, name, with_stream=False)
    saved = os.environ["TABLE_NAME"]
    os.environ["TABLE_NAME"] = name
    reset_settings()
    try:
        seed.seed_units()
        yield
    finally:
        os.environ["TABLE_NAME"] = saved
        reset_settings()
        orgs.forget_units()
        client.delete_table(TableName=name)


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


ROUNDS = 3  # each contender runs once a round, on fresh tables


@dataclass
class Round:
    generation: float
    bare: float
    bare_tx: float
    created: int
    calls: list[Any]


def _puts(calls: list[Any]) -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """The generation's transactions as captured, and the puts of each that made any."""
    transactions = [c.params["TransactItems"] for c in calls if c.operation == "TransactWriteItems"]
    return transactions, [g for g in ([op["Put"] for op in ops if "Put" in op] for ops in transactions) if g]


def _round(r: int, n: int, patient: Any) -> Round:
    """One generation of n families, then the two baselines writing what it wrote, each into its own
    fresh table (in turns: batched writes first in even rounds, transactions first in odd ones)."""
    base = settings().table_name
    client = db.table().meta.client
    with _table_without_stream(client, f"{base}-roster-{r}"):
        campaign, week = seed_families(n)
        with capturing(db.table().meta.client, keep_copies=False) as calls:  # a copy would cost its time
            began = time.perf_counter()
            result = service.generate(campaign, week, "bench")
            generation = time.perf_counter() - began
    _, groups = _puts(calls)
    items = [put["Item"] for group in groups for put in group]

    def timed(name: str, write: Any, what: Any) -> float:
        create_table(client, name, with_stream=False)
        began = time.perf_counter()
        write(patient, name, what, service.WORKERS)
        spent = time.perf_counter() - began
        client.delete_table(TableName=name)
        return spent

    contenders = [("bare", _bare_writes, items), ("bare-tx", _bare_transactions, groups)]
    times_of = {label: timed(f"{base}-{label}-{r}", write, what)
                for label, write, what in (contenders if r % 2 == 0 else contenders[::-1])}
    return Round(generation, times_of["bare"], times_of["bare-tx"], result.created, calls)


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def run(n: int = 10_000) -> list[str]:
    """Markdown lines: generation time against bare batched writes of the very items it wrote, and
    against bare transactions of its own puts; ROUNDS rounds, medians with their range."""
    client = db.table().meta.client
    # The app's client, but waiting longer for an answer: on a loaded machine a batch of 25 can take
    # more than the app's 5 s, and the baseline must finish, not fail (the time counts either way).
    patient = boto3.resource("dynamodb", endpoint_url=client.meta.endpoint_url, region_name=client.meta.region_name,
                             config=client.meta.config.merge(Config(read_timeout=120))).meta.client
    rounds = [_round(r, n, patient) for r in range(ROUNDS)]
    transactions_made, groups = _puts(rounds[0].calls)
    written = [op for ops in transactions_made for op in ops]
    items = [put["Item"] for group in groups for put in group]
    others = Counter(next(iter(op)) for op in written if "Put" not in op)
    kinds = Counter(str(item.get("type", "?")) for item in items)
    generation = [r.generation for r in rounds]
    bare = [r.bare for r in rounds]
    bare_tx = [r.bare_tx for r in rounds]
    ratio = statistics.median(generation) / statistics.median(bare)
    ratio_tx = statistics.median(generation) / statistics.median(bare_tx)
    return ["## Food-package roster generation vs bare batched writes of the same items", "",
            f"{n} families. Generation reserves the roster's total from the city fund once, then writes "
            f"{service.BATCH} packages with their served-week items, ledger entries and one draw on the hold to a "
            f"transaction, {service.WORKERS} transactions at once, and settles the draws into the fund's totals "
            f"and the units' package counters at the end ({len(transactions_made)} transactions in all).",
            "The bare baseline writes the very items the generation put (captured from its transactions: "
            + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) + f"; {sum(kinds.values())} items, same "
            "attributes and sizes) with "
            f"BatchWriteItem, 25 a call, {service.WORKERS} calls at once. It does not make the generation's "
            + ", ".join(f"{v} {k}" for k, v in sorted(others.items())) + " (counters, the fund's account and "
            "totals, the hold), nor its reads.", "",
            "A second baseline makes the generation's puts again, grouped as its transactions made them and with "
            "their own conditions (each package, served week and ledger entry only if new), each group in one "
            f"TransactWriteItems ({len(groups)} transactions), {service.WORKERS} at once. This is the least a "
            "roster can write and still keep one package per family per week with its charge.", "",
            f"Each of the {ROUNDS} rounds seeds the families into a fresh table and generates their roster, then "
            "runs the two baselines, each writing that round's items into its own fresh table; the baselines take "
            "turns at going first. Every table has the app's keys and indexes and no stream, on the same DynamoDB "
            "Local: its streams slow each later write as their records pile up, while DynamoDB's add nothing to "
            "a write's time. Seconds are medians of the rounds, with their range.", "",
            "| contender | seconds |", "|---|---|",
            f"| roster generation ({rounds[0].created} packages) | {_spread(generation)} |",
            f"| bare batched writes ({len(items)} items) | {_spread(bare)} |",
            f"| bare transactions of the same puts ({len(items)} items) | {_spread(bare_tx)} |", "",
            f"**Ratio generation/bare batched writes: {ratio:.2f}** (goal ≤ 1.2); "
            f"**generation/bare transactions: {ratio_tx:.2f}**",
            "Per round, generation/bare batched writes: " + ", ".join(f"{r.generation / r.bare:.2f}" for r in rounds)
            + f"; bare transactions/bare batched writes: {statistics.median(bare_tx) / statistics.median(bare):.2f} "
            "(medians).", ""]
