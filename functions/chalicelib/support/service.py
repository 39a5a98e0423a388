"""Support requests: intake from the portal, partners and the hotline, routed to a unit, and the
staff work on them (queue, lifecycle, notes, reassignment, counsellors, roll-ups)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core import audit, db, errors, labels, outbox, personal, refs, roles, templates, times, uow
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.core.times import SHANGHAI, now_seconds
from chalicelib.orgs import service as orgs
from chalicelib.orgs.models import UnitKind
from chalicelib.support import store
from chalicelib.support.categories import CATEGORIES
from chalicelib.support.models import ContactRecordedIn, HotlineIntakeIn, SupportRequestCreated, SupportRequestIn

STATUS_LABELS = labels.SUPPORT_STATUS_LABELS
CONSENT_PURPOSE = "support_request"
_COUNTY_KINDS = {UnitKind.county_union, UnitKind.zone_union}

# Roles that work requests in their unit's subtree; auditors read them; a counsellor works only
# the requests assigned to them, wherever they are.
ACT, READ = roles.CASEWORK, roles.CASEWORK_READ
COUNSELLOR = roles.COUNSELLOR

# Allowed status changes. A request is finished (and leaves the open list) in TERMINAL.
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"accepted", "rejected"}),
    "accepted": frozenset({"in_progress", "callback", "rejected"}),
    "in_progress": frozenset({"callback", "resolved", "closed", "rejected"}),
    "callback": frozenset({"callback", "accepted", "in_progress", "closed"}),
    "resolved": frozenset(),
    "closed": frozenset(),
    "rejected": frozenset(),
}
TERMINAL = frozenset({"resolved", "closed", "rejected"})




def _route(body: SupportRequestIn | ContactRecordedIn | HotlineIntakeIn) -> tuple[str, str, str]:
    """The unit that handles the request: the requester's own union if known, else the county's."""
    try:
        county, path = orgs.located_unit(body.county_unit_id)
    except errors.ProblemError as exc:
        if exc.status >= 500:  # an outage is not a missing record
            raise
        county = None
    if county is None or county.kind not in _COUNTY_KINDS:
        raise errors.validation_failed([FieldError("county_unit_id", "所在县市区不是可选的值")])
    unit = county
    if body.unit_id:
        try:
            unit, path = orgs.located_unit(body.unit_id)
        except errors.ProblemError as exc:
            if exc.status >= 500:  # an outage is not a missing record
                raise
            raise errors.validation_failed([FieldError("unit_id", "所在单位的工会不存在")]) from None
    return unit.id, unit.name, path


def chain(unit_path: str) -> list[str]:
    """The unit and each of its ancestors, from a materialised path like /city/taishan/x/."""
    return [part for part in unit_path.split("/") if part]


def week_of(created_at: str) -> str:
    """The Monday (Beijing date, YYYY-MM-DD) of the week a request was created in."""
    day = datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone(SHANGHAI).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def submit(body: SupportRequestIn | ContactRecordedIn, caller: Principal | None,
           linked: Callable[[str], list[db.Op]] | None = None) -> SupportRequestCreated:
    """A request from the portal (caller None) or a partner app (its channel is recorded).
    `linked(reference)` gives records another domain keeps with the request, written in the
    same transaction (all or nothing)."""
    channel = caller.channel if caller else "portal"
    actor = caller.actor if caller else "public"
    return _create(body, channel, actor, None, caller.id if caller else None, linked)


def hotline_intake(body: HotlineIntakeIn, operator: Principal) -> SupportRequestCreated:
    """A call to the hotline typed in by an operator: channel hotline, the operator recorded."""
    return _create(body, "hotline", operator.actor, operator.id, None)


def _create(body: SupportRequestIn | ContactRecordedIn | HotlineIntakeIn, channel: str, actor: str,
            operator: str | None, partner_id: str | None,
            linked: Callable[[str], list[db.Op]] | None = None) -> SupportRequestCreated:
    unit_id, unit_name, unit_path = _route(body)
    now = times.now()
    created_at = audit.now_iso()
    due_at = (now + timedelta(hours=CATEGORIES[body.category].due_hours)).isoformat(timespec="seconds")
    due_at = due_at.replace("+00:00", "Z")
    phone_hash = personal.keyed_hash("phone", body.phone)
    consent_version = getattr(body, "consent_version", "hotline-oral")

    def build(reference: str) -> list[db.Op]:
        record: dict[str, Any] = {
            "type": "support_request", "reference": reference, "category": body.category,
            "description": body.description, "name": body.name, "phone": body.phone, "phone_hash": phone_hash,
            "county_unit_id": body.county_unit_id, "unit_id": unit_id, "unit_path": unit_path,
            "frontline": body.frontline.value, "channel": channel, "status": "submitted", "version": 1,
            "created_at": created_at, "updated_at": created_at, "due_at": due_at, "callback_attempts": 0,
            "consent": {"purpose": CONSENT_PURPOSE, "version": consent_version, "at": created_at},
        }
        for optional in ("relation", "contact_time"):
            value = getattr(body, optional)
            if value:
                record[optional] = value
        if body.unit_id:
            record["requested_unit_id"] = body.unit_id
        if operator:
            record["operator"] = operator
        pk, sk = store.request_key(reference)
        ops = [
            store.open_request(record),
            *refs.index_ops(reference, "support", pk, sk, body.phone, created_at, partner_id),
            store.link_caller(phone_hash, reference, created_at, body.category),
            *store.list_open(record),
            *[store.counter_op(u, body.category, {"total": 1, "submitted": 1}) for u in chain(unit_path)],
            *[store.week_counter_op(u, week_of(created_at), 1) for u in chain(unit_path)],
            audit.entry(actor=actor, action="support.submit", entity="support", entity_id=reference,
                        unit_id=unit_id, after=record),
        ]
        if operator:
            ops.append(store.log_intake(operator, reference, created_at, body.category))
        if not personal.is_landline(body.phone):  # a landline caller is told the reference on the call
            ops.append(outbox.to_phone("support_received", body.phone, {"ref": reference}, about(reference),
                                       now=created_at))
        ops.append(new_request_alert(unit_id, unit_name, created_at))
        return ops + (linked(reference) if linked else [])

    reference = refs.create_with_reference(build)
    return SupportRequestCreated(reference=reference, status="submitted", status_label=STATUS_LABELS["submitted"],
                                 unit_name=unit_name, due_at=due_at)


def about(reference: str) -> str:
    """How the messages about a request name it."""
    return outbox.about("support", reference)


def new_request_alert(unit_id: str, unit_name: str, at: str) -> db.Op:
    """The unit's staff are told of new requests in their queue, at most once per window per unit
    (core.outbox.batched_to_unit: the first request of the window makes the alert, later ones
    count into it)."""
    return outbox.batched_to_unit("staff_new_requests", unit_id, {"unit": unit_name[:templates.PARAM_MAX]},
                                  outbox.about("queue", unit_id), now=at)


def send_overdue_digests(now: str | None = None) -> int:
    """Once a day: each unit with requests of its own past their due time gets one alert saying how
    many (a COUNT Query of the unit's open list per unit of the tree; never a Scan). The alert's id
    names the unit and the Beijing day, so a second run the same day adds nothing. Returns how many
    alerts were put."""
    now = now or times.now_seconds()
    day = times.local_date(now).isoformat()
    put = 0
    for unit in orgs.all_units():
        count = store.overdue_count(unit["id"], now)
        if not count:
            continue
        op = outbox.to_unit("staff_overdue_digest", unit["id"],
                            {"unit": str(unit["name"])[:templates.PARAM_MAX], "count": str(count)},
                            outbox.about("queue", unit["id"]), message_id=f"staff_overdue_digest-{unit['id']}-{day}")
        try:
            uow.commit([op])
            put += 1
        except errors.ProblemError as exc:
            if exc.status != 409:  # 409: this unit's digest of the day is already out
                raise
    return put


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


# --- who may see and work a request -------------------------------------------------------------

def can_read(by: Principal, record: dict[str, Any]) -> bool:
    if by.roles & set(READ) and by.covers(record["unit_path"]):
        return True
    return COUNSELLOR in by.roles and record.get("counsellor") == by.id


def can_work(by: Principal, record: dict[str, Any]) -> bool:
    if by.roles & set(ACT) and by.covers(record["unit_path"]):
        return True
    return COUNSELLOR in by.roles and record.get("counsellor") == by.id


def load(reference: str, by: Principal, work: bool = False) -> dict[str, Any]:
    """The request, or 404 alike when it does not exist or lies outside what the caller may see."""
    record = store.get_request(reference.upper(), consistent=True)
    if record is None or not (can_work(by, record) if work else can_read(by, record)):
        raise errors.not_found()
    return record


def unit_path_in_scope(unit_id: str, by: Principal) -> str:
    """The unit's path when it is in the caller's subtree; 404 alike for a missing unit."""
    return orgs.scoped_path(unit_id, by)


def is_overdue(record: dict[str, Any], now: str | None = None) -> bool:
    return record["status"] not in TERMINAL and str(record["due_at"]) < (now or now_seconds())
