"""Idempotent writes keyed by the Idempotency-Key header, stored in the one table by Powertools.

The first request with a key runs the handler and stores its answer; a repeat (a retry after a
timeout, a double tap) gets the same answer without running the handler again. A repeat with a
different body is refused. A handler that fails stores nothing, so the client may retry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalice.app import Response

from chalicelib.core import db, errors, metrics
from chalicelib.core.config import settings

if TYPE_CHECKING:  # the utility itself loads with the first write that carries a key
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,128}$")


# One store per DynamoDB client and table: building a store registers a user-agent hook on the
# client it is given, so a store per request would pile hooks onto the one shared client and make
# every later call slower.
_stores: dict[tuple[int, str], DynamoDBPersistenceLayer] = {}


def _persistence() -> DynamoDBPersistenceLayer:
    from chalicelib.core.idempotency_store import Store

    client = db.low_level_client()
    name = settings().table_name
    store = _stores.get((id(client), name))
    if store is None or store.client is not client:
        _stores.clear()  # the client was replaced (settings reset): its store goes with it
        store = Store(
            table_name=name,
            key_attr="PK",
            sort_key_attr="SK",
            static_pk_value="IDEMPOTENCY",
            expiry_attr="ttl",
            boto3_client=client,
        )
        _stores[(id(client), name)] = store
    return store


def _mark_replayed(response: Any, _record: DataRecord) -> Any:
    if isinstance(response, dict):
        response = {**response, "replayed": True}
    return response


def idempotency_key(headers: Mapping[str, str]) -> str | None:
    value = headers.get(HEADER)
    if value is None:
        return None
    if not _KEY_PATTERN.match(value):
        raise errors.bad_request("Idempotency-Key 应为 8 到 128 位的字母、数字、- 或 _。", "Idempotency-Key")
    return value


def run_once(key: str | None, scope: str, body: Any, handler: Callable[[], Response],
             lambda_context: Any = None, shown_once: tuple[str, ...] = ()) -> Response:
    """Run handler once per (scope, key); scope names the route and the caller. Fields named in
    shown_once (a new credential, a temporary password) are answered the first time only: the
    stored answer leaves them out, so no secret is kept in plain text for a repeat."""
    if key is None:
        return handler()
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        expires_after_seconds=settings().idempotency_ttl_seconds,
        response_hook=_mark_replayed,  # type: ignore[arg-type]  # a plain function fits the Protocol
    )
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        config.register_lambda_context(lambda_context)

    done: list[Response] = []

    def execute(data: dict[str, Any]) -> dict[str, Any]:
        response = handler()
        if response.status_code >= 300:
            # Only a success is remembered; raising makes Powertools forget the attempt.
            raise _NotRemembered(response)
        done.append(response)
        return {"status": response.status_code, "body": _without(response.body, shown_once),
                "headers": dict(response.headers)}

    wrapped = idempotent_function(data_keyword_argument="data", persistence_store=_persistence(),
                                  config=config)(execute)
    try:
        stored = wrapped(data={"key": f"{scope}|{key}", "body": body})
    except _NotRemembered as exc:
        return exc.response
    except IdempotencyValidationError:
        raise errors.ProblemError(
            status=422, title="重复的请求编号", code="/problems/idempotency-mismatch",
            detail="这个 Idempotency-Key 已用于另一份不同的内容，请为新的填写生成新的编号。",
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise errors.conflict("相同的请求正在处理中，请稍候再查看结果。", "in-progress") from None
    except IdempotencyPersistenceLayerError:
        if done:
            # The write is stored; only remembering its answer failed. Saying "not saved" would
            # send the caller to submit it again, so it gets the answer (a repeat with this key
            # is told the request is in progress until the record expires).
            return done[0]
        raise errors.unavailable() from None
    if done:  # this call ran the handler: its own answer, secrets included
        return done[0]
    headers = dict(stored["headers"])
    if stored.get("replayed"):
        headers[REPLAYED_HEADER] = "true"
        metrics.record(metrics.IDEMPOTENT_REPLAYS)
    return Response(body=stored["body"], status_code=int(stored["status"]), headers=headers)


def _without(body: Any, fields: tuple[str, ...]) -> Any:
    if not fields or not isinstance(body, str):
        return body
    answer = json.loads(body)
    return json.dumps({k: v for k, v in answer.items() if k not in fields}, ensure_ascii=False)


class _NotRemembered(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("response not remembered")
        self.response = response
