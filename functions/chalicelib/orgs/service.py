from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalicelib.core import audit, auth, cache, cognito, errors, labels, pagination, personal, secrets, uow
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.orgs import store
from chalicelib.orgs.models import (
    KIND_LABELS,
    WEBHOOK_HOSTS,
    WEBHOOK_KIND_LABELS,
    AlertPhonesIn,
    Staff,
    StaffCreated,
    StaffIn,
    StaffPage,
    Unit,
    UnitAlerts,
    UnitIn,
    UnitKind,
    UnitPage,
    Webhook,
    WebhookIn,
    WebhookKind,
)


def to_unit(item: dict[str, Any]) -> Unit:
    kind = UnitKind(item["kind"])
    return Unit(id=item["id"], name=item["name"], kind=kind, kind_label=KIND_LABELS[kind],
                parent_id=item.get("parent_id"), county=item.get("county"),
                depth=item["path"].count("/") - 2)


UNIT_TTL_SECONDS = 60.0
"""How long one container trusts a union unit it has read (its name, kind, parent and path). Units
are created by administrators now and then and never renamed or moved, yet nearly every request
reads one or more (routing a support request, checking a caller's scope, charging a fund), so each
container keeps the tree's units it has read for this many seconds. A unit created on this container
is seen here at once; one created on another container may be answered "no such unit" here for as
long as it takes to be read, because a missing unit is never kept (nor could a stranger fill the
cache with made-up ids)."""
_units: cache.Ttl[dict[str, Any] | None] = cache.Ttl(UNIT_TTL_SECONDS)
# The units directly under a unit (a dashboard's rows), kept as long: finding them reads the unit's
# whole subtree in the tree index, filtered to its children (for the city, every unit of the city).
# A unit created on this container is listed under its parent at once, one created on another
# within UNIT_TTL_SECONDS.
_children: cache.Ttl[list[dict[str, Any]]] = cache.Ttl(UNIT_TTL_SECONDS)


def _unit_item(unit_id: str) -> dict[str, Any] | None:
    item = _units.get(unit_id, store.get_unit)
    if item is None:
        _units.forget(unit_id)
    return item


def forget_units() -> None:
    """Drop every cached unit and list of children (after units are written outside create_unit:
    seeding, a restore)."""
    _units.clear()
    _children.clear()


def located_unit(unit_id: str) -> tuple[Unit, str]:
    """The unit and its materialised path, from one (cached) read."""
    item = _unit_item(unit_id)
    if item is None:
        raise errors.not_found("没有这个工会组织。")
    return to_unit(item), str(item["path"])


def get_unit(unit_id: str) -> Unit:
    return located_unit(unit_id)[0]


def unit_path(unit_id: str) -> str:
    return located_unit(unit_id)[1]


def scoped_path(unit_id: str, by: Principal) -> str:
    """The unit's path when it lies in the caller's subtree. A unit that does not exist is answered
    404 as one outside the subtree is (auth.require_in_scope), so neither tells the other apart."""
    try:
        path = unit_path(unit_id)
    except errors.ProblemError as exc:
        if exc.status >= 500:  # an outage is not a missing record
            raise
        raise errors.not_found() from None
    auth.require_in_scope(by, path)
    return path


def subtree(unit_id: str, cursor: str | None, limit: int = 100) -> UnitPage:
    """The unit and every unit under it, in tree order, one page at a time."""
    path = unit_path(unit_id)
    scope = f"units:{path}"
    items, last = store.subtree_page(path, pagination.size(limit), pagination.decode_cursor(cursor, scope))
    return UnitPage(items=[to_unit(i) for i in items], next_cursor=pagination.encode_cursor(last, scope))


def children(unit_id: str) -> list[Unit]:
    """The units directly under a unit, in tree order (kept per container, as units are)."""
    return [to_unit(i) for i in _children.get(unit_id, lambda u: store.children(unit_path(u), u))]


# --- administration: units and staff, always inside the administrator's own subtree ---------------

def create_unit(body: UnitIn, by: Principal) -> Unit:
    parent = store.get_unit(body.parent_id)
    auth.require_in_scope(by, parent["path"] if parent else None)
    assert parent is not None
    if body.kind == UnitKind.city_federation:
        raise errors.validation_failed([FieldError("kind", "组织类别不能是市总工会")])
    record = {"id": body.id, "name": body.name, "kind": body.kind.value, "parent_id": parent["id"],
              "county": body.county or parent.get("county"), "created_by": by.id, "created_at": audit.now_iso()}
    record = {k: v for k, v in record.items() if v is not None}
    item = store.unit_item(record, f"{parent['path']}{body.id}/")
    uow.commit([
        store.create_unit(item),
        audit.entry(actor=by.actor, action="unit.create", entity="unit", entity_id=body.id, unit_id=parent["id"],
                    after=record),
    ])
    _units.forget(body.id)
    _children.forget(parent["id"])
    return to_unit(item)


def _check_grant(body: StaffIn, unit: dict[str, Any], by: Principal) -> None:
    if "city_admin" in body.roles:
        if "city_admin" not in by.roles:
            raise errors.forbidden("只有市总管理员可以授予市总管理员角色。")
        if unit["kind"] != UnitKind.city_federation:
            raise errors.validation_failed([FieldError("roles", "市总管理员只能设在市总工会")])


def _staff(record: dict[str, Any]) -> Staff:
    return Staff(**{k: record[k] for k in Staff.model_fields})


def create_staff(body: StaffIn, by: Principal) -> StaffCreated:
    unit = store.get_unit(body.unit_id)
    auth.require_in_scope(by, unit["path"] if unit else None)
    assert unit is not None
    _check_grant(body, unit, by)
    if store.get_staff(body.username) is not None:
        raise errors.conflict("这个登录名已被使用，请换一个。", "username-taken")
    record = {"username": body.username, "name": body.name, "unit_id": body.unit_id, "roles": body.roles,
              "status": "active", "created_at": audit.now_iso(), "created_by": by.id, "version": 1}
    password = cognito.create_user(body.username, body.name, body.unit_id, body.roles)
    try:
        uow.commit([
            store.create_staff(record),
            audit.entry(actor=by.actor, action="staff.create", entity="staff", entity_id=body.username,
                        unit_id=body.unit_id, after=record),
        ])
    except Exception:
        cognito.delete_user(body.username)  # keep the pool and the table in step
        raise
    return StaffCreated(**_staff(record).model_dump(), temporary_password=password)


def staff_of_unit(unit_id: str, cursor: str | None, by: Principal) -> StaffPage:
    unit = store.get_unit(unit_id)
    auth.require_in_scope(by, unit["path"] if unit else None)
    scope = f"staff:{unit_id}:{by.unit_path}"
    items, last = store.unit_staff(unit_id, pagination.size(50), pagination.decode_cursor(cursor, scope))
    return StaffPage(items=[_staff(i) for i in items], next_cursor=pagination.encode_cursor(last, scope))


# --- the staff record behind every signed-in request ----------------------------------------------

STAFF_RECORD_TTL_SECONDS = 5.0
"""How long one container trusts a staff record it has read. The authorizer reads the record on
every staff request (status, unit, roles, second factor); a change made on another container takes
effect there within this many seconds, and on the container that made it at once."""
_staff_records: cache.Ttl[dict[str, Any] | None] = cache.Ttl(STAFF_RECORD_TTL_SECONDS)


def staff_record(username: str) -> dict[str, Any] | None:
    """The staff record (None when there is none), cached per container for STAFF_RECORD_TTL_SECONDS."""
    return _staff_records.get(username, store.get_staff)


# --- staff who can act on a unit's records ------------------------------------------------------------

def _units_over(unit_path: str, by: Principal) -> list[str]:
    """The unit at unit_path (in the caller's subtree) and the units above it up to the caller's
    own, the unit itself first."""
    chain = [part for part in unit_path.split("/") if part]
    return chain[len([part for part in by.unit_path.split("/") if part]) - 1:][::-1]


def staff_over(unit_id: str, roles: Iterable[str], by: Principal) -> list[Staff]:
    """Active staff of the unit and of the units above it within the caller's subtree, in one of
    `roles`: everyone whose scope takes in the unit's records and whom the caller may name. The
    unit's own staff first, then each unit upward; one Query per unit (a tree a few levels deep)."""
    wanted = set(roles)
    return [_staff(r) for unit in _units_over(scoped_path(unit_id, by), by) for r in store.active_staff_of(unit)
            if wanted & set(r.get("roles", []))]


def acts_over(username: str, unit_path: str, roles: Iterable[str], by: Principal) -> bool:
    """Is there an active staff account of this login, in one of `roles`, whose own unit is the unit
    at unit_path or one above it (so its scope takes in the unit's records), in the caller's subtree?"""
    record = staff_record(username)
    if record is None or record.get("status") != "active" or not set(roles) & set(record.get("roles", [])):
        return False
    try:
        path = located_unit(str(record["unit_id"]))[1]
    except errors.ProblemError as exc:
        if exc.status >= 500:  # an outage is not a missing record
            raise
        return False
    return unit_path.startswith(path) and by.covers(path)


# How an answer names who did something: people by their names, read once per answer.
ACTOR_LABELS = {kind: labels.ACTOR_KIND_LABELS[kind] for kind in ("system", "public", "partner")}


def display_names(actors: Iterable[str | None]) -> dict[str, str]:
    """Each actor an answer shows ("staff:wang.li", a bare login, "system:schedule") -> the name a
    person reads: a staff member's name from their staff record, all of them read in one batch
    however many rows name them; the system and the public by a label; an unknown login as it is."""
    wanted = {a for a in actors if a}
    logins = {a: a.removeprefix("staff:") for a in wanted
              if a.startswith("staff:") or (":" not in a and a not in ACTOR_LABELS)}
    names = {r["username"]: str(r.get("name") or r["username"])
             for r in (store.get_staff_many(sorted(set(logins.values()))) if logins else [])}
    shown = {}
    for actor in wanted:
        if actor in logins:
            shown[actor] = names.get(logins[actor], logins[actor])
        else:
            shown[actor] = ACTOR_LABELS.get(actor.split(":", 1)[0], actor.split(":", 1)[-1])
    return shown


def forget_staff_record(username: str) -> None:
    _staff_records.forget(username)


def record_mfa(username: str, by: Principal) -> None:
    """Note on the staff record that the account signs in with a TOTP second factor."""
    record = store.get_staff(username)
    if record is None:
        raise errors.not_found()
    if record.get("mfa") == "totp":
        return
    changes = {"mfa": "totp", "mfa_enrolled_at": audit.now_iso()}
    uow.commit_versioned([
        store.record_mfa(username, changes, record["version"]),
        audit.entry(actor=by.actor, action="staff.mfa", entity="staff", entity_id=username,
                    unit_id=record["unit_id"], after=changes),
    ], *store.staff_key(username))
    forget_staff_record(username)


def disable_staff(username: str, by: Principal) -> Staff:
    record = store.get_staff(username)
    unit = store.get_unit(record["unit_id"]) if record else None
    auth.require_in_scope(by, unit["path"] if unit else None)
    assert record is not None
    if username == by.id:
        raise errors.conflict("不能停用自己的账号。", "self-disable")
    if record["status"] == "disabled":
        return _staff(record)
    cognito.disable_user(username)
    cognito.sign_out_everywhere(username)  # refresh tokens stop working; issued ID tokens are refused below
    try:
        uow.commit_versioned([
            store.disable_staff(username, record["version"]),
            audit.entry(actor=by.actor, action="staff.disable", entity="staff", entity_id=username,
                        unit_id=record["unit_id"], before={"status": "active"}, after={"status": "disabled"}),
        ], *store.staff_key(username))
    except Exception:
        cognito.enable_user(username)  # keep the pool and the table in step
        raise
    forget_staff_record(username)
    return _staff({**record, "status": "disabled"})


# --- a unit's staff alerts ------------------------------------------------------------------------------

def _admin_unit(unit_id: str, by: Principal) -> dict[str, Any]:
    unit = store.get_unit(unit_id)
    auth.require_in_scope(by, unit["path"] if unit else None)
    assert unit is not None
    return unit


def _alerts(unit: dict[str, Any]) -> UnitAlerts:
    webhook = store.get_webhook(unit["id"])
    shown = None
    if webhook:
        kind = WebhookKind(webhook["kind"])
        shown = Webhook(kind=kind, kind_label=WEBHOOK_KIND_LABELS[kind], set_at=webhook["set_at"],
                        set_by=webhook["set_by"])
    return UnitAlerts(unit_id=unit["id"], unit_name=unit["name"], webhook=shown,
                      phones=[personal.mask_phone(p) for p in store.get_alert_phones(unit["id"])])


def unit_alerts(unit_id: str, by: Principal) -> UnitAlerts:
    """Where the unit's staff alerts go: whether a group robot is set (and when), never its address."""
    return _alerts(_admin_unit(unit_id, by))


def set_webhook(unit_id: str, body: WebhookIn, by: Principal) -> UnitAlerts:
    """Set the unit's group robot. Its address and signing secret are stored encrypted and never
    shown again; the answer says only that one is set, and when."""
    unit = _admin_unit(unit_id, by)
    parsed = urlsplit(body.url)
    if parsed.scheme != "https" or parsed.hostname != WEBHOOK_HOSTS[body.kind]:
        raise errors.validation_failed([FieldError(
            "url", f"应为{WEBHOOK_KIND_LABELS[body.kind]}的地址，以 https://{WEBHOOK_HOSTS[body.kind]}/ 开头")])
    at = audit.now_iso()
    fields: dict[str, Any] = {"kind": body.kind.value, "url_encrypted": secrets.encrypt(body.url),
                              "set_at": at, "set_by": by.id}
    if body.secret:
        fields["secret_encrypted"] = secrets.encrypt(body.secret)
    uow.commit([store.set_webhook(unit_id, fields),
                audit.entry(actor=by.actor, action="unit.webhook.set", entity="unit", entity_id=unit_id,
                            unit_id=unit_id, after={"kind": body.kind.value, "secret": bool(body.secret)})])
    return _alerts(unit)


def remove_webhook(unit_id: str, by: Principal) -> UnitAlerts:
    unit = _admin_unit(unit_id, by)
    uow.commit([store.remove_webhook(unit_id),
                audit.entry(actor=by.actor, action="unit.webhook.remove", entity="unit", entity_id=unit_id,
                            unit_id=unit_id)])
    return _alerts(unit)


def set_alert_phones(unit_id: str, body: AlertPhonesIn, by: Principal) -> UnitAlerts:
    """The staff phones that also get the unit's alerts by text (an empty list: none)."""
    unit = _admin_unit(unit_id, by)
    phones = list(dict.fromkeys(body.phones))
    uow.commit([store.set_alert_phones(unit_id, phones, audit.now_iso()),
                audit.entry(actor=by.actor, action="unit.alert_phones", entity="unit", entity_id=unit_id,
                            unit_id=unit_id, after={"phones": len(phones)})])
    return _alerts(unit)


@dataclass(frozen=True)
class AlertChannels:
    """Where a unit's staff alerts go, for sending: its group robot (kind, address and signing
    secret, decrypted) and the staff phones that get them by text."""
    webhook: tuple[str, str, str | None] | None
    phones: list[str]


def alert_channels(unit_id: str) -> AlertChannels:
    """The unit's alert settings as message delivery needs them (this domain owns the items)."""
    item = store.get_webhook(unit_id)
    webhook = None
    if item is not None:
        secret = item.get("secret_encrypted")
        webhook = (str(item["kind"]), secrets.decrypt(item["url_encrypted"]),
                   secrets.decrypt(secret) if secret else None)
    return AlertChannels(webhook=webhook, phones=store.get_alert_phones(unit_id))


def all_units() -> list[dict[str, Any]]:
    """Every unit of the tree (one Query of the tree index, page by page): the scheduled digests'
    round of units."""
    found: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        items, start = store.subtree_page("/", 500, start)
        found += items
        if not start:
            return found
