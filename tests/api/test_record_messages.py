"""Staff see the text messages sent about a registration, a firm and a job opening, phones masked, in
their own subtree only; a resend (write roles only) makes one new message and one audit entry,
however often it is retried with the same Idempotency-Key."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from chalicelib.core import audit, outbox
from tests.api.helpers import new_key, post_json
from tests.api.test_recruitment_flow import new_firm, opening_body, review

SESSION = {"kind": "shuttle", "title": "返岗直通车（泰山区—开发区）", "unit_id": "taishan",
           "starts_at": "2030-02-25T07:00:00+08:00", "ends_at": "2030-02-25T12:00:00+08:00",
           "place": "泰安汽车站", "capacity": 2}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(staff_token):
    return {"worker": staff_token("taishan.caseworker", "taishan", ["caseworker"]),
            "auditor": staff_token("taishan.auditor", "taishan", ["auditor"]),
            "neighbour": staff_token("daiyue.caseworker", "daiyue", ["caseworker"])}


FIRMS = itertools.count(41)


def _registration(client: Any, token: str) -> tuple[str, str]:
    """A confirmed registration's staff address (/staff/sessions/<id>/registrations/<ref>) and its
    phone, masked."""
    made = post_json(client, "/staff/sessions", SESSION, new_key(), **_auth(token))
    assert made.status_code == 201, made.body
    session = json.loads(made.body)["id"]
    body = {"name": "王强", "phone": "13912345678", "consent": True, "consent_version": "2020-02-v1"}
    registered = post_json(client, f"/sessions/{session}/registrations", body, new_key())
    assert registered.status_code == 201, registered.body
    return f"/staff/sessions/{session}/registrations/{json.loads(registered.body)['reference']}", "139****5678"


def _approved_firm(client: Any, token: str) -> tuple[str, int]:
    n = next(FIRMS)
    reference = new_firm(client, n)
    assert review(client, _auth(token), "firms", reference).status_code == 200
    return reference, n


def _firm(client: Any, token: str) -> tuple[str, str]:
    reference, n = _approved_firm(client, token)
    return f"/staff/firms/{reference}", f"137****{n:04d}"


def _opening(client: Any, token: str) -> tuple[str, str]:
    firm, n = _approved_firm(client, token)
    posted = post_json(client, "/openings", opening_body(firm, n), new_key())
    assert posted.status_code == 201, posted.body
    reference = json.loads(posted.body)["reference"]
    assert review(client, _auth(token), "openings", reference).status_code == 200
    return f"/staff/openings/{reference}", f"137****{n:04d}"


RECORDS = {
    "registration": (_registration, "booking_confirmed", "booking"),
    "firm": (_firm, "firm_approved", "firm"),
    "opening": (_opening, "opening_approved", "opening"),
}


@pytest.mark.parametrize("kind", RECORDS)
def test_staff_see_a_records_messages_masked_and_resend_one_once_audited(client, tokens, kind):
    make, template, entity = RECORDS[kind]
    base, masked = make(client, tokens["worker"])
    reference = base.rsplit("/", 1)[1]

    listed = client.http.get(f"{base}/messages", headers=_auth(tokens["auditor"]))  # a read-only role reads
    assert listed.status_code == 200, listed.body
    [message] = json.loads(listed.body)["items"]
    assert message["template"] == template and message["to"] == masked and message["state_label"] == "待发送"

    resend = f"{base}/messages/{message['id']}/resend"
    assert post_json(client, resend, None, new_key(), **_auth(tokens["auditor"])).status_code == 403
    key = new_key()
    answers = [post_json(client, resend, None, key, **_auth(tokens["worker"])) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201] and answers[0].body == answers[1].body
    again = json.loads(answers[0].body)
    assert again["resent_from"] == message["id"] and again["to"] == masked

    stored = outbox.messages_about(outbox.about(entity, reference))
    assert len(stored) == 2 and stored[1]["resent_from"] == message["id"]
    assert {k: stored[1][k] for k in ("template", "to", "params")} == {k: stored[0][k] for k in ("template", "to",
                                                                                               "params")}
    entries = [e for e in audit.history(entity, reference) if e["action"] == "message.resend"]
    assert len(entries) == 1 and entries[0]["actor"] == "staff:taishan.caseworker"


@pytest.mark.parametrize("kind", RECORDS)
def test_a_sibling_county_neither_sees_nor_resends_a_records_messages(client, tokens, kind):
    base, _ = RECORDS[kind][0](client, tokens["worker"])
    [message] = json.loads(client.http.get(f"{base}/messages", headers=_auth(tokens["worker"])).body)["items"]
    assert client.http.get(f"{base}/messages", headers=_auth(tokens["neighbour"])).status_code == 404
    resend = f"{base}/messages/{message['id']}/resend"
    assert post_json(client, resend, None, new_key(), **_auth(tokens["neighbour"])).status_code == 404
    assert len(json.loads(client.http.get(f"{base}/messages", headers=_auth(tokens["worker"])).body)["items"]) == 1


def test_a_message_of_another_record_is_not_resent_through_this_one(client, tokens):
    firm, _ = _firm(client, tokens["worker"])
    opening, _ = _opening(client, tokens["worker"])
    [of_opening] = json.loads(client.http.get(f"{opening}/messages", headers=_auth(tokens["worker"])).body)["items"]
    answer = post_json(client, f"{firm}/messages/{of_opening['id']}/resend", None, new_key(), **_auth(tokens["worker"]))
    assert answer.status_code == 404
