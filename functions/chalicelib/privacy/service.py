"""A person's rights over their data (see it, erase it) by reference + phone, and the policy."""

from __future__ import annotations

from typing import Any

from chalicelib.core import audit, db, errors, refs, retention
from chalicelib.core.auth import Principal
from chalicelib.privacy import rules  # noqa: F401 - registers the retention rules
from chalicelib.privacy.models import Erased, EraseIn, MyData, MyDataIn, Policy, PolicyIn
from chalicelib.status.models import LookupIn


def _record(body: LookupIn) -> dict[str, Any]:
    _, record = refs.resolve(body.reference, body.phone)
    return record


def my_data(body: MyDataIn) -> MyData:
    record = _record(body)
    rule = retention.RULES.get(str(record.get("type")))
    fields = {k: str(v) for k, v in retention.personal_view(record).items()}
    return MyData(reference=record.get("reference", body.reference), label=rule.label if rule else "记录",
                  fields=fields, anonymised=bool(record.get("anonymised_at")))


def erase(body: EraseIn) -> Erased:
    if not body.confirm:
        raise errors.validation_failed([errors.FieldError("confirm", "确认删除需要勾选")])
    record = _record(body)
    ops = retention.erase_ops(record, "person's request")
    if not ops:
        raise errors.conflict("这条记录的个人信息已经清除。", "already-erased")
    reference = str(record.get("reference", ""))
    db.transact([*ops, audit.entry(actor="public", action="privacy.erase", entity=str(record["type"]),
                                   entity_id=reference, unit_id=record.get("unit_id"))])
    erased = db.get(record["PK"], record["SK"]) or {}
    return Erased(reference=reference, anonymised_at=str(erased.get("anonymised_at", "")))


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
    db.transact([retention.policy_op(body.epidemic_ended_on, body.retention_days),
                 audit.entry(actor=by.actor, action="privacy.policy", entity="config", entity_id="privacy",
                             unit_id=by.unit_id, before=before, after=after)])
    return _policy()
