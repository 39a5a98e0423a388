"""The one table: handle, key helpers, transactions with domain errors, optimistic locking.

Every request path uses GetItem, Query or a small transaction. Scan is for maintenance commands
only (tests fail when a request path scans; see tests/conftest.py).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core import errors
from chalicelib.core.config import settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table

Item = dict[str, Any]

_clients: dict[str, Any] = {}

# Transient failures worth another attempt before answering 503.
_TRANSIENT_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
_TRANSIENT_CODES = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
}
MAX_ATTEMPTS = 5
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems


def _boto_config() -> Config:
    return Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=2,
        read_timeout=5,
        max_pool_connections=50,
    )


def _kwargs() -> dict[str, Any]:
    s = settings()
    kw: dict[str, Any] = {"region_name": s.region, "config": _boto_config()}
    if s.dynamodb_endpoint:
        kw["endpoint_url"] = s.dynamodb_endpoint
    return kw


def table() -> Table:
    """The table resource: Python values in, Decimal numbers out (see plain())."""
    if "table" not in _clients:
        _clients["table"] = boto3.resource("dynamodb", **_kwargs()).Table(settings().table_name)
    return _clients["table"]  # type: ignore[no-any-return]


def low_level_client() -> DynamoDBClient:
    """A plain client speaking DynamoDB JSON (Powertools' idempotency store needs one)."""
    if "client" not in _clients:
        _clients["client"] = boto3.client("dynamodb", **_kwargs())
    return _clients["client"]  # type: ignore[no-any-return]


def reset_clients() -> None:
    _clients.clear()


def key(pk: str, sk: str) -> Item:
    return {"PK": pk, "SK": sk}


def plain(value: Any) -> Any:
    """Turn the resource API's Decimals back into ints (every number we store is an integer)."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, set):
        return {plain(v) for v in value}
    return value


def get(pk: str, sk: str, consistent: bool = False) -> Item | None:
    response = _call(lambda: table().get_item(Key=key(pk, sk), ConsistentRead=consistent))
    item = response.get("Item")
    return plain(item) if item else None


def query(
    pk: str,
    sk_prefix: str | None = None,
    *,
    index: str | None = None,
    limit: int = 50,
    start_key: Item | None = None,
    forward: bool = True,
) -> tuple[list[Item], Item | None]:
    """One page of a partition, optionally limited to sort keys with a prefix."""
    pk_name, sk_name = ("GSI1PK", "GSI1SK") if index == "GSI1" else ("PK", "SK")
    condition = "#pk = :pk"
    names = {"#pk": pk_name}
    values: dict[str, Any] = {":pk": pk}
    if sk_prefix:
        condition += " AND begins_with(#sk, :sk)"
        names["#sk"] = sk_name
        values[":sk"] = sk_prefix
    params: dict[str, Any] = {
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "Limit": limit,
        "ScanIndexForward": forward,
    }
    if index:
        params["IndexName"] = index
    if start_key:
        params["ExclusiveStartKey"] = start_key
    response = _call(lambda: table().query(**params))
    return plain(response.get("Items", [])), response.get("LastEvaluatedKey")


def put_one(item: Item) -> None:
    """A single unconditional Put outside any transaction (a record of its own, such as a view
    entry), retried like every other call and then answered 503."""
    _call(lambda: table().put_item(Item=item))


@dataclass
class Op:
    """One item of a write transaction, with the error to raise when its condition fails."""

    kind: Literal["Put", "Update", "Delete", "ConditionCheck"]
    params: dict[str, Any]
    on_condition_failed: errors.ProblemError | None = None


def put(item: Item, condition: str | None = None, *, names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None, on_fail: errors.ProblemError | None = None) -> Op:
    params: dict[str, Any] = {"Item": item}
    _add_condition(params, condition, names, values)
    return Op("Put", params, on_fail)


def put_new(item: Item, on_fail: errors.ProblemError | None = None) -> Op:
    """Put that fails when an item with the same key exists."""
    return put(item, "attribute_not_exists(PK)", on_fail=on_fail or errors.conflict("记录已存在。"))


def update(pk: str, sk: str, expression: str, condition: str | None = None, *,
           names: dict[str, str] | None = None, values: dict[str, Any] | None = None,
           on_fail: errors.ProblemError | None = None) -> Op:
    params: dict[str, Any] = {"Key": key(pk, sk), "UpdateExpression": expression}
    _add_condition(params, condition, names, values)
    return Op("Update", params, on_fail)


def check(pk: str, sk: str, condition: str, *, names: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, on_fail: errors.ProblemError | None = None) -> Op:
    params: dict[str, Any] = {"Key": key(pk, sk)}
    _add_condition(params, condition, names, values)
    return Op("ConditionCheck", params, on_fail)


def delete(pk: str, sk: str, condition: str | None = None, *, names: dict[str, str] | None = None,
           values: dict[str, Any] | None = None, on_fail: errors.ProblemError | None = None) -> Op:
    params: dict[str, Any] = {"Key": key(pk, sk)}
    _add_condition(params, condition, names, values)
    return Op("Delete", params, on_fail)


def _add_condition(params: dict[str, Any], condition: str | None, names: dict[str, str] | None,
                   values: dict[str, Any] | None) -> None:
    if condition:
        params["ConditionExpression"] = condition
    if names:
        params["ExpressionAttributeNames"] = names
    if values:
        params["ExpressionAttributeValues"] = values


def transact(ops: list[Op]) -> dict[str, Any]:
    """Write all ops or none. A failed condition raises that op's domain error; transient
    conflicts and throttling are retried with jittered backoff, then answered 503."""
    if not ops:
        return {}
    if len(ops) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} items")
    name = settings().table_name
    items: list[Any] = [{op.kind: {"TableName": name, **op.params}} for op in ops]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return dict(table().meta.client.transact_write_items(
                TransactItems=items, ReturnConsumedCapacity="TOTAL"
            ))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "TransactionCanceledException":
                reasons: list[Any] = exc.response.get("CancellationReasons") or []
                for op, reason in zip(ops, reasons, strict=False):
                    if reason.get("Code") == "ConditionalCheckFailed":
                        raise op.on_condition_failed or errors.conflict("记录状态已变化，请刷新后重试。") from None
                if not any(r.get("Code") in _TRANSIENT_REASONS for r in reasons):
                    raise
            elif code not in _TRANSIENT_CODES:
                raise
        except BotoCoreError:
            pass
        _backoff(attempt)
    raise errors.unavailable()


def _call(fn: Any) -> Any:
    """Run a single read or write, retrying transient failures, then 503."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return fn()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") not in _TRANSIENT_CODES:
                raise
        except BotoCoreError:
            pass
        _backoff(attempt)
    raise errors.unavailable()


def retrying(fn: Any) -> Any:
    """A read the helpers here do not express (a key range, a COUNT), with the same retries of
    transient failures, then 503."""
    return _call(fn)


def _backoff(attempt: int) -> None:
    if attempt < MAX_ATTEMPTS:
        time.sleep(random.uniform(0, min(0.8, 0.02 * 2**attempt)))  # noqa: S311 - jitter, not crypto


def versioned_update(pk: str, sk: str, changes: dict[str, Any], expected_version: int,
                     extra_ops: list[Op] | None = None) -> int:
    """Set fields on an item only if it is still at the version the caller read.

    Returns the new version. Raises 404 when the item is gone and 409 when someone else changed it.
    """
    names = {"#v": "version"}
    values: dict[str, Any] = {":expected": expected_version, ":next": expected_version + 1}
    sets = ["#v = :next"]
    for i, (attr, value) in enumerate(changes.items()):
        names[f"#f{i}"] = attr
        values[f":f{i}"] = value
        sets.append(f"#f{i} = :f{i}")
    op = update(pk, sk, "SET " + ", ".join(sets), "attribute_exists(PK) AND #v = :expected",
                names=names, values=values, on_fail=errors.version_conflict())
    try:
        transact([op, *(extra_ops or [])])
    except errors.ProblemError as exc:
        if exc.status == 409 and exc.code == "/problems/version-conflict" and get(pk, sk) is None:
            raise errors.not_found() from None
        raise
    return expected_version + 1
