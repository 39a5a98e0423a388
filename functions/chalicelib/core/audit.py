"""The audit trail: who did what to which record, when, with the fields before and after.

An audit entry is a transaction item, written in the same transaction as the change it records,
so there is never a change without its entry or an entry without its change.
"""

from __future__ import annotations

import secrets
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from chalicelib.core import db, retention
from chalicelib.core.times import now_iso as now_iso  # the clock records are stamped by

# Fields whose values never enter the trail: it records that they changed, not what they hold. Besides
# these, every field a retention rule calls personal (privacy/rules.py), so a person's erasure never has
# to reach into the trail: it holds nothing of theirs.
PERSONAL_FIELDS = frozenset({
    "phone", "phone_hash", "id_number", "id_hash", "id_masked", "address", "name", "health", "hardship",
    "contact_name", "contact_phone", "description", "relation", "contact_time", "note", "notes", "needs",
    "dietary_notes", "age",
    "adjustment_note", "decision_note",  # a city's notes on a recuperation nominee may touch on health
})
# A staff member's stated reason for a decision (a review returned, a request reassigned) is what the
# trail is for, and request histories show it. The one record type whose `reason` a retention rule
# calls personal, a family's change of contact person, never passes it to the trail.
DECISION_FIELDS = frozenset({"reason"})
REDACTED = "[已隐去]"




def _redact(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    hidden = (PERSONAL_FIELDS | retention.personal_field_names()) - DECISION_FIELDS
    return {k: (REDACTED if k in hidden else v) for k, v in record.items()
            if k not in ("PK", "SK", "GSI1PK", "GSI1SK")}


def entry(*, actor: str, action: str, entity: str, entity_id: str, unit_id: str | None,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> db.Op:
    """A Put of one audit entry, to add to the change's transaction."""
    at = now_iso()
    item: dict[str, Any] = {
        "PK": f"AUDIT#{entity}#{entity_id}",
        "SK": f"{at}#{secrets.token_hex(4)}",
        "type": "audit",
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "at": at,
    }
    if unit_id:
        item["unit_id"] = unit_id
        item["GSI1PK"] = f"AUDITUNIT#{unit_id}"
        item["GSI1SK"] = item["SK"]
    if before is not None:
        item["before"] = _redact(before)
    if after is not None:
        item["after"] = _redact(after)
    return db.put_new(item)


def history(entity: str, entity_id: str, limit: int = 100) -> list[dict[str, Any]]:
    items, _ = db.query(f"AUDIT#{entity}#{entity_id}", limit=limit)
    return items


def actions(entity: str, entity_id: str, prefix: str) -> list[dict[str, Any]]:
    """A record's entries whose action starts with `prefix`, oldest first, when its trail also holds
    many others (a session's: every registration to it): read to its end, the others filtered out."""
    return db.query_all({"KeyConditionExpression": Key("PK").eq(f"AUDIT#{entity}#{entity_id}"),
                         "FilterExpression": Attr("action").begins_with(prefix)})


def record_view(actor: str, unit_id: str, route: str, params: list[tuple[str, Any]]) -> None:
    """Staff views of personal data are audited too (a single Put, after the answer is ready)."""
    at = now_iso()
    target = ",".join(f"{k}={v}" for k, v in params if k != "principal") or "-"
    db.put_one({
        "PK": f"VIEWS#{unit_id}", "SK": f"{at}#{secrets.token_hex(4)}", "type": "audit_view", "actor": actor,
        "action": "view", "route": route, "target": target, "at": at, "unit_id": unit_id,
    })


def views(unit_id: str, limit: int = 100) -> list[dict[str, Any]]:
    items, _ = db.query(f"VIEWS#{unit_id}", limit=limit, forward=False)
    return items
