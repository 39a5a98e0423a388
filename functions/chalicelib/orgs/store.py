"""Union units in the one table.

  unit item        PK=UNIT#<id>  SK=UNIT
  subtree index    GSI1PK=TREE   GSI1SK=<materialised path>, e.g. /city/taishan/taishan-hospital/

"This unit and everything under it" is one Query on GSI1 with begins_with(path).
"""

from __future__ import annotations

from typing import Any

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
