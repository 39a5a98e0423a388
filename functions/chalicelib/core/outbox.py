"""The message outbox: a service that changes a state adds the message about it to the same
transaction (`uow.commit([... , outbox.to_phone(...)])`), so a change without its message, or a
message without its change, cannot happen. DynamoDB Streams hand each new message item to the
delivery handler, which sends it once and records the outcome on the item.

Keys (docs/access-patterns.md):
  message            PK=MSG#<id>           SK=MSG
  about a record     GSI1PK=MSGFOR#<about> GSI1SK=<created_at>#<id>   (a record's history shows them)

A batched staff alert (`batched_to_unit`, "never more than one message per few minutes per unit")
is one message item per unit and window (its id is `<template>-<unit>-<window start>`). A change
that finds no alert for its window yet (an eventually consistent read) creates it or counts into it
with one conditional-free update (the stream's INSERT; a MODIFY, which delivery ignores); a change
that finds it adds 1 to one of BATCH_COUNT_SHARDS count items chosen at random instead, so a surge of
requests to one unit does not make every transaction write the same item (concurrent transactions
on one item cancel each other). The item says `hold_until` (the window's end): delivery sends it
then, filling the `${count}` placeholder with the item's `count` plus its shards', read at that
moment (`batched_count`), so the text counts every change of the window. Items are never more than
one per unit and window, whatever the concurrency.

Keys of the shards: PK=COUNT#MSG#<message id>  SK=<n>

`about` names the record the message is about, as "<kind>:<reference>" (e.g. "support:ZF7K-3QW9",
"booking:K3QW-9ZF7"), so staff see on that record which messages went out.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from chalicelib.core import audit, db, errors, labels, personal, times, uow
from chalicelib.core.errors import FieldError
from chalicelib.core.models import ResponseModel
from chalicelib.core.templates import TEMPLATES, TemplateError, check

Channel = Literal["sms", "unit"]
KEEP_DAYS = 180  # a message item (it holds the phone) is removed by the table's TTL after this
PENDING = "pending"


def message_key(message_id: str) -> tuple[str, str]:
    return f"MSG#{message_id}", "MSG"


def about(kind: str, reference: str) -> str:
    return f"{kind}:{reference}"


def message_item(template_id: str, channel: Channel, to: str, params: Mapping[str, str], about: str,
                 *, message_id: str | None = None, now: str | None = None) -> dict[str, Any]:
    template = check(template_id, params)
    message_id = message_id or uuid.uuid4().hex
    created_at = now or times.now_iso()
    pk, sk = message_key(message_id)
    return {
        "PK": pk, "SK": sk, "type": "message", "id": message_id, "template": template_id,
        "channel": channel, "to": to, "params": dict(params), "about": about, "urgent": template.urgent,
        "state": PENDING, "attempts": 0, "created_at": created_at,
        "GSI1PK": f"MSGFOR#{about}", "GSI1SK": f"{created_at}#{message_id}",
        "ttl": int(times.parse(created_at).timestamp()) + KEEP_DAYS * 86400,
    }


def to_phone(template_id: str, phone: str, params: Mapping[str, str], about: str, *,
             message_id: str | None = None, now: str | None = None) -> db.Op:
    """A text message to a worker's phone (as stored on the record), as an op of the change's
    transaction."""
    item = message_item(template_id, "sms", phone, params, about, message_id=message_id, now=now)
    return db.put_new(item).named("outbox_message")


def to_phone_with_words(template_id: str, phone: str, params: Mapping[str, str], about: str, *, field: str,
                        now: str | None = None) -> db.Op:
    """`to_phone` for a message carrying staff's own words (a reply, a reason), given in the request's
    `field`: words that may not go into a text message (an ID number) are that field's error."""
    try:
        return to_phone(template_id, phone, params, about, now=now)
    except TemplateError:
        raise errors.validation_failed([FieldError(field, "不能含身份证号码（这段话会以短信发给本人）")]) from None


def to_unit(template_id: str, unit: str, params: Mapping[str, str], about: str, *,
            message_id: str | None = None, now: str | None = None) -> db.Op:
    """An alert to a union unit's staff (its configured webhook and/or staff phones)."""
    item = message_item(template_id, "unit", unit, params, about, message_id=message_id, now=now)
    return db.put_new(item).named("outbox_message")


BATCH_WINDOW_SECONDS = 300  # a unit gets at most one batched alert per five minutes


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def window_start(at: str, seconds: int = BATCH_WINDOW_SECONDS) -> str:
    """The start (UTC, ISO) of the batching window an instant falls in."""
    epoch = int(times.parse(at).timestamp())
    return _iso(epoch - epoch % seconds)


BATCH_COUNT_SHARDS = 10


def batch_count_key(message_id: str, shard: int) -> tuple[str, str]:
    return f"COUNT#MSG#{message_id}", str(shard)


def batched_to_unit(template_id: str, unit: str, params: Mapping[str, str], about: str, *,
                    now: str | None = None, seconds: int = BATCH_WINDOW_SECONDS) -> db.Op:
    """Count one more change into the unit's alert for this window, creating the alert (to be
    sent at the window's end) when the window has none yet. `params` holds every placeholder but
    `count`, which delivery fills in (`batched_count`)."""
    created_at = now or times.now_iso()
    start = window_start(created_at, seconds)
    message_id = f"{template_id}-{unit}-{start}"
    if db.get(*message_key(message_id)) is not None:
        shard = random.randrange(BATCH_COUNT_SHARDS)  # noqa: S311 - spreading writes, not crypto
        expires = int(times.parse(start).timestamp()) + KEEP_DAYS * 86400
        return db.update(*batch_count_key(message_id, shard), "SET #type = :type, #ttl = :ttl ADD #count :one",
                         names={"#type": "type", "#ttl": "ttl", "#count": "count"},
                         values={":type": "message_count", ":ttl": expires, ":one": 1}).named("outbox_batched")
    item = message_item(template_id, "unit", unit, {**params, "count": "1"}, about,
                        message_id=message_id, now=created_at)
    start_epoch = int(times.parse(start).timestamp())
    item["hold_until"] = _iso(start_epoch + seconds)
    item["count_param"] = "count"
    names = {"#count": "count"}
    values: dict[str, Any] = {":one": 1}
    sets = []
    for i, (attr, value) in enumerate(item.items()):
        if attr in ("PK", "SK"):
            continue
        names[f"#a{i}"], values[f":a{i}"] = attr, value
        sets.append(f"#a{i} = if_not_exists(#a{i}, :a{i})")
    return db.update(*message_key(message_id), "SET " + ", ".join(sets) + " ADD #count :one",
                     names=names, values=values).named("outbox_batched")


def batched_count(message: Mapping[str, Any]) -> int:
    """How many changes a batched alert counts: its own `count` and its shards' (read consistently)."""
    pk, _ = batch_count_key(str(message["id"]), 0)
    shards = db.query_all({"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": pk},
                           "ConsistentRead": True})
    return int(message.get("count") or 0) + sum(int(s.get("count") or 0) for s in shards)


def _resend(message: Mapping[str, Any], *, now: str | None = None) -> db.Op:
    """A new message with the same template, recipient and values as an earlier one (staff's
    resend): a new item, so delivery sends it as any other; it names the one it repeats."""
    params = {k: str(v) for k, v in dict(message["params"]).items()}
    if message.get("count_param"):
        params[str(message["count_param"])] = str(batched_count(message))
    item = message_item(str(message["template"]), message["channel"], str(message["to"]), params,
                        str(message["about"]), now=now)
    item["resent_from"] = message["id"]
    return db.put_new(item).named("outbox_message")


def get_message(message_id: str) -> dict[str, Any] | None:
    return db.get(*message_key(message_id), consistent=True)


# --- what staff see on a record's history, and a resend -------------------------------------------

# How each record's message routes (its history, a resend) describe themselves in the API document.
HISTORY_DESCRIPTION = "按时间先后列出；手机号码已部分隐去。"
RESEND_DESCRIPTION = "用同一模板、同一号码和内容新发一条，记入操作日志；原记录不变。"
MESSAGE_ID = {"message_id": "短信记录编号"}


class SentMessage(ResponseModel):
    id: str
    template: str
    template_label: str
    channel: str
    to: str  # a phone masked, or the unit an alert went to
    state: str
    state_label: str
    attempts: int
    created_at: str
    updated_at: str | None = None
    sent_at: str | None = None
    error: str | None = None
    resent_from: str | None = None


class MessageHistory(ResponseModel):
    items: list[SentMessage]


def _view(item: Mapping[str, Any]) -> SentMessage:
    state = str(item.get("state", PENDING))
    to = str(item.get("to") or personal.ERASED_BY_REQUEST)
    template = TEMPLATES.get(str(item.get("template")))
    return SentMessage(
        id=str(item["id"]), template=str(item["template"]), template_label=template.purpose if template else "",
        channel=str(item.get("channel", "sms")), to=personal.mask_phone(to) if item.get("channel") == "sms" else to,
        state=state, state_label=labels.MESSAGE_STATE_LABELS.get(state, state), attempts=int(item.get("attempts", 0)),
        created_at=str(item["created_at"]), updated_at=item.get("updated_at"), sent_at=item.get("sent_at"),
        error=item.get("error"), resent_from=item.get("resent_from"))


def history(about: str) -> MessageHistory:
    """The messages about one record, oldest first, phones masked."""
    return MessageHistory(items=[_view(i) for i in messages_about(about, limit=200)])


def resend(about: str, message_id: str, *, actor: str, entity: str, entity_id: str, unit_id: str | None) -> SentMessage:
    """Send one of a record's messages again (staff's resend, audited): a new message item with the
    same template, recipient and values, and the audit entry, in one transaction. A message not
    about this record is 404 alike; one whose phone was erased cannot be sent again."""
    message = get_message(message_id) if message_id.replace("-", "").isalnum() else None
    if message is None or message.get("about") != about:
        raise errors.not_found("没有这条短信记录。")
    if not message.get("to") or message.get("anonymised_at"):
        raise errors.conflict("这条短信的手机号码已按本人要求清除，不能重发。", "erased")
    op = _resend(message)
    item = op.params["Item"]
    db_ops = [op, audit.entry(actor=actor, action="message.resend", entity=entity, entity_id=entity_id,
                              unit_id=unit_id, after={"message": item["id"], "resent_from": message_id,
                                                      "template": item["template"]})]
    uow.commit(db_ops)
    return _view(item)


def messages_about(about: str, limit: int = 50) -> list[dict[str, Any]]:
    """The messages about one record, oldest first."""
    items, _ = db.query(f"MSGFOR#{about}", "", limit=limit, index="GSI1")
    return items
