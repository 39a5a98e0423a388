"""The outbox end to end on DynamoDB Local and its stream: the change writes the message, the
stream (read by tools/outbox_stream.py, as Lambda's event source mapping would) hands it to the
app's delivery handler, which sends it through a provider speaking its real API on 127.0.0.1
(moto's SNS, a fake of Alibaba Cloud SMS) and records the outcome on the message."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.core import config, outbox, uow
from tests.integration.conftest import call, require_dynamodb_local
from tests.unit.fake_robots import FakeApi
from tools.localstack import REGION, TABLE, Stack, start_stack
from tools.outbox_stream import StreamPoller, app_handler


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_dynamodb_local()
    data = tmp_path_factory.mktemp("var")
    running, _ = start_stack(data, port=0, site_dir=Path(data), engine="dynamodb-local", seed_staff=False,
                             outbox_poll=None)  # the tests drive the stream themselves
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def poller(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> StreamPoller:
    monkeypatch.setenv("WS_NOTIFY_BACKOFF_SECONDS", "0.01")
    reader = StreamPoller(stack.engine.endpoint, TABLE, REGION, app_handler(), interval=0.05,
                          sqs_endpoint=stack.aux.endpoint)
    reader.poll_once()  # what earlier tests left on the stream is theirs
    return reader


def _sms_to(phone: str) -> list[str]:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return [text for to, text in list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())
            if to == f"+86{phone}"]


def _message(about: str, template: str | None = None) -> dict[str, Any]:
    [item] = [i for i in outbox.messages_about(about) if template in (None, i["template"])]
    return item


def _callback_missed(phone: str, reference: str) -> str:
    """An urgent message (sent whatever the hour), committed as a producer would."""
    about = outbox.about("support", reference)
    uow.commit([outbox.to_phone("support_callback_missed", phone, {"ref": reference}, about)])
    return about


def _session(capacity: int) -> str:
    from chalicelib.booking import service
    from chalicelib.booking.models import SessionIn
    from chalicelib.core.auth import Principal

    by = Principal(kind="staff", id="it.caseworker", unit_id="taishan", unit_path="/city/taishan/",
                   roles=frozenset({"caseworker"}))
    body = SessionIn.model_validate({
        "kind": "fair", "title": "候补测试招聘会", "unit_id": "taishan", "starts_at": "2030-03-01T09:00:00+08:00",
        "ends_at": "2030-03-01T17:00:00+08:00", "place": "泰山区人力资源市场", "capacity": capacity})
    return service.create_session(body, by).id


def _register(stack: Stack, session_id: str, phone: str) -> dict[str, Any]:
    status, _, answer = call(f"{stack.url}/api/sessions/{session_id}/registrations", "POST",
                             {"name": "工友", "phone": phone, "consent": True, "consent_version": "2020-02-v1"},
                             {"Idempotency-Key": str(uuid.uuid4())})
    assert status in (200, 201), answer
    return dict(answer)


def test_a_promotion_sends_one_text_even_when_the_stream_delivers_the_batch_twice(stack, poller) -> None:
    session_id = _session(capacity=1)
    seated = _register(stack, session_id, "13900000001")
    waiting = _register(stack, session_id, "13900000002")
    assert waiting["status"] == "waitlisted"
    poller.poll_once()
    status, _, _ = call(f"{stack.url}/api/bookings/cancel", "POST",
                        {"reference": seated["reference"], "phone": "13900000001"},
                        {"Idempotency-Key": str(uuid.uuid4())})
    assert status == 200
    batch = [r for r in poller.read() if poller.kept(r)]
    promoted = [r for r in batch if r["dynamodb"]["NewImage"]["template"]["S"] == "booking_promoted"]
    assert len(promoted) == 1
    poller.invoke(batch)
    poller.invoke(batch)  # the same records again, as a retried or duplicated stream batch is
    message = _message(outbox.about("booking", waiting["reference"]), "booking_promoted")
    assert (message["template"], message["to"], message["state"], message["attempts"]) == \
        ("booking_promoted", "13900000002", "sent", 1)
    texts = [t for t in _sms_to("13900000002") if "由候补转为正式" in t]
    assert len(texts) == 1 and waiting["reference"] in texts[0]


@pytest.fixture
def aliyun(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    api = FakeApi([(200, {"Code": "OK", "BizId": "1", "RequestId": "r"})])
    monkeypatch.setenv("WS_SMS_PROVIDER", "aliyun")
    monkeypatch.setenv("WS_ALIYUN_ENDPOINT", api.url.removeprefix("http://"))
    monkeypatch.setenv("WS_ALIYUN_PROTOCOL", "http")
    monkeypatch.setenv("WS_ALIYUN_ACCESS_KEY_ID", "LTAI-test")
    monkeypatch.setenv("WS_ALIYUN_ACCESS_KEY_SECRET", "secret")
    monkeypatch.setenv("WS_ALIYUN_TEMPLATE_CODES", '{"support_callback_missed": "SMS_270010"}')
    config.reset_settings()
    yield api
    api.stop()
    monkeypatch.undo()
    config.reset_settings()


def test_a_provider_failing_three_times_then_accepting_sends_once(stack, poller, aliyun) -> None:
    busy = (503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": "r"})
    aliyun.answers = [busy, busy, busy, (200, {"Code": "OK", "BizId": "900^0", "RequestId": "r"})]
    about = _callback_missed("13900000011", "RT3K-7QW2")
    poller.poll_once()
    message = _message(about)
    assert (message["state"], message["attempts"], message["provider_id"]) == ("sent", 4, "900^0")
    assert len(aliyun.requests) == 4 and poller.dead_letters == []


def test_a_provider_always_failing_ends_in_the_dead_letter_queue_with_the_state_recorded(stack, poller,
                                                                                         aliyun) -> None:
    aliyun.answers = [(503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": "r"})]
    about = _callback_missed("13900000012", "RT3K-7QW3")
    poller.poll_once()
    message = _message(about)
    assert (message["state"], message["attempts"], message["reason"]) == ("failed", 6, "aliyun ServiceUnavailable")
    assert len(aliyun.requests) == 6  # redeliveries of the failed message send nothing more
    assert len(poller.dead_letters) == 1
    sqs = boto3.client("sqs", endpoint_url=stack.aux.endpoint, region_name=REGION)
    queue = sqs.get_queue_url(QueueName=poller.dead_letter_queue)["QueueUrl"]
    letters = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert len(letters) == 1 and "RetryAttemptsExhausted" in letters[0]["Body"]
    assert "13900000012" not in letters[0]["Body"]  # where the batch was, not what it held


def test_the_per_phone_cap_holds_under_50_parallel_messages_to_one_phone(stack, poller) -> None:
    from chalicelib.notify import service

    phone = "13900000020"
    with ThreadPoolExecutor(max_workers=10) as pool:
        abouts = list(pool.map(lambda n: _callback_missed(phone, f"CAP{n:02d}-X"), range(50)))
    batch = [r for r in poller.read() if poller.kept(r)]
    assert len(batch) == 50
    with ThreadPoolExecutor(max_workers=10) as pool:  # ten handlers at once, a record each
        list(pool.map(lambda record: poller.invoke([record]), batch))
    states = [_message(about) for about in abouts]
    sent = [m for m in states if m["state"] == "sent"]
    assert len(sent) == service.PHONE_DAY_CAP
    assert {m.get("reason") for m in states if m["state"] != "sent"} == {"phone_day_cap"}
    assert len(_sms_to(phone)) == service.PHONE_DAY_CAP


def test_a_batched_unit_alert_waits_for_its_window_then_goes_to_the_alert_phones_with_its_count(stack,
                                                                                              poller) -> None:
    import time

    from chalicelib.core import times
    from chalicelib.notify import service
    from chalicelib.orgs import store as orgs_store

    staff_phone = "13900000030"
    uow.commit([orgs_store.set_alert_phones("taishan", [staff_phone], times.now_iso())])
    about = outbox.about("queue", "taishan")

    def one_request() -> None:
        uow.commit([outbox.batched_to_unit("staff_new_requests", "taishan", {"unit": "泰山区总工会"}, about,
                                           seconds=4)])

    while int(time.time()) % 4 > 1:  # start early in a window, so both requests fall in it
        time.sleep(0.2)
    one_request()
    poller.poll_once()  # the INSERT: held until the window's end
    one_request()  # counted on a shard (type message_count): filtered out
    assert poller.poll_once() == 0
    [alert] = [m for m in outbox.messages_about(about) if m["template"] == "staff_new_requests"]
    assert (alert["state"], outbox.batched_count(alert)) == ("held", 2) and _sms_to(staff_phone) == []
    assert alert["count"] == 1  # the second request counted on a shard, not on the alert itself
    time.sleep(max(0.0, times.parse(alert["hold_until"]).timestamp() - time.time()) + 0.1)
    assert service.release_held() >= 1
    poller.poll_once()
    assert _message(about, "staff_new_requests")["id"] == alert["id"]
    sent = outbox.get_message(alert["id"]) or {}
    assert sent["state"] == "sent"
    [text] = _sms_to(staff_phone)
    assert "2" in text and "泰山区总工会" in text
    uow.commit([orgs_store.set_alert_phones("taishan", [], times.now_iso())])
