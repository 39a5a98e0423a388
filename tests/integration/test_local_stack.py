"""The local stack on DynamoDB Local: same origin, persistence across restarts, parallel writes."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from tests.api.helpers import support_body
from tests.conftest import scans_allowed
from tests.integration.conftest import call, require_dynamodb_local
from tools.localstack import start_stack


def test_health_on_the_same_origin_as_the_portal(stack):
    status, _, body = call(f"{stack.url}/api/health")
    assert status == 200 and body["engine"] == "dynamodb-local" and body["table"]["status"] == "ACTIVE"


def test_unknown_api_paths_answer_problem_json(stack):
    status, headers, body = call(f"{stack.url}/api/no-such-thing", "POST", {})
    assert status == 404 and headers["Content-Type"].startswith("application/problem+json")
    assert body["title"] == "未找到"


def test_a_record_written_before_a_restart_is_there_after_it(tmp_path: Path):
    require_dynamodb_local()
    first, _ = start_stack(tmp_path, port=0, site_dir=tmp_path, engine="dynamodb-local", seed_staff=False)
    try:
        status, _, created = call(f"{first.url}/api/support-requests", "POST", support_body(),
                                  {"Idempotency-Key": str(uuid.uuid4())})
        assert status == 201
    finally:
        first.stop()
    second, _ = start_stack(tmp_path, port=0, site_dir=tmp_path, engine="dynamodb-local", seed_staff=False)
    try:
        status, _, found = call(f"{second.url}/api/status/lookup", "POST",
                                {"reference": created["reference"], "phone": "13800138000"})
        assert status == 200, found
        assert found["reference"] == created["reference"] and found["status"] == "submitted"
    finally:
        second.stop()


def _support_records(stack) -> list[Any]:
    client = boto3.resource("dynamodb", endpoint_url=stack.env["DYNAMODB_ENDPOINT"], region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
    table = client.Table(stack.env["TABLE_NAME"])
    with scans_allowed():
        items, start = [], None
        while True:
            kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = table.scan(FilterExpression="#t = :t", ExpressionAttributeNames={"#t": "type"},
                              ExpressionAttributeValues={":t": "support_request"}, **kwargs)
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return items


def test_parallel_retries_with_the_same_key_store_one_record_per_key(stack):
    before = len(_support_records(stack))
    keys = [str(uuid.uuid4()) for _ in range(40)]
    attempts = [k for k in keys for _ in range(4)]  # every fill sent four times, all at once
    bodies = {k: support_body(description=f"第 {i} 份求助") for i, k in enumerate(keys)}

    def send(key: str) -> tuple[str, int, Any]:
        for _ in range(20):  # a client retries 409 "in progress" as the portal's script does
            status, _, body = call(f"{stack.url}/api/support-requests", "POST", bodies[key], {"Idempotency-Key": key})
            if status != 409:
                return key, status, body
        return key, status, body

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, attempts))
    statuses = Counter(status for _, status, _ in results)
    assert statuses == {201: len(attempts)}, statuses
    references: dict[str, set[str]] = {}
    for key, _, body in results:
        references.setdefault(key, set()).add(body["reference"])
    assert all(len(refs) == 1 for refs in references.values())  # every retry got the first answer
    assert len(_support_records(stack)) - before == len(keys)


def test_portal_and_api_answers_carry_the_cdn_security_headers(stack):
    from tools import security_headers

    expected = security_headers.headers(stack.aux.endpoint)
    assert "'unsafe-inline'" not in expected["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    for path in ("/api/health", "/api/no-such-thing", "/no-such-page/"):
        request = urllib.request.Request(f"{stack.url}{path}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                headers = response.headers
        except urllib.error.HTTPError as exc:
            headers = exc.headers
        for name, value in expected.items():
            assert headers.get_all(name) == [value], (path, name, headers.get_all(name))


def _local_messages(stack: Any, phone: str, count: int, template: str | None = None) -> list[dict[str, Any]]:
    import time

    deadline = time.monotonic() + 30
    while True:
        status, _, body = call(f"{stack.url}/_local/messages")
        assert status == 200
        mine = [m for m in body["messages"] if m.get("phone") == phone and template in (None, m["template"])]
        if (len(mine) >= count and all(m["state"] not in ("pending", "sending") for m in mine)) \
                or time.monotonic() > deadline:
            return mine
        time.sleep(0.2)


def test_every_message_sent_is_listed_at_local_messages_newest_first(stack):
    from chalicelib.core import outbox, uow
    from tools.localstack import banner

    phone = "13900001234"
    for reference in ("LM01-AQ", "LM02-BQ"):
        uow.commit([outbox.to_phone("support_callback_missed", phone, {"ref": reference},
                                    outbox.about("support", reference))])
    mine = _local_messages(stack, phone, 2)
    assert [(m["template"], m["state"]) for m in mine] == [("support_callback_missed", "sent")] * 2
    assert "LM02-BQ" in mine[0]["text"] and mine[0]["text"].startswith("【泰安市总工会】")
    assert "/_local/messages" in banner(stack, None)
    status, _, _ = call(f"{stack.url}/api/_local/messages")
    assert status == 404  # the app has no such route: the path is the local server's own


def test_a_person_who_opts_out_gets_no_more_texts(stack):
    from chalicelib.core import outbox, uow

    phone = "13900005678"
    status, _, created = call(f"{stack.url}/api/support-requests", "POST", support_body(phone=phone),
                              {"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201
    status, _, answer = call(f"{stack.url}/api/messages/opt-out", "POST",
                             {"reference": created["reference"], "phone": phone},
                             {"Idempotency-Key": str(uuid.uuid4())})
    assert status == 200 and answer["status"] == "opted_out"
    status, _, _ = call(f"{stack.url}/api/messages/opt-out", "POST",
                        {"reference": created["reference"], "phone": "13900009999"},
                        {"Idempotency-Key": str(uuid.uuid4())})
    assert status == 404  # a phone the reference was not given with stops nothing
    reference = created["reference"]
    uow.commit([outbox.to_phone("support_callback_missed", phone, {"ref": reference},
                                outbox.about("support", reference))])
    [message] = _local_messages(stack, phone, 1, "support_callback_missed")  # the request's own may be held
    assert (message["state"], message["reason"]) == ("dropped", "opted_out")
