"""Union units in the one table.

  unit item        PK=UNIT#<id>  SK=UNIT
  subtree index    GSI1PK=TREE   GSI1SK=<materialised path>, e.g. /city/taishan/taishan-hospital/

"This unit and everything under it" is one Query on GSI1 with begins_with(path).
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import db

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


def unit_staff(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"STAFFUNIT#{unit_id}", index="GSI1", limit=limit, start_key=start)
