"""Privacy lifecycle: a person sees and erases their data by reference + phone; after the
retention date the purge leaves no personal data, and what reports count is unchanged."""

import json
import uuid
from datetime import date, timedelta

import boto3

from chalicelib.core import outbox, retention, templates
from chalicelib.privacy import purge, rules  # noqa: F401 - registers the rules
from tests.api.helpers import post_json, problem, support_body
from tests.conftest import scans_allowed

PERSONAL = ("13800138000", "张敏", "孩子这几天情绪低落")


def _submit(client, **overrides):
    response = post_json(client, "/support-requests", support_body(**overrides), str(uuid.uuid4()))
    assert response.status_code == 201
    return json.loads(response.body)["reference"]


def _all_items(table_name):
    with scans_allowed():
        return boto3.resource("dynamodb", region_name="us-east-1").Table(table_name).scan()["Items"]


def _personal_left(table_name, but=None):
    items = [i for i in _all_items(table_name) if i["PK"] != but]
    text = json.dumps(items, ensure_ascii=False, default=str)
    return [value for value in PERSONAL if value in text]


def test_a_person_sees_their_data_by_reference_and_phone(client, seeded):
    reference = _submit(client)
    response = post_json(client, "/privacy/my-data", {"reference": reference, "phone": "13800138000"})
    body = json.loads(response.body)
    assert response.status_code == 200 and body["label"] == "求助记录" and not body["anonymised"]
    assert body["fields"]["name"] == "张敏" and body["fields"]["phone"] == "13800138000"
    assert "phone_hash" not in body["fields"]
    wrong = post_json(client, "/privacy/my-data", {"reference": reference, "phone": "13900139000"})
    assert wrong.status_code == 404


def test_looking_up_ones_data_texts_the_phone_on_record_only_a_time_and_the_reference(client, seeded):
    reference = _submit(client)
    wrong = post_json(client, "/privacy/my-data", {"reference": reference, "phone": "13900139000"})
    assert wrong.status_code == 404
    response = post_json(client, "/privacy/my-data", {"reference": reference, "phone": "13800138000"})
    assert response.status_code == 200, response.body
    about = outbox.about("support", reference)
    [notice] = [m for m in outbox.messages_about(about) if m["template"] == "privacy_looked_up"]
    assert notice["to"] == "13800138000" and set(notice["params"]) == {"ref", "when"}
    text = templates.render("privacy_looked_up", notice["params"], "")
    assert reference in text and not [value for value in PERSONAL[1:] if value in text]
    # staff see it in the request's message history, like every text about the request
    assert "privacy_looked_up" in [m.template for m in outbox.history(about).items]


def test_a_person_erases_their_data_and_the_counted_facts_stay(client, seeded):
    reference = _submit(client)
    response = post_json(client, "/privacy/erase", {"reference": reference, "phone": "13800138000", "confirm": True},
                         str(uuid.uuid4()))
    assert response.status_code == 200, response.body
    # the only item still holding the phone is the erasure's own confirmation, not yet sent, which
    # delivery forgets the phone of once sent; every earlier message about the request lost it
    messages = [i for i in _all_items(seeded) if i.get("type") == "message"]
    confirmation = [m for m in messages if m["template"] == "privacy_done"]
    assert len(confirmation) == 1 and confirmation[0]["forget_after_sending"] is True
    assert [m["template"] for m in messages if "to" not in m] == ["support_received"]
    assert _personal_left(seeded, but=confirmation[0]["PK"]) == []
    from chalicelib.support import store

    record = store.get_request(reference)
    assert record and record["category"] == "psychological" and record["unit_id"] == "taishan"
    assert record["description"] == retention.ERASED and "phone" not in record
    # the reference no longer finds anyone: the phone hash is gone with the look-up item
    again = post_json(client, "/status/lookup", {"reference": reference, "phone": "13800138000"})
    assert again.status_code == 404


def test_erasing_needs_the_confirmation(client, seeded):
    reference = _submit(client)
    response = post_json(client, "/privacy/erase", {"reference": reference, "phone": "13800138000", "confirm": False},
                         str(uuid.uuid4()))
    assert response.status_code == 400 and problem(response)["errors"][0]["field"] == "confirm"


def test_nothing_is_purged_while_the_epidemic_task_goes_on(client, seeded):
    _submit(client)
    assert purge.purge() == {"checked": 0, "anonymised": 0}
    assert _personal_left(seeded) != []


def test_after_the_retention_date_no_personal_data_is_left(client, seeded, staff_token):
    for i in range(3):
        _submit(client, phone=f"1380013800{i}", description=f"孩子这几天情绪低落 {i}")
    token = staff_token("root.admin", "city", ["city_admin"])
    ended = date.today() - timedelta(days=200)
    response = client.http.put("/admin/privacy-policy", headers={"Authorization": f"Bearer {token}",
                                                                 "Content-Type": "application/json"},
                               body=json.dumps({"epidemic_ended_on": ended.isoformat(), "retention_days": 180}))
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["purge_after"] == (ended + timedelta(days=180)).isoformat()
    types_before = sorted(i["type"] for i in _all_items(seeded) if i.get("type") == "support_request")
    with scans_allowed():
        result = purge.purge()
    assert result["anonymised"] >= 3
    assert [v for v in _personal_left(seeded) if not v.startswith("138001380")] == []
    text = json.dumps(_all_items(seeded), ensure_ascii=False, default=str)
    assert "13800138" not in text
    assert sorted(i["type"] for i in _all_items(seeded) if i.get("type") == "support_request") == types_before


def test_every_stored_type_with_personal_fields_has_a_rule(client, seeded):
    """A new record type holding a phone, name, address or ID must get a retention rule."""
    _submit(client)
    personal_keys = {"phone", "name", "address", "id_hash", "id_masked", "phone_hash"}
    for item in _all_items(seeded):
        if personal_keys & set(item) and item.get("type") not in ("unit", "staff", "audit"):
            assert item.get("type") in retention.RULES, f"no retention rule for {item.get('type')}: {sorted(item)}"


def test_an_erasure_in_several_transactions_can_be_asked_again_after_a_failure(client, seeded, staff_token,
                                                                                monkeypatch):
    """A graph too large for one transaction is erased farthest first and the record the reference
    opens last: when the last transaction fails, the reference still opens the record, and asking
    again erases what is left."""
    from chalicelib.core import db
    from chalicelib.privacy import service

    reference = _submit(client)
    token = staff_token("root.admin", "city", ["city_admin"])
    for text in ("孩子这几天情绪低落，电话里又说了一次", "孩子这几天情绪低落，已转心理咨询师"):
        note = client.http.post(f"/staff/support/requests/{reference}/notes", body=json.dumps({"text": text}),
                                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                         "Idempotency-Key": str(uuid.uuid4())})
        assert note.status_code == 201, note.body
    monkeypatch.setattr(service, "ONE_TRANSACTION", 3)
    monkeypatch.setattr(service, "BATCH", 2)
    real = db.transact
    calls: list[int] = []

    def failing_last(ops):
        calls.append(len(ops))
        if any(op.kind == "Put" for op in ops) and calls.count(-1) == 0:  # the last one carries the audit entry
            calls.append(-1)
            raise RuntimeError("fault in the last transaction")
        return real(ops)

    monkeypatch.setattr(db, "transact", failing_last)
    body = {"reference": reference, "phone": "13800138000", "confirm": True}
    try:
        post_json(client, "/privacy/erase", body, str(uuid.uuid4()))
    except RuntimeError:
        pass
    # notes, the caller index and the text message in two, then the record with its reference and confirmation
    assert calls == [2, 2, 4, -1], calls
    assert _personal_left(seeded), "the record itself was not erased yet"
    response = post_json(client, "/privacy/erase", body, str(uuid.uuid4()))
    assert response.status_code == 200, response.body
    # the only item still holding the phone is the erasure's own confirmation, not yet sent, which
    # delivery forgets the phone of once sent; every earlier message about the request lost it
    messages = [i for i in _all_items(seeded) if i.get("type") == "message"]
    confirmation = [m for m in messages if m["template"] == "privacy_done"]
    assert len(confirmation) == 1 and confirmation[0]["forget_after_sending"] is True
    assert [m["template"] for m in messages if "to" not in m] == ["support_received"]
    assert _personal_left(seeded, but=confirmation[0]["PK"]) == []
