"""DynamoDB Local killed and started again while clients keep writing through the local stack:
every write that was acknowledged is in the table afterwards, calls during the outage are answered
503 problem+json with Retry-After (never 500), and the stack answers normally once the engine is back."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.api.helpers import support_body
from tests.integration.conftest import call, require_dynamodb_local
from tests.integration.test_local_stack import _support_records
from tools import engines
from tools.localstack import Stack, start_stack

WRITERS = 6


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


def test_acknowledged_writes_survive_a_restart_of_dynamodb_local(tmp_path: Path):
    require_dynamodb_local()
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
            stack.engine.kill()
            _wait_for(lambda: outcomes.count(503) >= WRITERS, 120)  # every writer has met the outage
            before_restart = outcomes.count(201)
            stack.engine = engines.start_dynamodb_local(tmp_path / "dynamodb", port=port)
            _wait_for(lambda: outcomes.count(201) >= before_restart + 30, 120)
            stop.set()

        statuses = Counter(status for status, _, _ in outcomes.answers)
        assert set(statuses) <= {201, 503}, statuses
        for status, headers, body in outcomes.answers:
            if status == 503:
                assert headers["Content-Type"].startswith("application/problem+json")
                assert body["title"] == "服务暂时不可用" and int(headers["Retry-After"]) > 0
        acknowledged = {body["reference"] for status, _, body in outcomes.answers if status == 201}
        stored = {item["reference"] for item in _support_records(stack)}
        assert acknowledged <= stored, f"acknowledged but lost: {sorted(acknowledged - stored)[:5]}"

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
