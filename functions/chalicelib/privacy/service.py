"""A person's rights over their data (see it, erase it) by reference + phone, and the policy."""

from __future__ import annotations

from typing import Any

from chalicelib.core import audit, db, errors, outbox, refs, retention, times, uow
from chalicelib.core.auth import Principal
from chalicelib.privacy import rules  # registers the retention rules
from chalicelib.privacy.models import Erased, EraseIn, HeldRecord, MyData, MyDataIn, Policy, PolicyIn
from chalicelib.status.models import LookupIn

ONE_TRANSACTION = db.MAX_TRANSACTION_ITEMS  # an erasure this size or smaller is all or nothing
BATCH = 90  # writes a transaction when it is larger
LOOKED_UP = "privacy_looked_up"  # the template of the notice a look-up sends


def _record(body: LookupIn) -> dict[str, Any]:
    _, record = refs.resolve(body.reference, body.phone)
    return record


def _held(item: dict[str, Any]) -> HeldRecord:
    rule = retention.RULES[str(item["type"])]
    return HeldRecord(kind=rule.record_type, label=rule.label,
                      fields={k: str(v) for k, v in retention.personal_view(item).items()},
                      anonymised=bool(item.get("anonymised_at")))


def my_data(body: MyDataIn) -> MyData:
    """Everything held about the person: the record their reference opens and every record reached
    from it through the record graph (privacy/rules.py). The phone on the record is told it was looked up;
    those notices themselves are left out of the answer (they hold the phone shown on the record, and
    listing them would make every look-up's answer longer than the last)."""
    record = _record(body)
    held = [_held(i) for i in retention.graph(record)
            if str(i.get("type")) in retention.RULES and i.get("template") != LOOKED_UP]
    root = held[0]
    _notice_looked_up(record, body.phone)
    return MyData(reference=record.get("reference", body.reference), label=root.label, fields=root.fields,
                  anonymised=root.anonymised, records=held)


def _reference(record: dict[str, Any]) -> str:
    return str(record.get("reference") or record.get("id") or record.get("worker_id") or "")


def _about(record: dict[str, Any], reference: str) -> str:
    """How the messages about the record name it (the record's own message history)."""
    return outbox.about(rules.MESSAGE_KIND.get(str(record["type"]), str(record["type"])), reference)


def _notice_looked_up(record: dict[str, Any], phone: str) -> None:
    """A security notice to the phone on the record: its information was looked up, when, by which
    reference, and nothing else. The phone is the one the caller proved (its keyed hash is the
    record's), so the notice reaches the phone's owner whoever looked. A record whose personal data
    is erased holds no phone and gets none."""
    if retention.erased(record):
        return
    reference = _reference(record)
    now = audit.now_iso()
    notice = outbox.to_phone(LOOKED_UP, phone, {"ref": reference, "when": times.shanghai_text(now)},
                             _about(record, reference), now=now)
    if str(record["type"]) not in rules.MESSAGE_KIND:
        # no erasure reaches the messages about this kind of record: the notice forgets the phone once sent
        notice.params["Item"]["forget_after_sending"] = True
    uow.commit([notice])


def erase(body: EraseIn) -> Erased:
    """Remove the personal data of the whole graph, in one transaction when it fits. A larger graph
    goes farthest first, BATCH writes a transaction, and the record the reference opens last, with
    its reference item and the audit entry: if a transaction fails, the person asks again with the
    same reference and what is left is found and erased."""
    if not body.confirm:
        raise errors.validation_failed([errors.FieldError("confirm", "确认删除需要勾选")])
    record = _record(body)
    items = retention.graph(record)
    opening = [i for i in items[1:] if i.get("type") == "ref"
               and (i.get("target_pk"), i.get("target_sk")) == (record["PK"], record["SK"])]
    last = retention.erase_ops([record, *opening], retention.REQUEST)
    if not retention.erase_ops([record], retention.REQUEST):
        raise errors.conflict("这条记录的个人信息已经清除。", "already-erased")
    rest = retention.erase_ops([i for i in items[1:] if i not in opening], retention.REQUEST)
    reference = _reference(record)
    last.append(audit.entry(actor="public", action="privacy.erase", entity=str(record["type"]),
                            entity_id=reference, unit_id=record.get("unit_id") or record.get("county_unit_id"),
                            after={"records": len(items)}))
    # The confirmation goes to the phone the person gave now (the record's is erased). It is the one
    # item left holding that phone, and only until it is sent: it asks delivery to forget the phone
    # once the outcome is recorded (`forget_after_sending`); the retention rule covers it meanwhile.
    done = outbox.to_phone("privacy_done", body.phone, {"action": "删除", "ref": reference}, _about(record, reference))
    done.params["Item"]["forget_after_sending"] = True
    last.append(done)
    if len(rest) + len(last) <= ONE_TRANSACTION:
        uow.commit([*rest, *last])
    else:
        for start in range(0, len(rest), BATCH):
            uow.commit(rest[start:start + BATCH])
        uow.commit(last)
    erased = db.get(record["PK"], record["SK"]) or {}  # a record that exists only to reach the person is gone
    return Erased(reference=reference, anonymised_at=str(erased.get("anonymised_at") or audit.now_iso()))


def _policy() -> Policy:
    current = retention.policy()
    after = retention.purge_after(current)
    return Policy(**current, purge_after=after.isoformat() if after else None)


def get_policy() -> Policy:
    return _policy()


def set_policy(body: PolicyIn, by: Principal) -> Policy:
    before = retention.policy()
    after = {"epidemic_ended_on": body.epidemic_ended_on.isoformat() if body.epidemic_ended_on else None,
             "retention_days": body.retention_days}
    uow.commit([retention.policy_op(body.epidemic_ended_on, body.retention_days),
                audit.entry(actor=by.actor, action="privacy.policy", entity="config", entity_id="privacy",
                            unit_id=by.unit_id, before=before, after=after)])
    return _policy()
