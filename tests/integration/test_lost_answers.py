"""DynamoDB Local stores a write, then its answer is lost on the way back (the connection drops):
botocore sends the call again. The support request must still be filed once and answered 201,
whether the lost answer was the idempotency record's (the app knows its own record,
core/idempotency_store.py) or the request's transaction (botocore sends the retry with the same
ClientRequestToken, and the engine answers it as the first)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core import db
from tests.api.helpers import support_body
from tests.integration.conftest import call
from tests.integration.test_local_stack import _support_records
from tests.lost_answer import first_answer_lost, idempotency_mark
from tools.localstack import Stack


def _engine(stack: Stack) -> Any:
    return boto3.client("dynamodb", endpoint_url=stack.env["DYNAMODB_ENDPOINT"], region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def _support_transaction(params: dict[str, Any]) -> bool:
    return any(op.get("Put", {}).get("Item", {}).get("type", {}).get("S") == "support_request"
               for op in params.get("TransactItems", []))


CASES = {"PutItem": idempotency_mark, "TransactWriteItems": _support_transaction}


@pytest.fixture
def lost_once(stack: Stack, request: pytest.FixtureRequest) -> Iterator[list[dict[str, Any]]]:
    """The first call of the operation that the case picks is sent to the engine by another client,
    and then its answer is lost: botocore sees the connection drop and retries."""
    operation: str = request.param
    engine = _engine(stack)
    send = engine.put_item if operation == "PutItem" else engine.transact_write_items
    with first_answer_lost([db.table().meta.client, db.low_level_client()], operation, CASES[operation],
                           lambda params: send(**params)) as sent:
        yield sent


@pytest.mark.parametrize("lost_once", list(CASES), indirect=True)
def test_a_write_whose_answer_was_lost_is_filed_once(stack: Stack, lost_once: list[dict[str, Any]]):
    before = len(_support_records(stack))
    status, _, answer = call(f"{stack.url}/api/support-requests", "POST", support_body(),
                             {"Idempotency-Key": str(uuid.uuid4())})
    assert lost_once, "the lost answer was not staged"
    assert status == 201, answer
    records = _support_records(stack)
    assert len(records) == before + 1
    assert answer["reference"] in {record["reference"] for record in records}
