"""A small per-client limiter for public writes. In AWS, API Gateway's stage throttling is the
first line (see infra/README.md); this one also works under `make run`, where there is none."""

from __future__ import annotations

import os
import threading
import time

from chalicelib.core import errors

_lock = threading.Lock()
_buckets: dict[str, tuple[float, float]] = {}
_MAX_CLIENTS = 10_000


def _limits() -> tuple[float, float]:
    per_minute = float(os.environ.get("WS_PUBLIC_WRITES_PER_MINUTE", "20"))
    burst = float(os.environ.get("WS_PUBLIC_WRITES_BURST", "10"))
    return per_minute / 60.0, burst


def check(client_key: str) -> None:
    """Take one token from the client's bucket or raise 429."""
    rate, burst = _limits()
    now = time.monotonic()
    with _lock:
        tokens, last = _buckets.get(client_key, (burst, now))
        tokens = min(burst, tokens + (now - last) * rate)
        if tokens < 1:
            _buckets[client_key] = (tokens, now)
            raise errors.rate_limited(max(1, int((1 - tokens) / rate) + 1))
        if len(_buckets) >= _MAX_CLIENTS and client_key not in _buckets:
            _buckets.clear()
        _buckets[client_key] = (tokens - 1, now)


def reset() -> None:
    with _lock:
        _buckets.clear()
