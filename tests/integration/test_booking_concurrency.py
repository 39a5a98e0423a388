"""The booking engine under real concurrency on DynamoDB Local, over HTTP through the local stack:
300 parallel registrations (duplicates among them, cancellations mid-way) for a 50-seat fair, and
for a fair whose seats are split across shards (with a capacity change mid-way as well)."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from tests.integration.conftest import call

SEATS = 50
PEOPLE = 260  # distinct phones
DUPLICATES = 40  # second attempts by people already in the crowd
CANCELLERS = 10  # confirmed people who cancel once the fair is full


def _phone(n: int) -> str:
    return f"139{n:08d}"


def _fair(stack: Any, seats: int = SEATS, shards: int | None = None) -> str:
    """Created through the engine's service API, as another domain (recuperation batches) would."""
    from chalicelib.booking import service
    from chalicelib.booking.models import SessionIn
    from chalicelib.core import db
    from chalicelib.core.auth import Principal

    db.reset_clients()
    by = Principal(kind="staff", id="it.caseworker", unit_id="taishan", unit_path="/city/taishan/",
                   roles=frozenset({"caseworker"}))
    body = SessionIn.model_validate({
        "kind": "fair", "title": "并发测试招聘会", "unit_id": "taishan", "starts_at": "2030-03-01T09:00:00+08:00",
        "ends_at": "2030-03-01T17:00:00+08:00", "place": "泰山区人力资源市场", "capacity": seats})
    return service.create_session(body, by, shards=shards).id


def _table(stack: Any) -> Any:
    return boto3.resource("dynamodb", endpoint_url=stack.env["DYNAMODB_ENDPOINT"], region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local").Table(stack.env["TABLE_NAME"])


def _partition(stack: Any, pk: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        page = _table(stack).query(KeyConditionExpression=Key("PK").eq(pk), ConsistentRead=True, **kwargs)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _waitlist_in_order(regs: list[dict[str, Any]], waits: list[dict[str, Any]], promoted_count: int) -> None:
    """WAIT# sequence numbers are unique and increasing, each pointing at its waitlisted registration;
    everyone promoted came before everyone still waiting."""
    seqs = [int(w["SK"].removeprefix("WAIT#")) for w in waits]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    waiting = {r["reference"]: r for r in regs if r["status"] == "waitlisted"}
    assert [w["reference"] for w in waits] == sorted(waiting, key=lambda ref: int(waiting[ref]["wait_seq"]))
    promoted = [r for r in regs if r.get("promoted_at")]
    assert len(promoted) == promoted_count  # each freed seat went to someone waiting, exactly once
    assert max(int(r["wait_seq"]) for r in promoted) < min(seqs)  # ... to the first in line


def _posted(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    """POST as a person's app does: a 503 (busy: nothing saved) is tried again with the same
    Idempotency-Key, a few times, a moment apart."""
    key = str(uuid.uuid4())
    for attempt in range(4):
        status, _, answer = call(url, "POST", body, {"Idempotency-Key": key}, timeout=120)
        if status != 503:
            break
        time.sleep(1 + attempt)
    return status, answer


def _register(url: str, n: int) -> tuple[int, int, Any]:
    body = {"name": f"工友{n}", "phone": _phone(n), "consent": True, "consent_version": "2020-02-v1"}
    status, answer = _posted(url, body)
    return n, status, answer


def _cancel(url: str, n: int, reference: str) -> tuple[str, int, int, Any]:
    status, answer = _posted(url, {"reference": reference, "phone": _phone(n)})
    return "cancel", n, status, answer


def test_300_parallel_registrations_for_50_seats(stack):
    session_id = _fair(stack)
    url = f"{stack.url}/api/sessions/{session_id}/registrations"
    cancel_url = f"{stack.url}/api/bookings/cancel"
    duplicates = list(range(1, PEOPLE, PEOPLE // DUPLICATES))[:DUPLICATES]
    crowd = list(range(PEOPLE)) + duplicates
    assert len(crowd) == 300

    results: list[tuple[str, int, int, Any]] = []
    cancels: list[Any] = []
    confirmed: list[tuple[int, str]] = []
    with ThreadPoolExecutor(max_workers=16) as pool:
        pending = [pool.submit(_register, url, n) for n in crowd]
        for future in as_completed(pending):
            n, status, answer = future.result()
            results.append(("register", n, status, answer))
            if status == 201 and n not in duplicates and answer["status"] == "confirmed":
                confirmed.append((n, answer["reference"]))
            # mid-way (the fair is full by now, people are waiting), some confirmed people cancel
            if len(results) == 150:
                cancels = [pool.submit(_cancel, cancel_url, m, reference) for m, reference in confirmed[:CANCELLERS]]
        results += [future.result() for future in cancels]

    statuses = Counter((kind, status) for kind, _, status, _ in results)
    server_errors = [(kind, status, answer) for kind, _, status, answer in results if status >= 500]
    assert not server_errors, (statuses, server_errors[:3])
    registered = [(n, a) for kind, n, status, a in results if kind == "register" and status == 201]
    refused = [(n, a) for kind, n, status, a in results if kind == "register" and status != 201]
    assert all(a["type"] == "/problems/already-registered" for _, a in refused), statuses
    assert len({n for n, _ in registered}) == PEOPLE  # everyone got in once, whichever attempt won
    assert len(registered) + len(refused) == 300 and len(refused) == DUPLICATES
    cancelled = {n for kind, n, status, _ in results if kind == "cancel" and status == 200}
    assert len(cancelled) == CANCELLERS, statuses

    items = _partition(stack, f"SESSION#{session_id}")
    session = next(i for i in items if i["SK"] == "SESSION")
    regs = [i for i in items if i["SK"].startswith("REG#")]
    waits = [i for i in items if i["SK"].startswith("WAIT#")]
    by_status = Counter(r["status"] for r in regs)

    assert int(session["confirmed"]) == by_status["confirmed"] == SEATS
    assert int(session["waitlisted"]) == by_status["waitlisted"] == len(waits) == PEOPLE - SEATS - CANCELLERS
    assert by_status["cancelled"] == CANCELLERS
    assert {r["reference"] for r in regs} == {a["reference"] for _, a in registered}
    live = [r for r in regs if r["status"] != "cancelled"]
    assert len({r["phone"] for r in live}) == len(live)  # nobody twice

    _waitlist_in_order(regs, waits, CANCELLERS)

    answered_waitlisted = sorted((a["waitlist_position"], a["reference"]) for _, a in registered
                                 if a["status"] == "waitlisted")
    assert len({pos for pos, _ in answered_waitlisted}) == len(answered_waitlisted)  # positions never repeat



SHARDED_SEATS = 120
SHARDS = 4
RAISED_BY = 20  # staff raise the capacity while people are still registering


def test_a_sharded_fair_never_confirms_more_than_its_capacity_and_keeps_its_waitlist_in_order(stack):
    from chalicelib.booking import service
    from chalicelib.core.auth import Principal

    session_id = _fair(stack, SHARDED_SEATS, SHARDS)
    url = f"{stack.url}/api/sessions/{session_id}/registrations"
    cancel_url = f"{stack.url}/api/bookings/cancel"
    people = range(1000, 1200)
    staff = Principal(kind="staff", id="it.caseworker", unit_id="taishan", unit_path="/city/taishan/",
                      roles=frozenset({"caseworker"}))

    def raise_capacity() -> tuple[str, int, int, Any]:
        changed = service.change_capacity(session_id, SHARDED_SEATS + RAISED_BY, staff)
        return "capacity", 0, 200, changed

    results: list[tuple[str, int, int, Any]] = []
    later: list[Any] = []
    confirmed: list[tuple[int, str]] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        pending = [pool.submit(_register, url, n) for n in people]
        for future in as_completed(pending):
            n, status, answer = future.result()
            results.append(("register", n, status, answer))
            if status == 201 and answer["status"] == "confirmed":
                confirmed.append((n, answer["reference"]))
            if len(results) == 160:  # full by now: some cancel, and staff raise the capacity, all at once
                later = [pool.submit(_cancel, cancel_url, m, reference) for m, reference in confirmed[:CANCELLERS]]
                later.append(pool.submit(raise_capacity))
        results += [future.result() for future in later]

    statuses = Counter((kind, status) for kind, _, status, _ in results)
    # On a busy machine a registration may run out of its time budget (503), or its transaction may commit
    # while the engine's answer is lost and botocore's retry then finds the person's place taken (409
    # already-registered): the person holds one place or none, as the checks below prove.
    unanswered = {("register", 503), ("register", 409)}
    assert all(status < 300 or (kind, status) in unanswered for kind, _, status, _ in results), statuses
    assert all(a["type"] in ("/problems/unavailable", "/problems/already-registered") for kind, _, status, a in results
               if kind == "register" and status >= 300), statuses
    registered = {n: a["reference"] for kind, n, status, a in results if kind == "register" and status == 201}
    assert len(registered) > SHARDED_SEATS + RAISED_BY + CANCELLERS, statuses  # enough got in to fill it and wait
    capacity = SHARDED_SEATS + RAISED_BY
    session = _partition(stack, f"SESSION#{session_id}")
    regs = [i for i in session if i["SK"].startswith("REG#")]
    waits = [i for i in session if i["SK"].startswith("WAIT#")]
    head = next(i for i in session if i["SK"] == "SESSION")
    shards = [_partition(stack, f"SEATS#{session_id}#{n}")[0] for n in range(SHARDS)]
    by_status = Counter(r["status"] for r in regs)

    # never more confirmed than the capacity: per shard and in all; every seat is someone's
    assert int(head["capacity"]) == sum(int(s["seats"]) for s in shards) == capacity
    assert all(int(s["taken"]) <= int(s["seats"]) for s in shards)
    assert by_status["confirmed"] == sum(int(s["taken"]) for s in shards) == capacity  # 0 overbooked, none idle
    held = Counter(int(r["seat_shard"]) for r in regs if r["status"] == "confirmed")
    assert held == Counter({int(s["n"]): int(s["taken"]) for s in shards if int(s["taken"])})
    assert by_status["cancelled"] == CANCELLERS
    assert int(head["waitlisted"]) == by_status["waitlisted"] == len(waits) == len(regs) - capacity - CANCELLERS
    assert set(registered.values()) <= {r["reference"] for r in regs}
    assert len(regs) - len(registered) <= sum(status >= 300 for kind, _, status, _ in results)
    live = [r for r in regs if r["status"] != "cancelled"]
    assert len({r["phone"] for r in live}) == len(live)  # one place per person
    promoted = sum(1 for r in regs if r.get("promoted_at"))
    assert promoted >= CANCELLERS  # cancelled seats, and perhaps some raised ones, went down the waitlist
    _waitlist_in_order(regs, waits, promoted)
    # the registrations counted: those who took a seat in the shards, those who joined the waitlist on the session
    assert int(head["registrations"]) + sum(int(s["registrations"]) for s in shards) == len(regs)
