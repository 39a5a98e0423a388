"""Booking benchmarks on the local stack: registrations per second (seats free, and a full session
where everyone joins the waitlist), the registration route full stack vs a bare Chalice handler
making the same DynamoDB calls, and the write capacity a registration's transaction consumes
against the least its invariants need."""

from __future__ import annotations

import functools
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import boto3
import botocore.client
from chalice.app import Chalice, Response
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalChalice, ThreadedHTTPServer

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
    status, ms = post(url, _person(i), {"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, status
    return ms


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
        if operation == "TransactWriteItems":  # the app does not ask for it: the bench does
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


def _bare_app(endpoint: str, table_name: str) -> Chalice:
    """A registration's core DynamoDB calls (fewer than the full route makes: see the report), without
    validation, logging, audit building, reference codes or Powertools."""
    app = Chalice(app_name="bare-booking")
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")

    @app.route("/sessions/{session_id}/registrations", methods=["POST"])
    def register(session_id: str) -> Response:
        request = app.current_request
        assert request is not None
        body: dict[str, Any] = json.loads(request.raw_body)
        key = request.headers.get("idempotency-key", secrets.token_hex(8))
        idem = {"PK": {"S": "IDEMPOTENCY"}, "SK": {"S": f"bare-booking#{key}"}}
        client.put_item(TableName=table_name, Item={**idem, "status": {"S": "INPROGRESS"},
                                                    "ttl": {"N": str(int(time.time()) + 3600)}},
                        ConditionExpression="attribute_not_exists(PK)")
        session_key = {"PK": {"S": f"SESSION#{session_id}"}, "SK": {"S": "SESSION"}}
        client.get_item(TableName=table_name, Key=session_key, ConsistentRead=True)
        ref = secrets.token_hex(5).upper()
        now = {"S": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

        def put(pk: str, sk: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
            return {"Put": {"TableName": table_name, "Item": {"PK": {"S": pk}, "SK": {"S": sk}, **(extra or {})},
                            "ConditionExpression": "attribute_not_exists(PK)"}}

        items: list[Any] = [
            put(f"BAREPERSON#{session_id}#{body['phone']}", "PERSON"),
            {"Update": {"TableName": table_name, "Key": session_key,
                        "UpdateExpression": "SET bare_confirmed = if_not_exists(bare_confirmed, :z) + :one",
                        "ConditionExpression": "#c < #cap",
                        "ExpressionAttributeNames": {"#c": "confirmed", "#cap": "capacity"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}, ":z": {"N": "0"}}}},
            put(f"SESSION#{session_id}", f"BAREREG#{ref}", {"name": {"S": body["name"]},
                                                            "phone": {"S": body["phone"]}, "created_at": now}),
            put(f"BAREREF#{ref}", "REF"),
            put(f"BAREAUDIT#{ref}", "X"),
        ]
        client.transact_write_items(TransactItems=items)
        answer = json.dumps({"reference": ref, "status": "confirmed"})
        client.update_item(TableName=table_name, Key=idem, UpdateExpression="SET #s = :s, #d = :d",
                           ExpressionAttributeNames={"#s": "status", "#d": "data"},
                           ExpressionAttributeValues={":s": {"S": "COMPLETED"}, ":d": {"S": answer}})
        return Response(body=answer, status_code=201, headers={"Content-Type": "application/json"})

    return app


def _serve_bare(stack: Stack) -> tuple[str, ThreadedHTTPServer]:
    app = _bare_app(stack.env["DYNAMODB_ENDPOINT"], stack.env["TABLE_NAME"])
    app.__class__ = type("LocalBareBooking", (LocalChalice, app.__class__), {})
    handler = functools.partial(ChaliceRequestHandler, app_object=app, config=Config.create())
    server = ThreadedHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def report(stack: Stack, n: int) -> list[str]:
    """Markdown lines for docs/benchmarks.md."""
    open_id, full_id = _session(100_000), _session(1)
    open_url = f"{stack.url}/api/sessions/{open_id}/registrations"
    full_url = f"{stack.url}/api/sessions/{full_id}/registrations"
    bare_base, server = _serve_bare(stack)
    bare_url = f"{bare_base}/sessions/{open_id}/registrations"
    try:
        counter = iter(range(10**7, 10**8))
        interleaved(10, {"full": lambda _: _register(open_url, next(counter)),
                         "bare": lambda _: _register(bare_url, next(counter))})  # warm up
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
        "Full stack vs a hand-written bare Chalice handler (no validation, logging, audit building, reference "
        "codes or Powertools), sequential, alternating. The bare handler makes less than the full stack: the "
        "idempotency record (put, then completed), the session read and one transaction of 5 items (one-per-person "
        "item, seat counter, registration, reference index, an audit stand-in). It reads neither the session's unit "
        "nor the partner (the BatchGetItem), counts no rate limits (two UpdateItem) and writes neither the figures "
        "nor the text message, so this ratio is not one of equal work (the write route's above is):", "",
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
