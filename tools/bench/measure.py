"""Small measuring helpers shared by the benchmarks."""

from __future__ import annotations

import json
import logging
import statistics
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

import botocore.client

from tools import outbox_stream


@dataclass(frozen=True)
class Timing:
    label: str
    samples_ms: list[float]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples_ms)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[int(len(ordered) * 0.95) - 1]


@dataclass(frozen=True)
class Posted:
    status: int
    ms: float  # from sending to the answer's last byte
    answer: Any


def post(url: str, body: dict[str, Any]) -> Posted:
    """One write with a new Idempotency-Key, as the portal sends it."""
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
        status = response.status
    ms = (time.perf_counter() - started) * 1000
    return Posted(status, ms, json.loads(raw) if raw else None)


def interleaved(n: int, runs: dict[str, Callable[[int], float]]) -> dict[str, Timing]:
    """Run each contender n times, alternating, so drift in the machine hits all alike."""
    samples: dict[str, list[float]] = {label: [] for label in runs}
    for i in range(n):
        for label, run in runs.items():
            samples[label].append(run(i))
    return {label: Timing(label, values) for label, values in samples.items()}


def delivering() -> bool:
    """Whether this call comes from the local stack's stream delivery, not from a request."""
    return threading.current_thread().name == outbox_stream.THREAD


@contextmanager
def counting_dynamodb_calls() -> Iterator[Counter[str]]:
    """Count DynamoDB operations made by this process's requests (both contenders run in it), not
    those of the local stream delivery, which Lambda runs apart."""
    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def counted(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb" and not delivering():
            counts[operation] += 1
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[attr-defined]
    try:
        yield counts
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[attr-defined]


def quiet_app_log(sink: IO[str]) -> None:
    """Send the app's access log to `sink` (its cost stays in the figures; its lines stay out of the
    printed report)."""
    from chalicelib.core.logs import logger

    handler = logger().registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(sink)
