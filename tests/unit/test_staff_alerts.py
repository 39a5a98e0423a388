"""Staff alerts, decided in memory: the per-unit batching window of new-request alerts, the daily
overdue digest and the weekly contact reminder (one alert per unit, day or contact and week, never
twice), and the encryption of a unit's robot secrets."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core import db, errors, outbox, secrets, uow
from chalicelib.frontline import service as frontline
from chalicelib.frontline import store as frontline_store
from chalicelib.orgs import service as orgs
from chalicelib.support import service as support
from chalicelib.support import store as support_store

UNITS = [{"id": "taishan", "name": "泰山区总工会"}, {"id": "daiyue", "name": "岱岳区总工会"}]


@pytest.fixture(autouse=True)
def no_table(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable() -> Any:
        raise AssertionError("a decision test reached the table")

    monkeypatch.setattr(db, "table", unreachable)
    monkeypatch.setattr(orgs, "all_units", lambda: UNITS)


def _items(fake: uow.Recording) -> list[dict[str, Any]]:
    return [op.params["Item"] for ops in fake.commits for op in ops]


def test_new_requests_of_one_window_count_into_one_alert_sent_at_the_windows_end(monkeypatch) -> None:
    monkeypatch.setattr(db, "get", lambda pk, sk, consistent=False: None)  # no alert for the window yet
    first = support.new_request_alert("taishan", "泰山区总工会", "2026-03-01T02:01:10.000Z")
    later = support.new_request_alert("taishan", "泰山区总工会", "2026-03-01T02:04:59.000Z")
    next_window = support.new_request_alert("taishan", "泰山区总工会", "2026-03-01T02:05:00.000Z")
    other_unit = support.new_request_alert("daiyue", "岱岳区总工会", "2026-03-01T02:01:10.000Z")
    assert first.params["Key"] == later.params["Key"] == {"PK": "MSG#staff_new_requests-taishan-2026-03-01T02:00:00Z",
                                                          "SK": "MSG"}
    assert next_window.params["Key"] != first.params["Key"] != other_unit.params["Key"]
    # one update creates the alert or counts into it: no condition to fail, whatever the concurrency
    assert first.kind == "Update" and "ConditionExpression" not in first.params
    assert first.params["UpdateExpression"].endswith("ADD #count :one")
    values = {first.params["ExpressionAttributeNames"][n]: first.params["ExpressionAttributeValues"][":" + n[1:]]
              for n in first.params["ExpressionAttributeNames"] if n.startswith("#a")}
    assert values["hold_until"] == "2026-03-01T02:05:00Z" and values["count_param"] == "count"
    assert values["channel"] == "unit" and values["to"] == "taishan" and values["params"]["unit"] == "泰山区总工会"
    assert "reference" not in str(values) and "category" not in str(values)  # how many, not which


def test_the_overdue_digest_tells_each_unit_with_overdue_requests_once_a_day(monkeypatch) -> None:
    counts = {"taishan": 3, "daiyue": 0}
    monkeypatch.setattr(support_store, "overdue_count", lambda unit_id, now: counts[unit_id])
    with uow.recording() as fake:
        assert support.send_overdue_digests("2026-03-01T00:30:00Z") == 1
    [item] = _items(fake)
    assert item["template"] == "staff_overdue_digest" and item["to"] == "taishan"
    assert item["params"] == {"unit": "泰山区总工会", "count": "3"}
    assert item["id"] == "staff_overdue_digest-taishan-2026-03-01"  # the Beijing day
    with uow.recording(refuse=lambda op: op.name == "outbox_message") as again:
        assert support.send_overdue_digests("2026-03-01T09:00:00Z") == 0  # already out today: nothing more
    assert again.commits == []


def test_an_outage_during_the_digest_is_not_taken_for_a_digest_already_sent(monkeypatch) -> None:
    monkeypatch.setattr(support_store, "overdue_count", lambda unit_id, now: 1)

    def outage(ops: Any) -> None:
        raise errors.unavailable()

    monkeypatch.setattr(uow, "commit", outage)
    with pytest.raises(errors.ProblemError) as raised:
        support.send_overdue_digests("2026-03-01T00:30:00Z")
    assert raised.value.status == 503


def test_the_weekly_reminder_lists_each_contacts_quiet_families_masked(monkeypatch) -> None:
    contacts = {"taishan": [{"SK": "taishan.li", "name": "李联系"}], "daiyue": []}
    persons = {
        "P1": {"id": "P1", "name": "张三", "last_log": "LOG#2026-02-20T01:00:00Z#ab"},  # 9 days
        "P2": {"id": "P2", "name": "王小明"},  # never contacted
        "P3": {"id": "P3", "name": "赵四", "last_log": "LOG#2026-02-28T01:00:00Z#cd"},  # yesterday
        "P4": {"id": "P4", "name": "[已清除]", "anonymised_at": "2026-02-25T00:00:00Z"},
    }
    monkeypatch.setattr(frontline_store, "contacts", lambda unit_id: contacts[unit_id])
    monkeypatch.setattr(frontline_store, "families_of",
                        lambda username, limit, start: ([{"SK": p} for p in persons], None))
    monkeypatch.setattr(frontline_store, "get_persons", lambda ids: {i: persons[i] for i in ids})
    with uow.recording() as fake:
        assert frontline.send_contact_reminders("2026-03-01T01:00:00Z") == 1
    [item] = _items(fake)
    assert item["template"] == "staff_contact_reminder" and item["for_staff"] == "taishan.li"
    assert item["params"] == {"contact": "李联系", "count": "2", "families": "王**家、张*家"}
    assert item["id"] == "staff_contact_reminder-taishan-taishan.li-2026w9"


def test_a_units_robot_secret_is_stored_encrypted_and_read_back_only_with_the_key() -> None:
    token = secrets.encrypt("https://oapi.dingtalk.com/robot/send?access_token=abc")
    assert "access_token" not in token and secrets.decrypt(token).endswith("access_token=abc")
    with pytest.raises(ValueError):
        secrets.decrypt(token[:-4] + "AAAA")


def test_a_resend_of_a_message_about_another_record_is_not_found(monkeypatch) -> None:
    message = {"id": "m1", "about": "support:AAAA-BBBB-C", "template": "support_accepted", "channel": "sms",
               "to": "13800138000", "params": {"ref": "AAAA-BBBB-C"}}
    monkeypatch.setattr(outbox, "get_message", lambda message_id: message)
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as raised:
        outbox.resend("support:ZZZZ-YYYY-X", "m1", actor="staff:x", entity="support", entity_id="ZZZZ-YYYY-X",
                      unit_id="taishan")
    assert raised.value.status == 404 and fake.commits == []
    with uow.recording() as fake:
        sent = outbox.resend("support:AAAA-BBBB-C", "m1", actor="staff:x", entity="support",
                             entity_id="AAAA-BBBB-C", unit_id="taishan")
    [ops] = fake.commits
    assert [op.name for op in ops] == ["outbox_message", ""] and sent.resent_from == "m1"
    assert ops[0].params["Item"]["params"] == message["params"] and sent.to == "138****8000"


def test_a_request_of_a_window_whose_alert_exists_counts_on_a_shard_not_the_alert(monkeypatch) -> None:
    """A surge to one unit must not make every transaction write one item: once the window's alert
    is there, each request adds 1 to one of the alert's count shards."""
    alert = "MSG#staff_new_requests-taishan-2026-03-01T02:00:00Z"
    monkeypatch.setattr(db, "get", lambda pk, sk, consistent=False: {"PK": pk, "SK": sk} if pk == alert else None)
    ops = [support.new_request_alert("taishan", "泰山区总工会", "2026-03-01T02:03:00.000Z") for _ in range(40)]
    keys = {(op.params["Key"]["PK"], op.params["Key"]["SK"]) for op in ops}
    assert {pk for pk, _ in keys} == {"COUNT#MSG#staff_new_requests-taishan-2026-03-01T02:00:00Z"}
    assert len(keys) > 1 and {int(sk) for _, sk in keys} <= set(range(outbox.BATCH_COUNT_SHARDS))
    assert all(op.kind == "Update" and "ConditionExpression" not in op.params
               and op.params["UpdateExpression"].endswith("ADD #count :one") for op in ops)
    fresh = support.new_request_alert("daiyue", "岱岳区总工会", "2026-03-01T02:03:00.000Z")
    assert fresh.params["Key"] == {"PK": "MSG#staff_new_requests-daiyue-2026-03-01T02:00:00Z", "SK": "MSG"}
