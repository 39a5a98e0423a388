"""A write DynamoDB applies but whose answer is lost on the way back: a botocore before-send hook
that, for the first call it picks, has the call applied (by `send`, through another client) and
then fails the attempt as a dropped connection would, so botocore retries."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ConnectionClosedError

Params = dict[str, Any]


def idempotency_mark(params: Params) -> bool:
    """The put that marks an Idempotency-Key in progress (Powertools' record)."""
    return bool(params.get("Item", {}).get("PK", {}).get("S") == "IDEMPOTENCY")


@contextmanager
def first_answer_lost(clients: list[Any], operation: str, picks: Callable[[Params], bool],
                      send: Callable[[Params], Any],
                      fail: Callable[[str], Exception] = lambda url: ConnectionClosedError(endpoint_url=url),
                      ) -> Iterator[list[Params]]:
    """Within the block, the first `operation` call on `clients` that `picks` is applied by `send`
    (given the call's parameters) and then failed with `fail(url)`. Yields the parameters of the
    call it staged (empty until it has)."""
    sent: list[Params] = []

    def hook(**event: Any) -> None:
        prepared = event["request"]
        params = json.loads(prepared.body)
        if sent or not picks(params):
            return
        sent.append(params)
        send(params)
        raise fail(prepared.url)

    for client in clients:
        client.meta.events.register_first(f"before-send.dynamodb.{operation}", hook)
    try:
        yield sent
    finally:
        for client in clients:
            client.meta.events.unregister(f"before-send.dynamodb.{operation}", hook)
