"""Support requests: intake from the portal, partners and the hotline, routed to a unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.core import audit, db, errors, personal, refs
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.orgs import service as orgs
from chalicelib.orgs.models import UnitKind
from chalicelib.support import store
from chalicelib.support.categories import CATEGORIES
from chalicelib.support.models import SupportRequestCreated, SupportRequestIn

STATUS_LABELS = {
    "submitted": "已提交，等待受理",
    "accepted": "已受理",
    "in_progress": "办理中",
    "callback": "未接通，将再次回电",
    "resolved": "已办结",
    "closed": "已关闭",
    "rejected": "未予受理",
}
CONSENT_PURPOSE = "support_request"
_COUNTY_KINDS = {UnitKind.county_union, UnitKind.zone_union}


def _route(body: SupportRequestIn) -> tuple[str, str]:
    """The unit that handles the request: the requester's own union if known, else the county's."""
    try:
        county = orgs.get_unit(body.county_unit_id)
    except errors.ProblemError:
        county = None
    if county is None or county.kind not in _COUNTY_KINDS:
        raise errors.validation_failed([FieldError("county_unit_id", "所在县市区不是可选的值")])
    if body.unit_id:
        try:
            own = orgs.get_unit(body.unit_id)
        except errors.ProblemError:
            raise errors.validation_failed([FieldError("unit_id", "所在单位的工会不存在")]) from None
        return own.id, own.name
    return county.id, county.name


def submit(body: SupportRequestIn, caller: Principal | None) -> SupportRequestCreated:
    """A request from the portal (caller None) or a partner app (its channel is recorded)."""
    channel = caller.channel if caller else "portal"
    actor = caller.actor if caller else "public"
    unit_id, unit_name = _route(body)
    now = datetime.now(UTC)
    created_at = audit.now_iso()
    due_at = (now + timedelta(hours=CATEGORIES[body.category].due_hours)).isoformat(timespec="seconds")
    due_at = due_at.replace("+00:00", "Z")
    phone_hash = personal.keyed_hash("phone", body.phone)

    def build(reference: str) -> list[db.Op]:
        record: dict[str, Any] = {
            "type": "support_request", "reference": reference, "category": body.category,
            "description": body.description, "name": body.name, "phone": body.phone, "phone_hash": phone_hash,
            "county_unit_id": body.county_unit_id, "unit_id": unit_id, "frontline": body.frontline.value,
            "channel": channel, "status": "submitted", "version": 1, "created_at": created_at,
            "updated_at": created_at, "due_at": due_at,
            "consent": {"purpose": CONSENT_PURPOSE, "version": body.consent_version, "at": created_at},
        }
        for optional in ("relation", "contact_time"):
            value = getattr(body, optional)
            if value:
                record[optional] = value
        if body.unit_id:
            record["requested_unit_id"] = body.unit_id
        pk, sk = store.request_key(reference)
        return [
            db.put_new(store.request_item(record)),
            *refs.index_ops(reference, "support", pk, sk, body.phone, created_at, caller.id if caller else None),
            db.put_new(store.caller_item(phone_hash, reference, created_at, body.category)),
            audit.entry(actor=actor, action="support.submit", entity="support", entity_id=reference,
                        unit_id=unit_id, after=record),
        ]

    reference = refs.create_with_reference(build)
    return SupportRequestCreated(reference=reference, status="submitted", status_label=STATUS_LABELS["submitted"],
                                 unit_name=unit_name, due_at=due_at)


def public_status(record: dict[str, Any]) -> dict[str, Any]:
    """What the requester may see of their request."""
    return {
        "reference": record["reference"],
        "kind_label": f"求助：{CATEGORIES[record['category']].label}",
        "status": record["status"],
        "status_label": STATUS_LABELS[record["status"]],
        "updated_at": record["updated_at"],
        "message": record.get("public_message"),
        "unit_name": orgs.get_unit(record["unit_id"]).name,
    }
