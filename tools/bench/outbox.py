"""The outbox's delivery latency on the local stack: from a committed write (a message in its
change's transaction) to the provider's call (moto's SNS), beside the stream poll interval."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from typing import Any

from tools.bench.measure import Timing


class _Timed:
    """The configured provider, noting when each phone's text reaches it."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name = inner, inner.name
        self.called: dict[str, float] = {}
        self.arrived = threading.Condition()

    def send(self, phone: str, template_id: str, params: Mapping[str, str]) -> str:
        at = time.perf_counter()
        answer = str(self.inner.send(phone, template_id, params))
        with self.arrived:
            self.called[phone] = at
            self.arrived.notify_all()
        return answer


def report(stack: Any, n: int = 100) -> list[str]:
    from chalicelib.core import outbox, uow
    from chalicelib.notify import providers

    if stack.outbox is None:
        return []
    timed = _Timed(providers.sms_provider())
    real = providers.sms_provider
    providers.sms_provider = lambda: timed  # type: ignore[assignment]
    samples: list[float] = []
    try:
        for i in range(n):
            phone = f"1370000{i:04d}"
            reference = f"BN{i:04d}-Q"
            op = outbox.to_phone("support_callback_missed", phone, {"ref": reference},
                                 outbox.about("support", reference))
            uow.commit([op])
            committed = time.perf_counter()
            with timed.arrived:
                timed.arrived.wait_for(lambda p=phone: p in timed.called, timeout=30)  # type: ignore[misc]
            if phone in timed.called:
                samples.append((timed.called[phone] - committed) * 1000)
            time.sleep(random.uniform(0, stack.outbox.interval))  # noqa: S311 - spread over the poll cycle
    finally:
        providers.sms_provider = real
    timing = Timing("outbox", samples)
    interval_ms = stack.outbox.interval * 1000
    return [
        "## Outbox: committed write to the provider's call", "",
        f"Engine: {stack.engine.name}. {len(samples)} of {n} messages (an urgent text each, to a different phone), "
        "committed one at a time; the time from the transaction's return to the provider's `send` (moto's SNS), "
        "through the table's stream, the local poller (tools/outbox_stream.py) and the delivery handler's claim "
        "and checks. The poller reads the stream every poll interval, so a message waits half an interval on "
        "average before it is read.", "",
        "| stream poll interval ms | mean ms | p50 ms | p95 ms |", "|---|---|---|---|",
        f"| {interval_ms:.0f} | {timing.mean:.1f} | {timing.p50:.1f} | {timing.p95:.1f} |", "",
        f"**Ratio p50/poll interval: {timing.p50 / interval_ms:.2f}**", "",
    ]
