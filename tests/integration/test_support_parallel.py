"""Support requests on DynamoDB Local over HTTP: 500 parallel fills with retries, and two staff
changing the same request at once."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from tests.api.helpers import support_body
from tests.conftest import scans_allowed
from tests.integration.conftest import call
from tests.staff_accounts import staff_id_token


def _records(stack: Any, kind: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", endpoint_url=stack.env["DYNAMODB_ENDPOINT"], region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local").Table(stack.env["TABLE_NAME"])
    items: list[dict[str, Any]] = []
    start = None
    with scans_allowed():
        while True:
            kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = table.scan(FilterExpression="#t = :t", ExpressionAttributeNames={"#t": "type"},
                              ExpressionAttributeValues={":t": kind}, **kwargs)
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return items


def _token(stack: Any, username: str, unit_id: str, roles: list[str]) -> str:
    idp = boto3.client("cognito-idp", endpoint_url=stack.aux.endpoint, region_name="us-east-1")
    return staff_id_token(idp, stack.pool, username, unit_id, roles)


def test_500_parallel_requests_with_retries_store_exactly_one_record_per_key(stack):
    before = {r["reference"] for r in _records(stack, "support_request")}
    keys = [str(uuid.uuid4()) for _ in range(500)]
    bodies = {k: support_body(description=f"第 {i} 份求助", phone=f"139{i:08d}") for i, k in enumerate(keys)}
    attempts = [k for k in keys for _ in range(2)] + keys[:100]  # every fill sent twice, some three times

    def send(key: str) -> tuple[str, int, Any]:
        status, body = 0, None
        for _ in range(40):  # retry "in progress" (409), "busy" (503) and dropped connections with the same key
            try:
                status, _, body = call(f"{stack.url}/api/support-requests", "POST", bodies[key],
                                       {"Idempotency-Key": key})
            except OSError:  # connection reset or timed out: the answer was lost, send it again
                time.sleep(0.2)
                continue
            if status not in (409, 503):
                break
        return key, status, body

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(send, attempts))
    assert Counter(status for _, status, _ in results) == {201: len(attempts)}
    answered: dict[str, set[str]] = {}
    for key, _, body in results:
        answered.setdefault(key, set()).add(body["reference"])
    assert all(len(refs) == 1 for refs in answered.values())
    stored = [r for r in _records(stack, "support_request") if r["reference"] not in before]
    assert len(stored) == len(keys)
    assert {r["reference"] for r in stored} == {next(iter(refs)) for refs in answered.values()}
    assert sorted(r["description"] for r in stored) == sorted(b["description"] for b in bodies.values())


def test_two_staff_change_the_same_request_at_once_one_wins_the_other_is_told(stack):
    tokens = [_token(stack, f"taishan.cw{i}", "taishan", ["caseworker"]) for i in range(2)]
    for _round in range(5):
        status, _, created = call(f"{stack.url}/api/support-requests", "POST", support_body(),
                                  {"Idempotency-Key": str(uuid.uuid4())})
        assert status == 201
        reference = created["reference"]
        barrier = threading.Barrier(2)
        def change(i: int, reference: str = reference, barrier: threading.Barrier = barrier) -> tuple[int, Any]:
            targets = ["accepted", "rejected"]
            body: dict[str, Any] = {"to": targets[i], "version": 1}
            if targets[i] == "rejected":
                body["reason"] = "重复提交"
            barrier.wait()
            status, _, answer = call(f"{stack.url}/api/staff/support/requests/{reference}/transitions", "POST", body,
                                     {"Authorization": f"Bearer {tokens[i]}"})
            return status, answer

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(change, range(2)))
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 409], results
        winner = next(answer for status, answer in results if status == 200)
        loser = next(answer for status, answer in results if status == 409)
        assert loser["title"] == "记录已被他人修改"
        status, _, detail = call(f"{stack.url}/api/staff/support/requests/{reference}", "GET", None,
                                 {"Authorization": f"Bearer {tokens[0]}"})
        assert status == 200 and detail["status"] == winner["status"] and detail["version"] == 2
        transitions = [h for h in detail["history"] if h["action"] == "support.transition"]
        assert len(transitions) == 1  # the loser left no audit entry
