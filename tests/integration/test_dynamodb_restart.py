"""DynamoDB Local killed and started again while clients keep writing through the local stack:
the stack acknowledges only writes the engine acknowledged, calls during the outage are answered
503 problem+json with Retry-After (never 500, never a 409 for a key sent once), every write the
engine acknowledged before its last moment is in the table afterwards, and the stack answers
normally once the engine is back.

DynamoDB Local itself may lose a transaction it acknowledged in the last milliseconds before it
was killed: `python -m tools.dynamodb_local_crash` (6 writers sending 8-item transactions straight
to it, none of this stack between) finds one such transaction missing after about half the kills,
each acknowledged within a few milliseconds of the kill. DynamoDB in AWS acknowledges a write only
once it is durable. So a write the engine acknowledged from ENGINE_LAST_MOMENT before the kill
until the restart may be missing afterwards; any other missing write fails the test.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core import db
from tests.api.helpers import support_body
from tests.integration.conftest import call, require_dynamodb_local
from tests.integration.test_local_stack import _support_records
from tools import engines
from tools.localstack import Stack, start_stack

WRITERS = 6
ENGINE_LAST_MOMENT = 0.5  # seconds before the kill (see above)


class Outcomes:
    """What each writer got back, shared between the threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: list[tuple[int, dict[str, str], Any]] = []

    def add(self, status: int, headers: dict[str, str], body: Any) -> None:
        with self.lock:
            self.answers.append((status, headers, body))

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for s, _, _ in self.answers if s == status)


def _write(stack: Stack, writer: int, n: int) -> tuple[int, dict[str, str], Any]:
    body = support_body(description=f"写入线程 {writer} 的第 {n} 份求助")
    return call(f"{stack.url}/api/support-requests", "POST", body, {"Idempotency-Key": str(uuid.uuid4())},
                timeout=120)


def _wait_for(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the writers made no progress"
        time.sleep(0.1)


def _engine_acknowledgements(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """When the engine acknowledged each support request's transaction, by reference (the stack
    runs in this process)."""
    acknowledged: dict[str, float] = {}
    transact = db.transact

    def recorded(ops: list[db.Op]) -> dict[str, Any]:
        answer = transact(ops)
        for op in ops:
            item = op.params.get("Item", {})
            if op.kind == "Put" and item.get("type") == "support_request":
                acknowledged[item["reference"]] = time.monotonic()
        return answer

    monkeypatch.setattr(db, "transact", recorded)
    return acknowledged


def test_acknowledged_writes_survive_a_restart_of_dynamodb_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    require_dynamodb_local()
    engine_acknowledged = _engine_acknowledgements(monkeypatch)
    stack, _ = start_stack(tmp_path, port=0, site_dir=tmp_path, engine="dynamodb-local", seed_staff=False)
    outcomes = Outcomes()
    stop = threading.Event()

    def writer(number: int) -> None:
        n = 0
        while not stop.is_set():
            outcomes.add(*_write(stack, number, n))
            n += 1

    try:
        port = int(stack.engine.endpoint.rsplit(":", 1)[1])
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            for number in range(WRITERS):
                pool.submit(writer, number)
            _wait_for(lambda: outcomes.count(201) >= 30, 120)
            killed_at = time.monotonic()
            stack.engine.kill()
            _wait_for(lambda: outcomes.count(503) >= WRITERS, 120)  # every writer has met the outage
            before_restart = outcomes.count(201)
            restarted_at = time.monotonic()
            stack.engine = engines.start_dynamodb_local(tmp_path / "dynamodb", port=port)
            _wait_for(lambda: outcomes.count(201) >= before_restart + 30, 120)
            stop.set()

        statuses = Counter(status for status, _, _ in outcomes.answers)
        unexpected = [(status, body) for status, _, body in outcomes.answers if status not in (201, 503)]
        assert not unexpected, (statuses, unexpected[:3])
        for status, headers, body in outcomes.answers:
            if status == 503:
                assert headers["Content-Type"].startswith("application/problem+json")
                assert body["title"] == "服务暂时不可用" and int(headers["Retry-After"]) > 0
        acknowledged = {body["reference"] for status, _, body in outcomes.answers if status == 201}
        assert acknowledged <= set(engine_acknowledged), "acknowledged what the engine did not"
        stored = {item["reference"] for item in _support_records(stack)}
        lost = {ref: moment for ref, moment in engine_acknowledged.items() if ref not in stored}
        assert all(killed_at - ENGINE_LAST_MOMENT < moment < restarted_at for moment in lost.values()), \
            f"acknowledged but lost, seconds after the kill: { {r: round(m - killed_at, 3) for r, m in lost.items()} }"

        status, _, health = call(f"{stack.url}/api/health")
        assert status == 200 and health["table"]["status"] == "ACTIVE"
        status, _, created = _write(stack, WRITERS, 0)
        assert status == 201
        status, _, found = call(f"{stack.url}/api/status/lookup", "POST",
                                {"reference": created["reference"], "phone": "13800138000"})
        assert status == 200 and found["status"] == "submitted"
    finally:
        stop.set()
        stack.stop()
