"""Full stack vs bare Chalice handler for the write route, on the same engine in the same run."""

from __future__ import annotations

import functools
import threading
import uuid
from collections import Counter
from typing import Any

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalChalice, ThreadedHTTPServer

from tools.bench import bare_app
from tools.bench.measure import Timing, counting_dynamodb_calls, interleaved, post
from tools.localstack import Stack

SUPPORT_BODY = {
    "category": "psychological", "description": "家人在一线，想找人聊聊。", "name": "王芳", "phone": "13800138000",
    "county_unit_id": "taishan", "frontline": "family", "consent": True, "consent_version": "2020-02-v1",
}


def _serve_bare(stack: Stack) -> tuple[str, ThreadedHTTPServer]:
    app = bare_app.create_app(stack.env["DYNAMODB_ENDPOINT"], stack.env["TABLE_NAME"])
    app.__class__ = type("LocalBare", (LocalChalice, app.__class__), {})
    handler = functools.partial(ChaliceRequestHandler, app_object=app, config=Config.create())
    server = ThreadedHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def write_route(stack: Stack, n: int) -> dict[str, Any]:
    bare_url, server = _serve_bare(stack)
    full = f"{stack.url}/api/support-requests"
    bare = f"{bare_url}/support-requests"

    def one(url: str) -> float:
        status, ms = post(url, SUPPORT_BODY, {"Idempotency-Key": str(uuid.uuid4())})
        assert status == 201, status
        return ms

    try:
        interleaved(20, {"full": lambda _: one(full), "bare": lambda _: one(bare)})  # warm up
        calls: dict[str, Counter[str]] = {}
        for label, url in (("full", full), ("bare", bare)):
            with counting_dynamodb_calls() as counts:
                one(url)
            calls[label] = counts
        timings = interleaved(n, {"full stack": lambda _: one(full), "bare handler": lambda _: one(bare)})
    finally:
        server.shutdown()
        server.server_close()
    full_t: Timing = timings["full stack"]
    bare_t: Timing = timings["bare handler"]
    return {
        "full": full_t, "bare": bare_t, "ratio": full_t.mean / bare_t.mean,
        "calls_full": dict(calls["full"]), "calls_bare": dict(calls["bare"]),
    }
