"""A person's rights over their data (see it, erase it) by reference + phone, and the policy."""

from __future__ import annotations

from typing import Any

from chalicelib.core import audit, db, errors, outbox, refs, retention, uow
from chalicelib.core.auth import Principal
from chalicelib.privacy import rules  # registers the retention rules
from chalicelib.privacy.models import Erased, EraseIn, HeldRecord, MyData, MyDataIn, Policy, PolicyIn
from chalicelib.status.models import LookupIn

ONE_TRANSACTION = db.MAX_TRANSACTION_ITEMS  # an erasure this size or smaller is all or nothing
BATCH = 90  # writes a transaction when it is larger


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
    from it through the record graph (privacy/rules.py)."""
    record = _record(body)
    held = [_held(i) for i in retention.graph(record) if str(i.get("type")) in retention.RULES]
    root = held[0]
    return MyData(reference=record.get("reference", body.reference), label=root.label, fields=root.fields,
                  anonymised=root.anonymised, records=held)


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
    reference = str(record.get("reference") or record.get("id") or record.get("worker_id") or "")
    last.append(audit.entry(actor="public", action="privacy.erase", entity=str(record["type"]),
                            entity_id=reference, unit_id=record.get("unit_id") or record.get("county_unit_id"),
                            after={"records": len(items)}))
    # The confirmation goes to the phone the person gave now (the record's is erased). It is the one
    # item left holding that phone, and only until it is sent: it asks delivery to forget the phone
    # once the outcome is recorded (`forget_after_sending`); the retention rule covers it meanwhile.
    kind = rules.MESSAGE_KIND.get(str(record["type"]), str(record["type"]))
    done = outbox.to_phone("privacy_done", body.phone, {"action": "删除", "ref": reference},
                           outbox.about(kind, reference))
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
