"""Full stack vs bare Chalice handler for the write route, on the same engine in the same run."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from tools.bench import bare_app
from tools.bench.measure import Timing, counting_dynamodb_calls, interleaved, post
from tools.localstack import Stack

SUPPORT_BODY = {
    "category": "psychological", "description": "家人在一线，想找人聊聊。", "name": "王芳", "phone": "13800138000",
    "county_unit_id": "taishan", "frontline": "family", "consent": True, "consent_version": "2020-02-v1",
}


def _submit(url: str) -> tuple[float, dict[str, Any]]:
    posted = post(url, SUPPORT_BODY)
    assert posted.status == 201, posted.status
    return posted.ms, posted.answer


WINDOWS = ((100, 200), (1000, 1100), (2900, 3000))  # the full stack's requests, counted from its first


def write_route(stack: Stack, n: int) -> dict[str, Any]:
    """n requests to each contender, alternating, after 20 each to warm up; the bare handler
    replays the calls of one warm full-stack request (captured here)."""
    from chalicelib.core import db

    full = f"{stack.url}/api/support-requests"
    for _ in range(20):
        _submit(full)
    calls, reference, unique = bare_app.capture_pair(db.table().meta.client, lambda: str(_submit(full)[1]["reference"]))
    bare_url, server = bare_app.serve(stack.env["DYNAMODB_ENDPOINT"], calls, unique, reference, "/support-requests")
    bare = f"{bare_url}/support-requests"
    try:
        for _ in range(20):
            _submit(bare)
        with counting_dynamodb_calls() as counts:
            _submit(bare)
        timings = interleaved(n, {"full stack": lambda _: _submit(full)[0], "bare handler": lambda _: _submit(bare)[0]})
    finally:
        server.shutdown()
        server.server_close()
    full_t: Timing = timings["full stack"]
    bare_t: Timing = timings["bare handler"]
    done_before = 22  # warm-up and captured requests of the full stack
    windows = {}
    for lo, hi in WINDOWS:
        part = full_t.samples_ms[max(0, lo - done_before):hi - done_before]
        if len(part) >= 10:
            windows[f"{lo}-{hi - 1}"] = statistics.median(part)
    return {
        "full": full_t, "bare": bare_t, "ratio": full_t.p50 / bare_t.p50, "windows": windows,
        "calls_full": dict(Counter(c.operation for c in calls)), "calls_bare": dict(counts),
        "items": describe(calls), "unique": len(unique),
    }


def describe(calls: list[bare_app.Call]) -> str:
    """What one request writes, as the bare handler writes it too."""
    parts = []
    for call in calls:
        if call.operation == "TransactWriteItems":
            parts.append(f"a transaction of {len(call.params['TransactItems'])} items")
        elif call.operation in ("PutItem", "UpdateItem", "DeleteItem"):
            key = call.params.get("Item") or call.params.get("Key") or {}
            pk = key.get("PK")
            pk = pk.get("S") if isinstance(pk, dict) else pk
            parts.append(f"{call.operation} {str(pk).split('#')[0]}")
        else:
            parts.append(call.operation)
    return ", ".join(parts)
