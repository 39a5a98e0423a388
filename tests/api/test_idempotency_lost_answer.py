"""The put that marks an Idempotency-Key in progress is stored, but its answer is lost (the
connection drops): botocore sends it again and the retry finds the record already there. The
request must go on as the first with its key, not be told that a request with its key is in
progress; a record another request put in the meantime still answers 409."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

import app  # noqa: F401 - registers every route
from chalicelib.core import db
from tests.api.helpers import new_key, post_json, support_body
from tests.lost_answer import first_answer_lost, idempotency_mark


def _put(change: Callable[[dict[str, Any]], None] | None = None) -> Callable[[dict[str, Any]], None]:
    """Store the item of the staged put (changed by `change`, as another request would have put it)
    through another client."""
    def send(params: dict[str, Any]) -> None:
        item = dict(params["Item"])
        if change:
            change(item)
        boto3.client("dynamodb", region_name="us-east-1").put_item(TableName=params["TableName"], Item=item)
    return send


def _lost(url: str) -> Exception:
    return ConnectionClosedError(endpoint_url=url)


def _refused(url: str) -> Exception:
    return EndpointConnectionError(endpoint_url=url)


def _another_request(item: dict[str, Any]) -> None:
    item["in_progress_expiration"] = {"N": str(int(item["in_progress_expiration"]["N"]) + 1)}


def test_a_key_whose_first_mark_lost_its_answer_runs_once(fresh):
    key = new_key()
    with first_answer_lost([db.low_level_client()], "PutItem", idempotency_mark, _put(), _lost) as sent:
        first = post_json(fresh.client, "/support-requests", support_body(), key)
        assert sent and first.status_code == 201, first.body
        again = post_json(fresh.client, "/support-requests", support_body(), key)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert json.loads(again.body)["reference"] == json.loads(first.body)["reference"]


@pytest.mark.parametrize(("fail", "change"), [(_lost, _another_request), (_refused, None)],
                         ids=["another request's record", "the first attempt never sent"])
def test_a_record_the_call_did_not_put_is_still_in_progress(fresh, fail, change):
    with first_answer_lost([db.low_level_client()], "PutItem", idempotency_mark, _put(change), fail) as sent:
        answer = post_json(fresh.client, "/support-requests", support_body(), new_key())
    assert sent and answer.status_code == 409, answer.body
    assert json.loads(answer.body)["type"].endswith("in-progress")
