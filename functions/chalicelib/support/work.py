"""Working a request: status changes checked against the transition table and applied only to the
version the caller read, staff notes, reassignment within the caller's subtree, and assignment
to a counsellor. Each change writes its audit entry and the counters in the same transaction."""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib.core import audit, db, demo, errors, outbox, personal, retention, roles, templates, uow
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.orgs import service as orgs
from chalicelib.support import store
from chalicelib.support.models import AssignIn, CounsellorAssignIn, Note, NoteIn, TransitionIn
from chalicelib.support.service import (
    STATUS_LABELS,
    TERMINAL,
    TRANSITIONS,
    about,
    chain,
    load,
    new_request_alert,
    unit_path_in_scope,
    week_of,
)

PSYCHOLOGICAL = "psychological"


def _check_version(record: dict[str, Any], version: int) -> None:
    if record["version"] != version:
        raise errors.version_conflict()


def _audit(by: Principal, action: str, record: dict[str, Any], before: dict[str, Any],
           after: dict[str, Any]) -> db.Op:
    return audit.entry(actor=by.actor, action=action, entity="support", entity_id=record["reference"],
                       unit_id=after.get("unit_id", record["unit_id"]), before=before, after=after)


def transition(reference: str, body: TransitionIn, by: Principal) -> dict[str, Any]:
    """Move a request to another status. Returns the changed record."""
    record = load(reference, by, work=True)
    _check_version(record, body.version)
    current, target = record["status"], body.to.value
    if target not in TRANSITIONS[current]:
        raise errors.conflict(f"当前状态为「{STATUS_LABELS[current]}」，不能变更为「{STATUS_LABELS[target]}」。",
                              "invalid-transition")
    problems = []
    if target in ("resolved", "closed") and not body.outcome:
        problems.append(FieldError("outcome", "办结或关闭时须填写办理结果"))
    if target == "rejected" and not body.reason:
        problems.append(FieldError("reason", "不予受理时须填写理由"))
    if problems:
        raise errors.validation_failed(problems)
    at = audit.now_iso()
    changes: dict[str, Any] = {"status": target, "updated_at": at, "updated_by": by.id}
    if target == "accepted" and "accepted_by" not in record:
        changes.update(accepted_by=by.id, accepted_at=at)
    if target == "callback":
        changes["callback_attempts"] = int(record.get("callback_attempts", 0)) + 1
    for field in ("outcome", "reason", "public_message"):
        value = getattr(body, field)
        if value:
            changes[field] = value
    if target in TERMINAL:
        changes["finished_at"] = at
    ops: list[db.Op] = [_audit(by, "support.transition", record, {"status": current},
                               {k: v for k, v in changes.items() if k != "updated_at"})]
    if target != current:
        ops += [store.counter_op(u, record["category"], {current: -1, target: 1}) for u in chain(record["unit_path"])]
    if target in TERMINAL:
        ops += store.unlist_open(record)
        if record.get("counsellor"):
            ops.append(store.release_counsellor(record["counsellor"]))
    ops += _tell_requester(record, target, body, at)
    with demo.of(record):  # a demo request's change counts nowhere either
        uow.commit_versioned([store.transition(record["reference"], changes, body.version), *ops],
                             *store.request_key(record["reference"]))
    return {**record, **changes, "version": body.version + 1}


NO_REPLY = "详情可在门户“查询进度”用编号和手机号查看"


def _tell_requester(record: dict[str, Any], target: str, body: TransitionIn, at: str) -> list[db.Op]:
    """The text message a status change sends the requester (to the phone on the request): the
    first acceptance, each missed callback, and the end with the reply staff wrote for them."""
    if retention.erased(record) or not record.get("phone") or personal.is_landline(record["phone"]):
        return []  # a landline takes no text: the caller asks the hotline, or looks up the reference
    ref = record["reference"]
    params: dict[str, str] = {"ref": ref}
    if target == "accepted" and "accepted_by" not in record:
        template = "support_accepted"
    elif target == "callback":
        template = "support_callback_missed"
    elif target in TERMINAL:
        template = "support_resolved" if target == "resolved" else "support_closed"
        params["reply"] = templates.shorten(body.public_message or NO_REPLY)
    else:
        return []
    return [outbox.to_phone_with_words(template, record["phone"], params, about(ref), field="public_message", now=at)]


def resend_message(reference: str, message_id: str, by: Principal) -> outbox.SentMessage:
    """Send one of the request's messages again (audited)."""
    record = load(reference, by, work=True)
    return outbox.resend(about(record["reference"]), message_id, actor=by.actor, entity="support",
                         entity_id=record["reference"], unit_id=record["unit_id"])


def add_note(reference: str, body: NoteIn, by: Principal) -> Note:
    """A staff-only note; the requester never sees it."""
    record = load(reference, by, work=True)
    if retention.erased(record):
        raise errors.conflict("这条求助的个人信息已按本人要求删除，不能再添加备注。", "erased")
    at = audit.now_iso()
    suffix = secrets.token_hex(4)
    author = by.name or by.id
    uow.commit([
        store.add_note(record["reference"], at, suffix, body.text, author),
        _audit(by, "support.note", record, {}, {"note": f"{at}#{suffix}"}),
    ])
    return Note(text=body.text, author=author, at=at)


def reassign(reference: str, body: AssignIn, by: Principal) -> dict[str, Any]:
    """Move a request to another unit inside the caller's subtree."""
    record = load(reference, by, work=True)
    if not by.roles & set(roles.CASEWORK):
        raise errors.forbidden()
    _check_version(record, body.version)
    if record["status"] in TERMINAL:
        raise errors.conflict("已办结的求助不能改派。", "finished")
    new_path = unit_path_in_scope(body.unit_id, by)
    if body.unit_id == record["unit_id"]:
        raise errors.conflict("该求助已由这个单位办理。", "same-unit")
    old_units, new_units = chain(record["unit_path"]), chain(new_path)
    deltas = {"total": 1, record["status"]: 1}
    ops: list[db.Op] = [
        *[store.counter_op(u, record["category"], {k: -v for k, v in deltas.items()})
          for u in old_units if u not in new_units],
        *[store.counter_op(u, record["category"], deltas) for u in new_units if u not in old_units],
        *[store.week_counter_op(u, week_of(record["created_at"]), -1) for u in old_units if u not in new_units],
        *[store.week_counter_op(u, week_of(record["created_at"]), 1) for u in new_units if u not in old_units],
        *store.move_open(record, body.unit_id, new_path),
    ]
    changes: dict[str, Any] = {"unit_id": body.unit_id, "unit_path": new_path, "GSI1PK": store.queue_pk(body.unit_id),
                               "updated_at": audit.now_iso(), "updated_by": by.id}
    after = {"unit_id": body.unit_id, **({"reason": body.reason} if body.reason else {})}
    ops.append(_audit(by, "support.assign", record, {"unit_id": record["unit_id"]}, after))
    ops.append(new_request_alert(body.unit_id, orgs.get_unit(body.unit_id).name, changes["updated_at"]))
    with demo.of(record):
        uow.commit_versioned([store.reassign(record["reference"], changes, body.version), *ops],
                             *store.request_key(record["reference"]))
    return {**record, **changes, "version": body.version + 1}


def assign_counsellor(reference: str, body: CounsellorAssignIn, by: Principal) -> dict[str, Any]:
    """Give a psychological request to a counsellor from the pool (or take it back)."""
    record = load(reference, by, work=True)
    if not by.roles & set(roles.CASEWORK):
        raise errors.forbidden()
    _check_version(record, body.version)
    if record["category"] != PSYCHOLOGICAL:
        raise errors.validation_failed([FieldError("username", "只有心理咨询类求助可以指派心理咨询师")])
    if record["status"] in TERMINAL:
        raise errors.conflict("已办结的求助不能再指派。", "finished")
    previous = record.get("counsellor")
    if body.username == previous:
        return record
    ops: list[db.Op] = []
    if previous:
        ops += [store.release_counsellor(previous),
                store.drop_counsellor_case(previous, record["created_at"], record["reference"])]
    if body.username:
        ops += [store.take_counsellor(body.username),
                store.add_counsellor_case(body.username, record["created_at"], record["reference"])]
    ops.append(_audit(by, "support.counsellor", record, {"counsellor": previous}, {"counsellor": body.username}))
    changes: dict[str, Any] = {"counsellor": body.username, "updated_at": audit.now_iso(), "updated_by": by.id}
    uow.commit_versioned([store.set_counsellor(record["reference"], changes, body.version), *ops],
                         *store.request_key(record["reference"]))
    return {**record, **changes, "version": body.version + 1}
