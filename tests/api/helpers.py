"""Helpers for API tests: valid bodies for each write route and item counting."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3

from tests.conftest import scans_allowed


def support_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "category": "psychological",
        "description": "家人在一线工作，孩子这几天情绪低落，想找人聊聊。",
        "name": "张敏",
        "phone": "13800138000",
        "county_unit_id": "taishan",
        "frontline": "family",
        "consent": True,
        "consent_version": "2020-02-v1",
    }
    body.update(overrides)
    return body


def post_json(client: Any, path: str, body: Any, key: str | None = None, **headers: str) -> Any:
    all_headers = {"Content-Type": "application/json", **headers}
    if key:
        all_headers["Idempotency-Key"] = key
    return client.http.post(path, headers=all_headers, body=json.dumps(body, ensure_ascii=False).encode())


def new_key() -> str:
    return str(uuid.uuid4())


def count_items(table_name: str) -> int:
    """Items in the table, leaving out counters that hold no record: the rate limiter's, and the
    shards of the figures and of batched alerts (support's COUNT#, the outbox's COUNT#MSG#,
    booking's BOOKSUM#), which a write creates on first touching a randomly chosen shard."""
    with scans_allowed():
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(table_name)
        return int(table.scan(
            Select="COUNT",
            FilterExpression="NOT begins_with(PK, :rate) AND NOT begins_with(PK, :count) "
                             "AND NOT begins_with(PK, :sums)",
            ExpressionAttributeValues={":rate": "RATE#", ":count": "COUNT#", ":sums": "BOOKSUM#"})["Count"])


def problem(response: Any) -> dict[str, Any]:
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = json.loads(response.body)
    assert body["status"] == response.status_code
    return body
