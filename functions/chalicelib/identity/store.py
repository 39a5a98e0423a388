"""Partner credentials in the one table.

  partner          PK=PARTNER#<id>          SK=PARTNER       (key stored only as a keyed hash)
  all partners     GSI1PK=PARTNERS          GSI1SK=<created_at>#<id>
  what it created  PK=PARTNERSUB#<id>       SK=<created_at>#<reference>   (core.refs)
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import db


def partner_key(partner_id: str) -> tuple[str, str]:
    return f"PARTNER#{partner_id}", "PARTNER"


def partner_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = partner_key(record["id"])
    return {"PK": pk, "SK": sk, "GSI1PK": "PARTNERS", "GSI1SK": f"{record['created_at']}#{record['id']}",
            "type": "partner", **record}


def get_partner(partner_id: str) -> dict[str, Any] | None:
    return db.get(*partner_key(partner_id))


def list_partners(limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query("PARTNERS", index="GSI1", limit=limit, start_key=start, forward=False)


# --- writes: each a change named for what it does ----------------------------------------------------

def issue_partner(record: dict[str, Any]) -> db.Op:
    """A new partner credential (its id is new; the key only as a keyed hash)."""
    return db.put_new(partner_item(record)).named("issue_partner")


def revoke_partner(partner_id: str, changes: dict[str, Any], version: int) -> db.Op:
    """The partner's key stops working, at the version read (commit with `uow.commit_versioned`)."""
    return db.versioned_set(*partner_key(partner_id), changes, version).named("revoke_partner")
