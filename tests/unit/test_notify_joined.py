"""Delivery honours what the producers put on a message: a batched alert's `hold_until` and
`count_param`, a unit's alert channels (orgs' robot and alert phones), `forget_after_sending`."""

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.core import db, outbox, times, uow
from chalicelib.notify import providers, service
from chalicelib.orgs import service as orgs
from tests.unit.test_notify_decisions import Phone, message

WINDOW_OPEN = datetime(2026, 3, 2, 4, 1, tzinfo=UTC)  # 12:01 in Beijing, inside the 04:00-04:05 window
WINDOW_OVER = datetime(2026, 3, 2, 4, 6, tzinfo=UTC)


@pytest.fixture
def phone(monkeypatch):
    fake = Phone()
    monkeypatch.setattr(providers, "sms_provider", lambda: fake)
    monkeypatch.setattr(service, "sleep", lambda seconds: None)
    return fake


@pytest.fixture
def robot(monkeypatch):
    posted: list[tuple[str, str]] = []

    def post(kind, url, secret, text):
        posted.append((kind, text))
        return "robot-ok"

    monkeypatch.setattr(providers, "post_webhook", post)
    return posted


def channels(monkeypatch, webhook=True, phones=()):
    found = orgs.AlertChannels(webhook=("wecom", "https://qyapi.weixin.qq.com/x?key=k", None) if webhook else None,
                               phones=list(phones))
    monkeypatch.setattr(orgs, "alert_channels", lambda unit_id: found)


@pytest.fixture(autouse=True)
def shards(monkeypatch) -> list[dict[str, Any]]:
    """The batched alert's count shards as the table holds them (none yet: the window's first
    change makes the alert itself)."""
    held: list[dict[str, Any]] = []
    monkeypatch.setattr(db, "get", lambda pk, sk, consistent=False: None)
    monkeypatch.setattr(db, "query_all", lambda params: held if params["ExpressionAttributeValues"][":pk"].startswith(
        "COUNT#MSG#staff_new_requests-taishan-") else [])
    return held


def batched(count: int) -> dict[str, Any]:
    op = outbox.batched_to_unit("staff_new_requests", "taishan", {"unit": "泰山区总工会"},
                                outbox.about("queue", "taishan"), now="2026-03-02T04:00:30Z")
    values = op.params["ExpressionAttributeValues"]
    names = op.params["ExpressionAttributeNames"]
    item = {names[k.replace(":", "#")]: v for k, v in values.items() if k.startswith(":a")}
    return {**item, "PK": op.params["Key"]["PK"], "SK": "MSG", "count": count}


def test_a_batched_alert_is_held_until_its_window_ends(phone, robot, monkeypatch) -> None:
    channels(monkeypatch)
    monkeypatch.setattr(times, "now", lambda: WINDOW_OPEN)
    item = batched(1)
    with uow.recording() as fake:
        assert service.deliver(item["id"], item) == "held"
    assert fake.names == [["hold_message", "list_held_message"]]
    assert fake.commits[0][1].params["Item"]["release_at"] == "2026-03-02T04:05:00Z" and robot == []


def test_a_batched_alert_goes_out_after_its_window_with_the_count_it_holds_then(phone, robot, shards,
                                                                               monkeypatch) -> None:
    channels(monkeypatch, phones=["13900139000"])
    monkeypatch.setattr(times, "now", lambda: WINDOW_OVER)
    item = batched(1)
    shards += [{"count": 1}, {"count": 1}]  # two later requests of the window counted on shards
    with uow.recording() as fake:
        assert service.deliver(item["id"], item) == "sent"
    assert fake.names[-1] == ["message_sent"]
    assert "3" in robot[0][1] and phone.calls == [("13900139000", "staff_new_requests",
                                                   {"unit": "泰山区总工会", "count": "3"})]


def test_a_unit_with_neither_robot_nor_alert_phones_has_its_alerts_dropped(phone, monkeypatch) -> None:
    channels(monkeypatch, webhook=False)
    monkeypatch.setattr(times, "now", lambda: WINDOW_OVER)
    item = batched(1)
    with uow.recording() as fake:
        assert service.deliver(item["id"], item) == "dropped"
    assert fake.names == [["message_dropped"]]


def test_a_unit_alert_is_sent_when_one_channel_takes_it_and_failed_when_none_does(phone, robot, monkeypatch) -> None:
    channels(monkeypatch, webhook=False, phones=["13900139000", "13900139001"])
    monkeypatch.setattr(times, "now", lambda: WINDOW_OVER)
    phone.failures = 1
    with uow.recording():
        assert service.deliver("x", batched(1)) == "sent"
    phone.failures, phone.permanent, phone.calls = 10, True, []
    with uow.recording() as fake:
        assert service.deliver("x", batched(1)) == "failed"
    assert fake.names[-1] == ["message_failed"] and len(phone.calls) == 2


@pytest.mark.parametrize("failures", [0, 10])
def test_a_message_asking_to_be_forgotten_loses_its_phone_once_sent_or_failed(phone, monkeypatch, failures) -> None:
    monkeypatch.setattr(times, "now", lambda: WINDOW_OVER)
    phone.failures, phone.permanent = failures, True
    item = message("privacy_done", {"action": "删除", "ref": "ZF7K-3QW9"}, forget_after_sending=True)
    with uow.recording() as fake:
        assert service.deliver("m1", item) == ("sent" if not failures else "failed")
    assert {"to", "params", "anonymised_at"} <= set(fake.commits[-1][0].params["ExpressionAttributeNames"].values())
    with uow.recording() as fake:
        assert service.deliver("m1", message()) in ("sent", "failed")
    assert "to" not in fake.commits[-1][0].params["ExpressionAttributeNames"].values()
