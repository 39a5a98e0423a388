"""One retry policy within the function's time: botocore retries throttling and timeouts of a call,
db.transact retries cancelled transactions, the booking engine retries lost races, and all of them
stop in time to answer 503 with Retry-After before Lambda ends the function. Faults are injected
under botocore's retry handler on a fake clock (tests/unit/test_faults.py); the time a request
takes is the fake time its waits added plus the real time it ran."""
# ruff: noqa: F811 - the fault suite's fixtures are imported and then named as arguments

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import chalice.local
import pytest

from chalicelib.booking import store as booking_store
from chalicelib.core import db, errors
from chalicelib.fund import store as fund_store
from tests.api.access_cases import Context
from tests.api.access_cases import booking as booking_cases
from tests.unit.test_faults import (  # noqa: F401 - fixtures of the fault suite
    IN_SCOPE_TARGET,
    clock,
    ctx,
    fresh,
    injector,
    seeded,
    shared,
)

TIMEOUT_SECONDS = 15.0  # functions/.chalice/config.json, stage dev


@pytest.fixture
def lambda_time_left(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """What the Lambda context says is left when a request starts (seconds)."""
    left = [TIMEOUT_SECONDS]
    monkeypatch.setattr(chalice.local.LambdaContext, "get_remaining_time_in_millis",
                        lambda self: int(left[0] * 1000))
    return left


def _timed(clock: Any, send: Any) -> tuple[Any, float]:
    started_real, started_waits = time.monotonic(), getattr(clock, "slept", 0.0)
    response = send()
    return response, (time.monotonic() - started_real) + (getattr(clock, "slept", 0.0) - started_waits)


def _register(ctx: Context, session: str) -> Any:
    body = {"name": "求职者", "phone": "13900139000", "consent": True, "consent_version": "2020-02-v1"}
    return ctx.call("POST", f"/sessions/{session}/registrations", body, None)


def _is_503_with_retry_after(response: Any) -> bool:
    return response.status_code == 503 and int(response.headers.get("Retry-After", "0")) >= 1 \
        and json.loads(response.body)["title"] == "服务暂时不可用"


def test_the_configured_timeout_is_read_from_the_chalice_config():
    assert db.configured_timeout() == TIMEOUT_SECONDS


def test_a_contended_booking_answers_503_before_the_function_times_out(ctx, injector, clock, lambda_time_left):
    session = booking_cases.existing_session(ctx, IN_SCOPE_TARGET)
    injector.arm("transaction conflict", {"TransactWriteItems"}, times=None)
    response, spent = _timed(clock, lambda: _register(ctx, session))
    injector.armed = False
    assert _is_503_with_retry_after(response), response.body
    assert spent <= TIMEOUT_SECONDS - db.RESERVE_SECONDS + 0.5, spent  # time left to answer
    assert injector.injected > db.MAX_ATTEMPTS  # the engine did retry, within the budget


@pytest.mark.parametrize("left", [15.0, 6.0, 2.0])
@pytest.mark.parametrize("fault", ["throttling", "read timeout", "transaction conflict"])
def test_retries_stop_in_time_to_answer(ctx, injector, clock, lambda_time_left, left, fault):
    """However little time the function has left, a request under a lasting fault answers 503
    with Retry-After before the time is up (less the longest a last call may take)."""
    session = booking_cases.existing_session(ctx, IN_SCOPE_TARGET)
    lambda_time_left[0] = left
    injector.arm(fault, None, times=None)
    response, spent = _timed(clock, lambda: _register(ctx, session))
    injector.armed = False
    assert _is_503_with_retry_after(response), response.body
    assert spent <= max(0.0, left - db.RESERVE_SECONDS) + 0.5, spent


def test_throttling_is_retried_by_botocore_alone(ctx, injector, clock, lambda_time_left):
    """Two throttled answers to one call: botocore's third attempt succeeds, and nothing else
    repeats the call (one policy, not three layered ones)."""
    injector.arm("throttling", {"TransactWriteItems"}, times=2)
    response = ctx.call("POST", "/staff/sessions", booking_cases.session_body(IN_SCOPE_TARGET), ctx.admin)
    injector.armed = False
    assert response.status_code == 201, response.body
    assert (injector.injected, injector.passed) == (2, 1)


# --- batch_get never drops keys -------------------------------------------------------------------

class _Unprocessing:
    """batch_get_item that leaves keys unprocessed: the first `stubborn` answers process nothing."""

    def __init__(self, real: Any, stubborn: int | None) -> None:
        self.real, self.stubborn, self.calls = real, stubborn, 0

    def __call__(self, RequestItems: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.stubborn is None or self.calls <= self.stubborn:
            return {"Responses": {}, "UnprocessedKeys": RequestItems}
        return dict(self.real(RequestItems=RequestItems, **kwargs))


def _items(n: int) -> list[dict[str, Any]]:
    db.transact([db.put_new({"PK": f"ITEM#{i}", "SK": "X", "n": i}) for i in range(n)])
    return [db.key(f"ITEM#{i}", "X") for i in range(n)]


def test_unprocessed_keys_are_asked_again_after_a_wait(seeded, clock, monkeypatch):
    keys = _items(5)
    client = db.table().meta.client
    stub = _Unprocessing(client.batch_get_item, stubborn=2)
    monkeypatch.setattr(client, "batch_get_item", stub)
    found = booking_store.batch_get([(k["PK"], k["SK"]) for k in keys])
    assert [i["n"] for i in found] == [0, 1, 2, 3, 4]
    assert stub.calls == 3 and clock.slept > 0  # backed off before asking again


def test_keys_left_unprocessed_answer_503_not_a_shorter_list(seeded, clock, monkeypatch):
    keys = _items(3)
    client = db.table().meta.client
    monkeypatch.setattr(client, "batch_get_item", _Unprocessing(client.batch_get_item, stubborn=None))
    for read in (lambda: booking_store.batch_get([(k["PK"], k["SK"]) for k in keys]),
                 lambda: fund_store.accounts(["taishan"], 2020),
                 lambda: db.batch_get(keys)):
        with pytest.raises(errors.ProblemError) as caught:
            read()
        assert caught.value.status == 503 and caught.value.headers.get("Retry-After")


def test_a_request_budget_bounds_the_transaction_retries(seeded, clock, monkeypatch):
    calls: list[float] = []

    def always_conflict(**kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        calls.append(clock.monotonic())
        raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "x"},
                           "CancellationReasons": [{"Code": "TransactionConflict"}]}, "TransactWriteItems")

    monkeypatch.setattr(db.table().meta.client, "transact_write_items", always_conflict)
    op = db.put_new({"PK": f"A{uuid.uuid4()}", "SK": "1"})
    with db.request_budget(), pytest.raises(errors.ProblemError) as caught:
        db.transact([op])
    assert caught.value.status == 503 and 1 < len(calls) <= db.MAX_ATTEMPTS
    # with no time left, not even the first attempt is made
    calls.clear()
    with db.request_budget(), pytest.raises(errors.ProblemError):
        clock.sleep(TIMEOUT_SECONDS)
        db.transact([op])
    assert calls == []


def test_a_batch_of_many_keys_is_read_whole_its_calls_made_at_once(seeded, monkeypatch):
    with db.table().batch_writer() as writer:
        for i in range(250):
            writer.put_item(Item={"PK": f"MANY#{i}", "SK": "X", "n": i})
    client = db.table().meta.client
    threads: set[str] = set()
    real = client.batch_get_item

    def noted(**kwargs: Any) -> Any:
        threads.add(threading.current_thread().name)
        return real(**kwargs)

    monkeypatch.setattr(client, "batch_get_item", noted)
    found = db.batch_get([db.key(f"MANY#{i}", "X") for i in range(250)] + [db.key("MANY#missing", "X")])
    assert sorted(i["n"] for i in found) == list(range(250))  # every item once, the missing one left out
    assert len(threads) >= 2 and all(t.startswith("batch-get") for t in threads)
