"""The one table: handle, key helpers, transactions with domain errors, optimistic locking.

Every request path uses GetItem, Query or a small transaction. Scan is for maintenance commands
only (tests fail when a request path scans; see tests/conftest.py).
"""

from __future__ import annotations

import functools
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from chalicelib.core import config, errors, metrics
from chalicelib.core.config import settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table

Item = dict[str, Any]
T = TypeVar("T")

_clients: dict[str, Any] = {}

# One retry policy. botocore (standard mode) retries throttling, server errors and timeouts of a
# single call, with its own jittered backoff; db.transact retries only transactions cancelled by a
# conflict with another transaction (or a throttled item inside one), which botocore cannot see.
# Both stop when the request's time budget runs out, which leaves RESERVE_SECONDS of the function's
# time to answer 503 with Retry-After before Lambda ends it.
_CANCELLED_FOR_NOW = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
BOTO_ATTEMPTS = 3  # botocore's total attempts per call
MAX_ATTEMPTS = 5  # db.transact's attempts of a cancelled transaction
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 5.0  # a large transaction on a busy DynamoDB Local takes seconds
# One call may take CONNECT_TIMEOUT + READ_TIMEOUT after the budget's last check; then the answer.
RESERVE_SECONDS = CONNECT_TIMEOUT + READ_TIMEOUT + 0.5
_CHALICE_CONFIG = Path(__file__).resolve().parents[2] / ".chalice" / "config.json"
LAMBDA_DEFAULT_TIMEOUT = 3  # seconds, Lambda's own default when a stage names none


class Clock:
    """Time as the retry code sees it (the tests move it on without waiting)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


clock = Clock()
_budget = threading.local()
_attempts = threading.local()
# Failures after which the request never reached DynamoDB: it cannot have been applied.
_NOT_SENT = (EndpointConnectionError, ConnectTimeoutError)


def configured_timeout(stage: str = "dev") -> float:
    """The function's timeout from functions/.chalice/config.json (outside Lambda, where no
    context tells the time left)."""
    try:
        config = json.loads(_CHALICE_CONFIG.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return float(LAMBDA_DEFAULT_TIMEOUT)
    stage_config = config.get("stages", {}).get(stage, {})
    return float(stage_config.get("lambda_timeout", config.get("lambda_timeout", LAMBDA_DEFAULT_TIMEOUT)))


@contextmanager
def request_budget(lambda_context: Any = None) -> Iterator[None]:
    """Run a request within the function's time: the Lambda context's time left, else the
    configured timeout, less RESERVE_SECONDS."""
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        seconds = lambda_context.get_remaining_time_in_millis() / 1000
    else:
        seconds = configured_timeout()
    outer = getattr(_budget, "deadline", None)
    _budget.deadline = clock.monotonic() + seconds - RESERVE_SECONDS
    try:
        yield
    finally:
        _budget.deadline = outer


def time_left() -> float | None:
    """Seconds left of the request's budget (None outside a request)."""
    deadline = getattr(_budget, "deadline", None)
    return None if deadline is None else deadline - clock.monotonic()


def retry_deadline(cap_seconds: float) -> float:
    """When a retrying loop must stop: after cap_seconds, and never past the request's budget."""
    left = time_left()
    return clock.monotonic() + (cap_seconds if left is None else min(cap_seconds, left))


def _boto_config() -> Config:
    return Config(
        retries={"total_max_attempts": BOTO_ATTEMPTS, "mode": "standard"},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_pool_connections=50,
    )


def _call_started(**_: Any) -> None:
    _attempts.lost_answer = False


def retried_after_lost_answer() -> bool:
    """Whether the last call on this thread was sent again after an attempt whose answer was lost
    (the connection dropped, a read timed out, DynamoDB answered 5xx): that attempt may have been
    applied, so a failed condition on the retry may be the call's own first write."""
    return bool(getattr(_attempts, "lost_answer", False))


def _within_budget(attempts: int, response: Any = None, caught_exception: Any = None, **_: Any) -> None:
    """Before botocore retries a failed call: 503 instead when its backoff would end past the
    budget (the attempt after it is what RESERVE_SECONDS keeps time for). Notes an attempt whose
    outcome is unknown (retried_after_lost_answer)."""
    if caught_exception is not None and not isinstance(caught_exception, _NOT_SENT):
        _attempts.lost_answer = True
    elif response is not None and response[0].status_code >= 500:
        _attempts.lost_answer = True
    if caught_exception is None:
        if response is None:
            return None
        status = response[0].status_code
        code = (response[1] or {}).get("Error", {}).get("Code", "")
        if status < 500 and code not in _TRANSIENT_CODES:
            return None  # a success, or an answer no one retries (a failed condition)
    left = time_left()
    if left is not None and left < min(20.0, 2.0 ** (attempts - 1)):
        raise errors.unavailable()
    return None


def _guarded(client: Any) -> Any:
    client.meta.events.register_first("before-call.dynamodb", _call_started)
    client.meta.events.register_first("needs-retry.dynamodb", _within_budget)
    return client


def _kwargs() -> dict[str, Any]:
    s = settings()
    kw: dict[str, Any] = {"region_name": s.region, "config": _boto_config()}
    if s.dynamodb_endpoint:
        kw["endpoint_url"] = s.dynamodb_endpoint
    return kw


def table() -> Table:
    """The table resource: Python values in, Decimal numbers out (see plain())."""
    if "table" not in _clients:
        resource = boto3.resource("dynamodb", **_kwargs())
        _guarded(resource.meta.client)
        _clients["table"] = resource.Table(settings().table_name)
    return _clients["table"]  # type: ignore[no-any-return]


def low_level_client() -> DynamoDBClient:
    """A plain client speaking DynamoDB JSON (Powertools' idempotency store needs one)."""
    if "client" not in _clients:
        _clients["client"] = _guarded(boto3.client("dynamodb", **_kwargs()))
    return _clients["client"]  # type: ignore[no-any-return]


def reset_clients() -> None:
    _clients.clear()


config.on_reset(reset_clients)


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
    """One page of a partition, optionally limited to sort keys with a prefix, and the key to go on
    from: None when the partition has nothing after the page (see filled_page)."""
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
        "ScanIndexForward": forward,
    }
    if index:
        params["IndexName"] = index
    if start_key:
        params["ExclusiveStartKey"] = start_key
    return filled_page(params, limit, page_keys(index))


def page_keys(index: str | None = None) -> tuple[str, ...]:
    """The attributes a query's start key is made of: the table's key, and the index's before it."""
    return ("GSI1PK", "GSI1SK", "PK", "SK") if index == "GSI1" else ("PK", "SK")


def kept_page(read: Callable[[int, Item | None], tuple[list[Item], Item | None]],
              keep: Callable[[Item], T | None], limit: int, start: Item | None,
              key_names: tuple[str, ...]) -> tuple[list[T], Item | None]:
    """Up to `limit` kept results of items that `read(n, start)` pages through (keep answers None for
    an item to leave out, such as one outside the caller's scope), and the key to go on from: that of
    the last kept item's source, None when nothing after it is kept. Reads on until one more is kept
    or the items end, so a page is never short while more would follow, nor empty with a cursor."""
    kept: list[tuple[Item, T]] = []
    while True:
        items, start = read(limit + 1 - len(kept), start)
        kept.extend((item, value) for item in items if (value := keep(item)) is not None)
        if len(kept) > limit or not start:
            break
    if len(kept) > limit:
        source = kept[limit - 1][0]
        return [value for _, value in kept[:limit]], {name: source[name] for name in key_names}
    return [value for _, value in kept], None


def filled_page(params: dict[str, Any], limit: int, key_names: tuple[str, ...]) -> tuple[list[Item], Item | None]:
    """Up to `limit` items of a query (whose FilterExpression may drop some) and the key to go on
    from: None when nothing after them matches, so a reader is never offered an empty next page.
    Reads on until one match more than `limit` is seen or the partition ends."""
    items: list[Item] = []
    start = params.get("ExclusiveStartKey")
    while True:
        call = {**params, "Limit": limit + 1}
        if start:
            call["ExclusiveStartKey"] = start
        response = _call(functools.partial(table().query, **call))
        items.extend(response.get("Items", []))
        start = response.get("LastEvaluatedKey")
        if len(items) > limit or not start:
            break
    if len(items) > limit:
        last = items[limit - 1]
        return plain(items[:limit]), {name: last[name] for name in key_names}
    return plain(items), None


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
    name: str = ""  # the change it makes, named by the store that built it ("take_seat")

    def named(self, name: str) -> Op:
        self.name = name
        return self


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


def set_and_remove(pk: str, sk: str, sets: dict[str, Any], removes: list[str]) -> Op:
    """Set these fields and remove those (names may be any attribute names)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    parts = []
    for i, (attr, value) in enumerate(sets.items()):
        names[f"#s{i}"], values[f":s{i}"] = attr, value
        parts.append(f"#s{i} = :s{i}")
    expression = "SET " + ", ".join(parts)
    if removes:
        for i, attr in enumerate(removes):
            names[f"#r{i}"] = attr
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
    return update(pk, sk, expression, names=names, values=values)


def count_up(pk: str, sk: str, expires_in: int, below: int | None = None) -> bool:
    """Add one to the counter item's `n` (created with a `ttl` of expires_in seconds from the
    epoch-relative value given), in a single call; with `below`, only while n < below. Returns
    False, writing nothing, when the counter has reached `below`."""
    params: dict[str, Any] = {
        "Key": key(pk, sk), "UpdateExpression": "ADD #n :one SET #ttl = if_not_exists(#ttl, :expires)",
        "ExpressionAttributeNames": {"#n": "n", "#ttl": "ttl"},
        "ExpressionAttributeValues": {":one": 1, ":expires": expires_in}}
    if below is not None:
        params["ConditionExpression"] = "attribute_not_exists(#n) OR #n < :max"
        params["ExpressionAttributeValues"][":max"] = below
    try:
        _call(lambda: table().update_item(**params))
    except ClientError as exc:
        if below is None or exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return False
    return True


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
            return dict(_call(lambda: table().meta.client.transact_write_items(TransactItems=items)))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") != "TransactionCanceledException":
                raise
            reasons: list[Any] = exc.response.get("CancellationReasons") or []
            for op, reason in zip(ops, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    raise op.on_condition_failed or errors.conflict("记录状态已变化，请刷新后重试。") from None
            if not any(r.get("Code") in _CANCELLED_FOR_NOW for r in reasons):
                raise
            metrics.record(metrics.TRANSACTION_CONFLICTS)
        if attempt == MAX_ATTEMPTS or not backoff(attempt):
            break
        metrics.record(metrics.TRANSACTION_RETRIES)
    metrics.record(metrics.TRANSACTIONS_ABANDONED)
    raise errors.unavailable()


def _call(fn: Any) -> Any:
    """Run a single read or write (botocore retries what is transient within the budget); a call
    the budget has no time for, or one that still fails for a transient reason, answers 503."""
    left = time_left()
    if left is not None and left <= 0:
        raise errors.unavailable()
    try:
        return fn()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code", "") in _TRANSIENT_CODES:
            raise errors.unavailable() from None
        raise
    except BotoCoreError:
        raise errors.unavailable() from None


# What is still failing after botocore's own retries: answered 503.
_TRANSIENT_CODES = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
}


def retrying(fn: Any) -> Any:
    """A read or write the helpers here do not express (a key range, a COUNT, a batch), under the
    same policy: botocore's retries within the budget, then 503."""
    return _call(fn)


def query_all(params: dict[str, Any]) -> list[Item]:
    """Every page of a Query these parameters describe (a Query with a filter, read to its end)."""
    items: list[Item] = []
    while True:
        response = _call(lambda asked=params: table().query(**asked))
        items += plain(response.get("Items", []))
        if not response.get("LastEvaluatedKey"):
            return items
        params = {**params, "ExclusiveStartKey": response["LastEvaluatedKey"]}


def backoff(attempt: int) -> bool:
    """Sleep before another attempt of a whole operation (jittered, growing); False, without
    sleeping, when the budget has no time left for the wait and another attempt."""
    pause = random.uniform(0, min(0.8, 0.02 * 2**attempt))  # noqa: S311 - jitter, not crypto
    left = time_left()
    if left is not None and left < pause:
        return False
    clock.sleep(pause)
    return True


BATCH_KEYS = 100  # DynamoDB's limit per BatchGetItem
BATCH_READERS = 4  # BatchGetItem calls of one batch_get in flight at once
_batch_readers: list[ThreadPoolExecutor] = []


def batch_get(keys: list[Item]) -> list[Item]:
    """Items by key (BatchGetItem, 100 keys a call, up to BATCH_READERS calls at once), in no
    particular order; missing ones left out. Keys the table leaves unprocessed are asked again with
    backoff; any still unprocessed when the attempts or the budget run out answer 503, never a
    silently shorter list."""
    chunks = [keys[start:start + BATCH_KEYS] for start in range(0, len(keys), BATCH_KEYS)]
    if len(chunks) <= 1:
        return _batch_chunk(chunks[0], table().meta.client) if chunks else []
    client = table().meta.client  # made once, before the threads share it
    if not _batch_readers:
        _batch_readers.append(ThreadPoolExecutor(BATCH_READERS, thread_name_prefix="batch-get"))
    deadline = getattr(_budget, "deadline", None)

    def read(chunk: list[Item]) -> list[Item]:
        _budget.deadline = deadline  # the request's budget holds in the reader's thread too
        try:
            return _batch_chunk(chunk, client)
        finally:
            _budget.deadline = None

    return [item for found in _batch_readers[0].map(read, chunks) for item in found]


def _batch_chunk(keys: list[Item], client: Any) -> list[Item]:
    """One BatchGetItem of up to 100 keys through the table's client (a client is thread-safe, the
    table resource is not), its unprocessed keys asked again."""
    name = settings().table_name
    found: list[Item] = []
    pending: dict[str, Any] = {name: {"Keys": keys}}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        answer = _call(lambda request=pending: client.batch_get_item(RequestItems=request))
        found += [plain(item) for item in answer.get("Responses", {}).get(name, [])]
        pending = dict(answer.get("UnprocessedKeys") or {})
        if not pending:
            break
        if attempt == MAX_ATTEMPTS or not backoff(attempt):
            raise errors.unavailable()
    return found


def versioned_set(pk: str, sk: str, changes: dict[str, Any], expected_version: int) -> Op:
    """Set fields on an item only if it is still at the version the caller read (and bump it);
    fails with a version conflict otherwise. Commit with `uow.commit_versioned` to tell a deleted
    item (404) from a changed one (409)."""
    names = {"#v": "version"}
    values: dict[str, Any] = {":expected": expected_version, ":next": expected_version + 1}
    sets = ["#v = :next"]
    for i, (attr, value) in enumerate(changes.items()):
        names[f"#f{i}"] = attr
        values[f":f{i}"] = value
        sets.append(f"#f{i} = :f{i}")
    return update(pk, sk, "SET " + ", ".join(sets), "attribute_exists(PK) AND #v = :expected",
                  names=names, values=values, on_fail=errors.version_conflict()).named("versioned_set")


def versioned_update(pk: str, sk: str, changes: dict[str, Any], expected_version: int,
                     extra_ops: list[Op] | None = None) -> int:
    """Set fields on an item only if it is still at the version the caller read.

    Returns the new version. Raises 404 when the item is gone and 409 when someone else changed it.
    """
    op = versioned_set(pk, sk, changes, expected_version)
    try:
        transact([op, *(extra_ops or [])])
    except errors.ProblemError as exc:
        if exc.status == 409 and exc.code == "/problems/version-conflict" and get(pk, sk) is None:
            raise errors.not_found() from None
        raise
    return expected_version + 1
