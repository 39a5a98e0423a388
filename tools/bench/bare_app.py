"""The baseline for a write route: a bare Chalice handler that makes the very DynamoDB calls the
full stack's route made for one warm request (captured, in order: the same items, attributes and
sizes, reads included), with what makes that request's items its own (its reference code, the
idempotency record's key, the person's keys) replaced by fresh strings of the same length, and
nothing else: no validation, rate limiting logic, logging, metrics, audit building or Powertools.
Used for the support-request route and for a booking registration."""

from __future__ import annotations

import copy
import functools
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.client
from chalice.app import Chalice, Response
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalChalice, ThreadedHTTPServer

from tools.bench import measure


@dataclass(frozen=True)
class Call:
    operation: str
    params: dict[str, Any]
    resource_form: bool  # made through the table resource (Python values), else DynamoDB JSON


@contextmanager
def capturing(resource_client: Any, keep_copies: bool = True) -> Iterator[list[Call]]:
    """The DynamoDB calls this process's requests make inside the block (not the local stream
    delivery's); resource_client is the one behind the app's table resource (its calls are in the
    resource's Python form). Without keep_copies each call's own parameters are kept, not a copy:
    cheaper, and safe where the caller does not change them afterwards (the table resource copies
    them before it converts them)."""
    calls: list[Call] = []
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def captured(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb" and not measure.delivering():
            calls.append(Call(operation, copy.deepcopy(params) if keep_copies else params, self is resource_client))
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = captured  # type: ignore[attr-defined]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[attr-defined]


def _fresh(value: Any, swaps: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in swaps.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _fresh(v, swaps) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v, swaps) for v in value]
    return value


def _like(text: str) -> str:
    """A random string of the same length and shape: a digit where a digit was (a token may stand in
    a number too), a letter of the same case where a letter was."""
    letters = "ABCDEFGHJKMNPQRSTVWXYZ" if text.upper() == text else "abcdef"
    return "".join(secrets.choice("0123456789") if c.isdigit() else secrets.choice(letters) if c.isalpha() else c
                   for c in text)


KEY_ATTRIBUTES = ("PK", "SK", "GSI1PK", "GSI1SK")
# Shorter differences are not a request's own: a counter shard's number, picked at random and shared.
MIN_TOKEN = 4
_SEPARATORS = re.compile(r"[#|/ ]")


def _key_strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in KEY_ATTRIBUTES and isinstance(v, str | dict):
                yield v if isinstance(v, str) else str(v.get("S", ""))
            else:
                yield from _key_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _key_strings(v)


def unique_tokens(first: list[Call], second: list[Call]) -> list[str]:
    """The parts of item keys that differ between two requests' calls (a reference code, an
    idempotency key hash, an audit entry id, a time): what makes each request's items its own."""
    if [c.operation for c in first] != [c.operation for c in second]:
        raise ValueError("two requests made different calls")
    tokens: set[str] = set()
    for a, b in zip(first, second, strict=True):
        for x, y in zip(_key_strings(a.params), _key_strings(b.params), strict=True):
            tokens |= {t for t, u in zip(_SEPARATORS.split(y), _SEPARATORS.split(x), strict=False)
                       if t != u and len(t) >= MIN_TOKEN}
    return sorted(tokens, key=len, reverse=True)  # longest first: a token inside another is replaced after it


def capture_pair(resource_client: Any, request: Callable[[], str]) -> tuple[list[Call], str, list[str]]:
    """Warm requests made until two in a row made the same calls (now and then one differs: a cached
    unit read again when its time is up, the first request of an alert window writing the alert);
    returns the second's calls, its reference and the tokens that made its items its own.
    `request` makes one request and returns its reference."""
    captured: list[tuple[list[Call], str]] = []
    for _ in range(20):
        with capturing(resource_client) as calls:
            reference = request()
        captured = [*captured[-1:], (calls, reference)]
        if len(captured) == 2 and [c.operation for c in captured[0][0]] == [c.operation for c in calls]:
            break
    (first, _), (calls, reference) = captured
    return calls, reference, unique_tokens(first, calls)


def create_app(endpoint: str, calls: list[Call], unique: list[str], reference: str, path: str) -> Chalice:
    """POST `path`: each request replays `calls`, every string in `unique` replaced by a fresh one of
    the same length (so its items are new, as the full stack's are), and answers with the new
    reference."""
    app = Chalice(app_name="bare")
    kw: dict[str, Any] = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    resource_client = boto3.resource("dynamodb", **kw).meta.client
    client = boto3.client("dynamodb", **kw)

    @app.route(path, methods=["POST"])
    def submit(**_: str) -> Response:
        request = app.current_request
        assert request is not None
        json.loads(request.raw_body)
        swaps = {old: _like(old) for old in unique}
        for call in calls:
            target = resource_client if call.resource_form else client
            getattr(target, _snake(call.operation))(**_fresh(call.params, swaps))
        answer = json.dumps({"reference": _fresh(reference, swaps)})
        return Response(body=answer, status_code=201, headers={"Content-Type": "application/json"})

    return app


def serve(endpoint: str, calls: list[Call], unique: list[str], reference: str,
          path: str) -> tuple[str, ThreadedHTTPServer]:
    """The bare handler on Chalice's local server, on a free port of loopback: (its URL, the server)."""
    app = create_app(endpoint, calls, unique, reference, path)
    app.__class__ = type("LocalBare", (LocalChalice, app.__class__), {})
    handler = functools.partial(ChaliceRequestHandler, app_object=app, config=Config.create())
    server = ThreadedHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")
