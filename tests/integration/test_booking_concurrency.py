"""The booking engine under real concurrency on DynamoDB Local, over HTTP through the local stack:
300 parallel registrations (duplicates among them, cancellations mid-way) for a 50-seat fair."""

from __future__ import annotations

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


def _fair(stack: Any) -> str:
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
        "ends_at": "2030-03-01T17:00:00+08:00", "place": "泰山区人力资源市场", "capacity": SEATS})
    return service.create_session(body, by).id


def _register(url: str, n: int) -> tuple[int, int, Any]:
    body = {"name": f"工友{n}", "phone": _phone(n), "consent": True, "consent_version": "2020-02-v1"}
    status, _, answer = call(url, "POST", body, {"Idempotency-Key": str(uuid.uuid4())}, timeout=120)
    return n, status, answer


def test_300_parallel_registrations_for_50_seats(stack):
    session_id = _fair(stack)
    url = f"{stack.url}/api/sessions/{session_id}/registrations"
    cancel_url = f"{stack.url}/api/bookings/cancel"
    duplicates = list(range(1, PEOPLE, PEOPLE // DUPLICATES))[:DUPLICATES]
    crowd = list(range(PEOPLE)) + duplicates
    assert len(crowd) == 300

    def cancel(n: int, reference: str) -> tuple[str, int, int, Any]:
        status, _, answer = call(cancel_url, "POST", {"reference": reference, "phone": _phone(n)},
                                 {"Idempotency-Key": str(uuid.uuid4())}, timeout=120)
        return "cancel", n, status, answer

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
                cancels = [pool.submit(cancel, m, reference) for m, reference in confirmed[:CANCELLERS]]
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

    table = boto3.resource("dynamodb", endpoint_url=stack.env["DYNAMODB_ENDPOINT"], region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local").Table(stack.env["TABLE_NAME"])
    items: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        page = table.query(KeyConditionExpression=Key("PK").eq(f"SESSION#{session_id}"), ConsistentRead=True,
                           **kwargs)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
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

    # the waitlist is in arrival order: WAIT# sequence numbers are unique and increasing, each
    # pointing at its waitlisted registration; everyone promoted came before everyone still waiting
    seqs = [int(w["SK"].removeprefix("WAIT#")) for w in waits]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    waiting = {r["reference"]: r for r in regs if r["status"] == "waitlisted"}
    assert [w["reference"] for w in waits] == sorted(waiting, key=lambda ref: int(waiting[ref]["wait_seq"]))
    promoted = [r for r in regs if r.get("promoted_at")]
    assert len(promoted) == CANCELLERS  # each freed seat went to someone waiting, exactly once
    assert max(int(r["wait_seq"]) for r in promoted) < min(seqs)  # ... to the first in line

    answered_waitlisted = sorted((a["waitlist_position"], a["reference"]) for _, a in registered
                                 if a["status"] == "waitlisted")
    assert len({pos for pos, _ in answered_waitlisted}) == len(answered_waitlisted)  # positions never repeat

