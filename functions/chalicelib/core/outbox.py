"""The message outbox: a service that changes a state adds the message about it to the same
transaction (`uow.commit([... , outbox.to_phone(...)])`), so a change without its message, or a
message without its change, cannot happen. DynamoDB Streams hand each new message item to the
delivery handler, which sends it once and records the outcome on the item.

Keys (docs/access-patterns.md):
  message            PK=MSG#<id>           SK=MSG
  about a record     GSI1PK=MSGFOR#<about> GSI1SK=<created_at>#<id>   (a record's history shows them)

`about` names the record the message is about, as "<kind>:<reference>" (e.g. "support:ZF7K-3QW9",
"booking:K3QW-9ZF7"), so staff see on that record which messages went out.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Literal

from chalicelib.core import db, times
from chalicelib.core.templates import check

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


def to_unit(template_id: str, unit: str, params: Mapping[str, str], about: str, *,
            message_id: str | None = None, now: str | None = None) -> db.Op:
    """An alert to a union unit's staff (its configured webhook and/or staff phones)."""
    item = message_item(template_id, "unit", unit, params, about, message_id=message_id, now=now)
    return db.put_new(item).named("outbox_message")


def messages_about(about: str, limit: int = 50) -> list[dict[str, Any]]:
    """The messages about one record, oldest first."""
    items, _ = db.query(f"MSGFOR#{about}", "", limit=limit, index="GSI1")
    return items
