"""The put that marks an Idempotency-Key in progress is stored, but its answer is lost (the
connection drops): botocore sends it again and the retry finds the record already there. The
request must go on as the first with its key, not be told that a request with its key is in
progress; a record another request put in the meantime still answers 409."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

import app  # noqa: F401 - registers every route
from chalicelib.core import db
from tests.api.helpers import new_key, post_json, support_body


def _store_then(fail: Callable[[str], Exception], change: Callable[[dict[str, Any]], None] | None = None) -> Any:
    """A before-send hook for the first idempotency put: store the item (changed by `change`, as
    another request would have put it) through another client, then fail the attempt with `fail`."""
    sent: list[dict[str, Any]] = []

    def hook(request: Any, **_: Any) -> None:
        params = json.loads(request.body)
        if sent or params.get("Item", {}).get("PK", {}).get("S") != "IDEMPOTENCY":
            return
        sent.append(params)
        item = dict(params["Item"])
        if change:
            change(item)
        boto3.client("dynamodb", region_name="us-east-1").put_item(TableName=params["TableName"], Item=item)
        raise fail(request.url)

    hook.sent = sent  # type: ignore[attr-defined]
    return hook


@pytest.fixture
def hooked(fresh: SimpleNamespace) -> Iterator[Callable[[Any], None]]:
    events = db.low_level_client().meta.events
    hooks: list[Any] = []

    def add(hook: Any) -> None:
        hooks.append(hook)
        events.register_first("before-send.dynamodb.PutItem", hook)

    yield add
    for hook in hooks:
        events.unregister("before-send.dynamodb.PutItem", hook)


def _lost(url: str) -> Exception:
    return ConnectionClosedError(endpoint_url=url)


def _refused(url: str) -> Exception:
    return EndpointConnectionError(endpoint_url=url)


def _another_request(item: dict[str, Any]) -> None:
    item["in_progress_expiration"] = {"N": str(int(item["in_progress_expiration"]["N"]) + 1)}


def test_a_key_whose_first_mark_lost_its_answer_runs_once(fresh, hooked):
    hook = _store_then(_lost)
    hooked(hook)
    key = new_key()
    first = post_json(fresh.client, "/support-requests", support_body(), key)
    assert hook.sent and first.status_code == 201, first.body
    again = post_json(fresh.client, "/support-requests", support_body(), key)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert json.loads(again.body)["reference"] == json.loads(first.body)["reference"]


@pytest.mark.parametrize(("fail", "change"), [(_lost, _another_request), (_refused, None)],
                         ids=["another request's record", "the first attempt never sent"])
def test_a_record_the_call_did_not_put_is_still_in_progress(fresh, hooked, fail, change):
    hook = _store_then(fail, change)
    hooked(hook)
    answer = post_json(fresh.client, "/support-requests", support_body(), new_key())
    assert hook.sent and answer.status_code == 409, answer.body
    assert json.loads(answer.body)["type"].endswith("in-progress")
