"""Decisions behind a record's message history and the look-up notice, without a database: a resend
names the record it is about and audits under that record in the record's unit; a person's look-up of
their data sends one notice holding only a reference and a time, to the phone they proved."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.booking import service as booking
from chalicelib.core import errors, outbox, retention, uow
from chalicelib.core.auth import Principal
from chalicelib.privacy import service as privacy
from chalicelib.privacy.models import MyDataIn
from chalicelib.recruitment import service as recruitment

STAFF = Principal(kind="staff", id="taishan.li", roles=frozenset({"caseworker"}), unit_id="taishan",
                  unit_path="/city/taishan/")


def _message(about: str) -> dict[str, Any]:
    return {"id": "m1", "about": about, "template": "opening_approved", "channel": "sms", "to": "13700000041",
            "params": {"ref": "OPEN-REF0-1", "title": "装配工"}}


def test_a_registrations_resend_is_audited_under_the_registration_in_the_sessions_unit(monkeypatch) -> None:
    monkeypatch.setattr(booking, "registration_for_staff", lambda s, r, by: {"reference": "K3QW-9ZF7-A"})
    monkeypatch.setattr(booking, "get_session", lambda s: {"id": s, "unit_id": "demo-taishan-factory"})
    message = {**_message("booking:K3QW-9ZF7-A"), "template": "booking_cancelled",
               "params": {"session": "返岗直通车", "ref": "K3QW-9ZF7-A"}}
    monkeypatch.setattr(outbox, "get_message", lambda message_id: message)
    with uow.recording() as fake:
        sent = booking.resend_registration_message("s1", "k3qw-9zf7-a", "m1", STAFF)
    [[resent, entry]] = fake.commits
    assert resent.params["Item"]["about"] == "booking:K3QW-9ZF7-A" and sent.resent_from == "m1"
    audit = entry.params["Item"]
    assert (audit["action"], audit["entity"], audit["entity_id"], audit["unit_id"]) == (
        "message.resend", "booking", "K3QW-9ZF7-A", "demo-taishan-factory")


def test_an_openings_message_is_resent_through_the_opening_and_not_through_its_firm(monkeypatch) -> None:
    records = {"firm": {"reference": "FIRM-REF0-1", "county_unit_id": "taishan"},
               "opening": {"reference": "OPEN-REF0-1", "county_unit_id": "taishan"}}
    monkeypatch.setattr(recruitment, "_record_for_messages", lambda kind, reference, by: records[kind])
    monkeypatch.setattr(outbox, "get_message", lambda message_id: _message("opening:OPEN-REF0-1"))
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as raised:
        recruitment.resend_message("firm", "FIRM-REF0-1", "m1", STAFF)
    assert raised.value.status == 404 and fake.commits == []
    with uow.recording() as fake:
        sent = recruitment.resend_message("opening", "OPEN-REF0-1", "m1", STAFF)
    [[_, entry]] = fake.commits
    assert entry.params["Item"]["entity"] == "opening" and entry.params["Item"]["unit_id"] == "taishan"
    assert sent.to == "137****0041"


def _look_up(monkeypatch: pytest.MonkeyPatch, record: dict[str, Any]) -> list[list[Any]]:
    monkeypatch.setattr(privacy, "_record", lambda body: record)
    monkeypatch.setattr(retention, "graph", lambda root: [root])
    with uow.recording() as fake:
        privacy.my_data(MyDataIn(reference=record.get("reference") or record["id"], phone="13800138000"))
    return fake.commits


def test_a_look_up_of_ones_data_tells_the_proven_phone_when_and_which_reference_only(monkeypatch) -> None:
    record = {"PK": "SUPPORT#1", "SK": "REQUEST", "type": "support_request", "reference": "ZF7K-3QW9-A",
              "name": "张敏", "phone": "13800138000", "description": "孩子这几天情绪低落"}
    [[notice]] = _look_up(monkeypatch, record)
    item = notice.params["Item"]
    assert (item["template"], item["to"], item["about"]) == ("privacy_looked_up", "13800138000", "support:ZF7K-3QW9-A")
    assert set(item["params"]) == {"ref", "when"} and item["params"]["ref"] == "ZF7K-3QW9-A"
    assert "forget_after_sending" not in item  # an erasure of the request reaches it with its history


def test_a_look_up_notice_about_a_record_without_a_message_history_forgets_the_phone_once_sent(monkeypatch) -> None:
    record = {"PK": "FLPERSON#p1", "SK": "PERSON", "type": "frontline_person", "id": "P1", "phone": "13800138000"}
    [[notice]] = _look_up(monkeypatch, record)
    assert notice.params["Item"]["forget_after_sending"] is True


def test_a_look_up_of_an_erased_record_sends_nothing(monkeypatch) -> None:
    record = {"PK": "SUPPORT#1", "SK": "REQUEST", "type": "support_request", "reference": "ZF7K-3QW9-A",
              "anonymised_at": "2020-03-01T00:00:00Z"}
    assert _look_up(monkeypatch, record) == []


def test_earlier_look_up_notices_are_not_listed_as_records_held(monkeypatch) -> None:
    record = {"PK": "SUPPORT#1", "SK": "REQUEST", "type": "support_request", "reference": "ZF7K-3QW9-A",
              "name": "张敏", "phone": "13800138000"}
    sent = {"PK": "MSG#m1", "SK": "MSG", "type": "message", "template": "support_received", "to": "13800138000",
            "params": {"ref": "ZF7K-3QW9-A"}}
    notice = {**sent, "PK": "MSG#m2", "template": "privacy_looked_up"}
    monkeypatch.setattr(privacy, "_record", lambda body: record)
    monkeypatch.setattr(retention, "graph", lambda root: [root, sent, notice])
    with uow.recording():
        answer = privacy.my_data(MyDataIn(reference="ZF7K-3QW9-A", phone="13800138000"))
    assert [r.kind for r in answer.records] == ["support_request", "message"]
