"""Union units in the one table.

  unit item        PK=UNIT#<id>  SK=UNIT
  subtree index    GSI1PK=TREE   GSI1SK=<materialised path>, e.g. /city/taishan/taishan-hospital/

"This unit and everything under it" is one Query on GSI1 with begins_with(path).

A unit's staff alerts (new requests, the daily overdue digest) go to its group robot and/or staff phones:
  group robot      PK=UNIT#<id>  SK=WEBHOOK       kind (wecom|dingtalk), url_encrypted, secret_encrypted
                                                  (core.secrets; never answered back), set_at, set_by
  alert phones     PK=UNIT#<id>  SK=ALERTPHONES   phones (staff's own numbers for text alerts)
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from chalicelib.core import db, errors

TREE = "TREE"


def unit_key(unit_id: str) -> tuple[str, str]:
    return f"UNIT#{unit_id}", "UNIT"


def unit_item(unit: dict[str, Any], path: str) -> dict[str, Any]:
    pk, sk = unit_key(unit["id"])
    return {"PK": pk, "SK": sk, "GSI1PK": TREE, "GSI1SK": path, "type": "unit", "path": path,
            "version": 1, **unit}


def get_unit(unit_id: str) -> dict[str, Any] | None:
    return db.get(*unit_key(unit_id))


def subtree_page(path: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(TREE, path, index="GSI1", limit=limit, start_key=start)


def children(path: str, unit_id: str) -> list[dict[str, Any]]:
    """The units directly under one, in tree order: the subtree's index read a megabyte a call, only
    the children returned (a few calls for thousands of units, whatever the tree's shape)."""
    return db.query_all({"IndexName": "GSI1",
                         "KeyConditionExpression": Key("GSI1PK").eq(TREE) & Key("GSI1SK").begins_with(path),
                         "FilterExpression": Attr("parent_id").eq(unit_id)})


# Staff membership:
#   staff            PK=STAFF#<username>        SK=STAFF
#   a unit's staff   GSI1PK=STAFFUNIT#<unit>    GSI1SK=<username>

def staff_key(username: str) -> tuple[str, str]:
    return f"STAFF#{username}", "STAFF"


def staff_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = staff_key(record["username"])
    return {"PK": pk, "SK": sk, "GSI1PK": f"STAFFUNIT#{record['unit_id']}", "GSI1SK": record["username"],
            "type": "staff", **record}


def get_staff(username: str) -> dict[str, Any] | None:
    return db.get(*staff_key(username))


def get_staff_many(usernames: list[str]) -> list[dict[str, Any]]:
    """Staff records by login, in one BatchGetItem per 100 (missing ones left out)."""
    return db.batch_get([db.key(*staff_key(u)) for u in usernames])


def unit_staff(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"STAFFUNIT#{unit_id}", index="GSI1", limit=limit, start_key=start)


def active_staff_of(unit_id: str) -> list[dict[str, Any]]:
    """Every active staff member of one unit, in login order (one Query of the unit's staff, read to
    its end; disabled accounts filtered out)."""
    return db.query_all({"IndexName": "GSI1", "KeyConditionExpression": Key("GSI1PK").eq(f"STAFFUNIT#{unit_id}"),
                         "FilterExpression": Attr("status").eq("active")})


# --- writes: each a change named for what it does, with its condition and domain error ------------

def create_unit(item: dict[str, Any]) -> db.Op:
    """A new unit (item from unit_item); its id must be new."""
    taken = errors.conflict("这个组织代码已被使用，请换一个。", "unit-exists")
    return db.put_new(item, on_fail=taken).named("create_unit")


def create_staff(record: dict[str, Any]) -> db.Op:
    """A new staff record; its username must be new."""
    taken = errors.conflict("这个登录名已被使用，请换一个。")
    return db.put_new(staff_item(record), on_fail=taken).named("create_staff")


def record_mfa(username: str, changes: dict[str, Any], version: int) -> db.Op:
    """Note the second factor on the staff record, at the version read (commit with
    `uow.commit_versioned(ops, *staff_key(username))`)."""
    return db.versioned_set(*staff_key(username), changes, version).named("record_mfa")


def disable_staff(username: str, version: int) -> db.Op:
    """The account may no longer act, at the version read (commit with `uow.commit_versioned`)."""
    return db.versioned_set(*staff_key(username), {"status": "disabled"}, version).named("disable_staff")


# --- a unit's alert settings ------------------------------------------------------------------------

def webhook_key(unit_id: str) -> tuple[str, str]:
    return f"UNIT#{unit_id}", "WEBHOOK"


def alert_phones_key(unit_id: str) -> tuple[str, str]:
    return f"UNIT#{unit_id}", "ALERTPHONES"


def get_webhook(unit_id: str) -> dict[str, Any] | None:
    return db.get(*webhook_key(unit_id), consistent=True)


def get_alert_phones(unit_id: str) -> list[str]:
    item = db.get(*alert_phones_key(unit_id), consistent=True)
    return [str(p) for p in (item or {}).get("phones", [])]


def set_webhook(unit_id: str, fields: dict[str, Any]) -> db.Op:
    """The unit's group robot, replacing any earlier one."""
    pk, sk = webhook_key(unit_id)
    return db.put({"PK": pk, "SK": sk, "type": "unit_webhook", "unit_id": unit_id, **fields}).named("set_webhook")


def remove_webhook(unit_id: str) -> db.Op:
    return db.delete(*webhook_key(unit_id)).named("remove_webhook")


def set_alert_phones(unit_id: str, phones: list[str], at: str) -> db.Op:
    pk, sk = alert_phones_key(unit_id)
    if not phones:
        return db.delete(pk, sk).named("set_alert_phones")
    return db.put({"PK": pk, "SK": sk, "type": "unit_alert_phones", "unit_id": unit_id, "phones": phones,
                   "updated_at": at}).named("set_alert_phones")
