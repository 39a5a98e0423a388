"""Support requests in the one table.

  request          PK=SUPPORT#<ref>      SK=REQUEST
  unit queue       GSI1PK=QUEUE#<unit>   GSI1SK=<created_at>#<ref>
  by caller        PK=PHONE#<phone hash> SK=SUPPORT#<created_at>#<ref>   (hotline: earlier requests)
  reference        PK=REF#<ref>          SK=REF                          (core.refs)
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import db


def request_key(reference: str) -> tuple[str, str]:
    return f"SUPPORT#{reference}", "REQUEST"


def request_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = request_key(record["reference"])
    return {"PK": pk, "SK": sk, "GSI1PK": f"QUEUE#{record['unit_id']}",
            "GSI1SK": f"{record['created_at']}#{record['reference']}", **record}


def caller_item(phone_hash: str, reference: str, created_at: str, category: str) -> dict[str, Any]:
    return {"PK": f"PHONE#{phone_hash}", "SK": f"SUPPORT#{created_at}#{reference}", "type": "caller_link",
            "reference": reference, "category": category, "created_at": created_at}


def get_request(reference: str) -> dict[str, Any] | None:
    return db.get(*request_key(reference))
