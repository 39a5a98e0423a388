"""Booking benchmarks on the local stack: registrations per second (seats free, and a full session
where everyone joins the waitlist), the registration route full stack vs a bare Chalice handler
replaying the DynamoDB calls of one warm registration (tools/bench/bare_app.py), and the write
capacity a registration's transaction consumes against the least its invariants need."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import botocore.client

from tools.bench import bare_app, routes
from tools.bench.measure import Timing, counting_dynamodb_calls, interleaved, post
from tools.localstack import Stack

# The least a registration can write and still hold its invariants in one transaction: the session
# counter (seats never above capacity), the per-person item (one place each) and the registration.
# Transactional writes cost 2 WCU per item per KB.
MIN_ITEMS = 3
WCU_PER_TRANSACTIONAL_ITEM = 2
THREADS = 8


def _session(capacity: int, shards: int | None = None) -> str:
    from chalicelib.booking import service
    from chalicelib.booking.models import SessionIn
    from chalicelib.core import db
    from chalicelib.core.auth import Principal

    db.reset_clients()
    by = Principal(kind="staff", id="bench", unit_id="taishan", unit_path="/city/taishan/",
                   roles=frozenset({"caseworker"}))
    body = SessionIn.model_validate({
        "kind": "fair", "title": "基准测试招聘会", "unit_id": "taishan", "starts_at": "2030-03-01T09:00:00+08:00",
        "ends_at": "2030-03-01T17:00:00+08:00", "place": "泰山区人力资源市场", "capacity": capacity})
    return service.create_session(body, by, shards=shards).id


def _person(i: int) -> dict[str, Any]:
    return {"name": f"工友{i}", "phone": f"139{i:08d}", "consent": True, "consent_version": "2020-02-v1"}


def _register(url: str, i: int) -> float:
    posted = post(url, _person(i))
    assert posted.status == 201, posted.status
    return posted.ms


def _throughput(url: str, first: int, n: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda i: _register(url, i), range(first, first + n)))
    return n / (time.perf_counter() - started)


@contextmanager
def _consumed() -> Iterator[list[tuple[int, float]]]:
    """(items, capacity units) of each TransactWriteItems this process makes, each asked to return
    what it consumed."""
    seen: list[tuple[int, float]] = []
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(self: Any, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems":  # asked for here whatever the app asks
            params = {**params, "ReturnConsumedCapacity": "TOTAL"}
        result = original(self, operation, params)
        if operation == "TransactWriteItems":
            units = sum(float(c.get("CapacityUnits", 0)) for c in result.get("ConsumedCapacity") or [])
            seen.append((len(params["TransactItems"]), units))
        return result

    botocore.client.BaseClient._make_api_call = recording  # type: ignore[attr-defined]
    try:
        yield seen
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[attr-defined]


def _reference(url: str, i: int) -> str:
    """One registration; its reference."""
    return str(post(url, _person(i)).answer["reference"])


def report(stack: Stack, n: int) -> list[str]:
    """Markdown lines for docs/benchmarks.md."""
    open_id, full_id = _session(100_000), _session(1)
    open_url = f"{stack.url}/api/sessions/{open_id}/registrations"
    full_url = f"{stack.url}/api/sessions/{full_id}/registrations"
    from chalicelib.core import db

    counter = iter(range(10**7, 10**8))
    for _ in range(10):  # warm up
        _register(open_url, next(counter))
    replayed, reference, unique = bare_app.capture_pair(db.table().meta.client,
                                                        lambda: _reference(open_url, next(counter)))
    bare_base, server = bare_app.serve(stack.env["DYNAMODB_ENDPOINT"], replayed, unique, reference,
                                       "/sessions/{session_id}/registrations")
    bare_url = f"{bare_base}/sessions/{open_id}/registrations"
    try:
        for _ in range(10):
            _register(bare_url, next(counter))
        with counting_dynamodb_calls() as calls_full, _consumed() as confirmed_tx:
            _register(open_url, next(counter))
        with counting_dynamodb_calls() as calls_bare:
            _register(bare_url, next(counter))
        _register(full_url, next(counter))  # takes the one seat
        with _consumed() as waitlist_tx:
            _register(full_url, next(counter))
        timings = interleaved(n, {"full stack": lambda _: _register(open_url, next(counter)),
                                  "bare handler": lambda _: _register(bare_url, next(counter))})
        free_rate = _throughput(open_url, 2 * 10**7, n)
        waitlist_rate = _throughput(full_url, 3 * 10**7, n)
    finally:
        server.shutdown()
        server.server_close()
    full_t: Timing = timings["full stack"]
    bare_t: Timing = timings["bare handler"]
    minimum = MIN_ITEMS * WCU_PER_TRANSACTIONAL_ITEM

    def capacity(tx: list[tuple[int, float]]) -> str:
        items, units = max(tx)  # the registration's own transaction (a later one may be a message's)
        measured = f"{units:g}" if units else "not reported by the engine"
        return f"{items} items | {measured} | {items * WCU_PER_TRANSACTIONAL_ITEM} | {minimum}"

    def calls(counts: Any) -> str:
        return ", ".join(f"{name} {k}" for name, k in sorted(counts.items()))

    return [
        "## Booking: POST /api/sessions/{id}/registrations", "",
        f"Engine: {stack.engine.name}. Throughput: {n} registrations from {THREADS} client threads over HTTP on "
        "loopback, each a different person.", "",
        "| case | registrations per second |", "|---|---|",
        f"| seats free (one counter update per registration) | {free_rate:.1f} |",
        f"| session full: everyone joins the waitlist (sequence number taken in the transaction, "
        f"retried on contention) | {waitlist_rate:.1f} |", "",
        "Full stack vs a bare Chalice handler, sequential, alternating. As for the write route above, the bare "
        "handler replays, for each request, the very DynamoDB calls one warm full-stack registration made "
        f"(captured in this run, in order, with their items, attributes and sizes: {routes.describe(replayed)}), with "
        f"the parts of item keys that make a registration its own ({len(unique)} tokens: the reference code, the "
        "idempotency record's key hash, the person's hashed phone, the time and random ids in keys) replaced by "
        "fresh ones of the same length. It does no validation, rate-limit decision, logging, metrics, audit "
        "building or Powertools bookkeeping.", "",
        "| contender | mean ms | p50 ms | p95 ms | DynamoDB calls per request |", "|---|---|---|---|---|",
        f"| full stack | {full_t.mean:.1f} | {full_t.p50:.1f} | {full_t.p95:.1f} | {calls(calls_full)} |",
        f"| bare handler | {bare_t.mean:.1f} | {bare_t.p50:.1f} | {bare_t.p95:.1f} | {calls(calls_bare)} |", "",
        f"**Ratio full/bare (mean): {full_t.mean / bare_t.mean:.2f}**", "",
        "Write capacity of the registration transaction (ReturnConsumedCapacity=TOTAL) against its minimum "
        f"({MIN_ITEMS} items: session counter, one-per-person item, registration; transactional writes cost "
        f"{WCU_PER_TRANSACTIONAL_ITEM} WCU per item per KB). The items beyond the minimum are the unit's "
        "subtree figures, the reference index (status look-up by reference + phone), the audit entry and the "
        "text message to the person (the outbox); a waitlist place writes its WAIT# item and moves the waitlist "
        "counter instead of a seat counter.", "",
        "| registration | transaction | WCU consumed (engine) | WCU expected in DynamoDB | minimum WCU |",
        "|---|---|---|---|---|",
        f"| seat confirmed | {capacity(confirmed_tx)} |",
        f"| waitlisted | {capacity(waitlist_tx)} |", "",
    ]
