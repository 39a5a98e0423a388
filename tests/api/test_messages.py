"""Text messages put by the changes themselves, through the routes: one message per event, with the
right template and nothing sensitive, one only across a retry with the same Idempotency-Key; staff's
history of a request's messages (in their subtree only) and an audited, idempotent resend."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core import audit, db, outbox
from tests.api.helpers import new_key, post_json, support_body

SENSITIVE = ("张敏", "家人在一线", "情绪低落", "psychological", "family")


def _messages(reference: str) -> list[dict[str, Any]]:
    return outbox.messages_about(outbox.about("support", reference))


def _post(client: Any, path: str, body: Any, token: str, key: str | None = None) -> Any:
    return post_json(client, path, body, key or new_key(), Authorization=f"Bearer {token}")


def _get(client: Any, path: str, token: str) -> Any:
    return client.http.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def worker(client, staff_token):
    return staff_token("taishan.worker", "taishan", ["caseworker"])


def _submit(client: Any, key: str | None = None) -> str:
    response = post_json(client, "/support-requests", support_body(), key or new_key())
    assert response.status_code == 201, response.body
    return str(json.loads(response.body)["reference"])


def _move(client: Any, token: str, reference: str, version: int, to: str, **extra: str) -> int:
    response = _post(client, f"/staff/support/requests/{reference}/transitions",
                     {"to": to, "version": version, **extra}, token)
    assert response.status_code == 200, response.body
    return int(json.loads(response.body)["version"])


def test_each_event_of_a_request_sends_one_message_and_a_retry_sends_none_more(client, worker):
    key = new_key()
    reference = _submit(client, key)
    assert _submit(client, key) == reference  # the portal's retry: the first answer, nothing new
    version = _move(client, worker, reference, 1, "accepted")
    version = _move(client, worker, reference, version, "callback")
    _move(client, worker, reference, version, "closed", outcome="多次联系不上，张敏家属电话停机。",
          public_message="多次回电未接通，如仍需帮助请再次提交或拨打12351。")
    messages = _messages(reference)
    assert [m["template"] for m in messages] == [
        "support_received", "support_accepted", "support_callback_missed", "support_closed"]
    assert {m["to"] for m in messages} == {"13800138000"} and {m["state"] for m in messages} == {"pending"}
    assert messages[-1]["params"] == {"ref": reference, "reply": "多次回电未接通，如仍需帮助请再次提交或拨打12351。"}
    text = json.dumps(messages, ensure_ascii=False)
    assert not [word for word in SENSITIVE if word in text]  # the staff-only outcome never goes out


def test_new_requests_in_a_window_make_one_alert_to_the_unit_counting_them_all(client, seeded):
    first, second = _submit(client), _submit(client)
    alerts = outbox.messages_about(outbox.about("queue", "taishan"))
    assert len(alerts) == 1, alerts
    [alert] = alerts
    assert alert["template"] == "staff_new_requests" and alert["channel"] == "unit" and alert["to"] == "taishan"
    assert outbox.batched_count(alert) == 2 and alert["count"] == 1 and alert["hold_until"] > alert["created_at"]
    assert first not in json.dumps(alert) or second not in json.dumps(alert)  # no request's detail in it


def test_staff_see_a_requests_messages_masked_and_a_sibling_county_does_not(client, worker, staff_token):
    reference = _submit(client)
    response = _get(client, f"/staff/support/requests/{reference}/messages", worker)
    assert response.status_code == 200, response.body
    [item] = json.loads(response.body)["items"]
    assert item["template"] == "support_received" and item["to"] == "138****8000"
    assert item["state_label"] == "待发送" and item["template_label"] == "求助已收到"
    neighbour = staff_token("daiyue.worker", "daiyue", ["caseworker"])
    assert _get(client, f"/staff/support/requests/{reference}/messages", neighbour).status_code == 404
    message_id = item["id"]
    path = f"/staff/support/requests/{reference}/messages/{message_id}/resend"
    assert _post(client, path, None, neighbour).status_code == 404


def test_a_resend_makes_one_new_message_audited_even_when_retried(client, worker):
    reference = _submit(client)
    [first] = _messages(reference)
    key = new_key()
    path = f"/staff/support/requests/{reference}/messages/{first['id']}/resend"
    answers = [_post(client, path, None, worker, key) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201] and answers[0].body == answers[1].body
    messages = _messages(reference)
    assert len(messages) == 2 and messages[1]["resent_from"] == first["id"]
    same = ("template", "to", "params")
    assert {k: messages[1][k] for k in same} == {k: first[k] for k in same}
    assert [e["action"] for e in audit.history("support", reference)].count("message.resend") == 1
    other = _submit(client)
    elsewhere = f"/staff/support/requests/{other}/messages/{first['id']}/resend"
    assert _post(client, elsewhere, None, worker).status_code == 404  # a message of another record


def test_a_refused_transition_puts_no_message(client, worker):
    reference = _submit(client)
    response = _post(client, f"/staff/support/requests/{reference}/transitions", {"to": "resolved", "version": 1},
                     worker)
    assert response.status_code in (409, 422)
    assert [m["template"] for m in _messages(reference)] == ["support_received"]
    assert db.get(*outbox.message_key(_messages(reference)[0]["id"])) is not None
