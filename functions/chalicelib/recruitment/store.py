"""Firms, job openings and interest in the one table.

  firm             PK=FIRM#<ref>                  SK=FIRM
                   GSI1PK=FIRMQ#<county>          GSI1SK=<status>#<created_at>#<ref>   (review queue)
  credit code      PK=FIRMCODE#<code>             SK=FIRMCODE      (one live registration per code;
                                                                     deleted when the firm is rejected)
  opening          PK=OPENING#<ref>               SK=OPENING
                   pending/rejected: GSI1PK=OPENINGQ#<county>  GSI1SK=<status>#<created_at>#<ref>
                   published:        GSI1PK=OPENINGS           GSI1SK=<published_at>#<ref>
  firm's opening   PK=FIRM#<firm ref>             SK=OPENING#<ref>                      (pointer)
  interest         PK=FIRM#<firm ref>             SK=INTEREST#<opening ref>#<phone hash> (only with consent)
  reference        PK=REF#<ref>                   SK=REF                                (core.refs)

Published openings share one GSI1 partition, newest first; the public filters (county, industry,
shift pattern, still valid) are FilterExpressions on that Query, and the signed cursor is bound to
the filter set, so a page may hold fewer items than asked and the next cursor continues the scan of
the partition. The partition is read-heavy and written only when a caseworker publishes or
withdraws an opening; a county's review queue is its own partition, split by status prefix.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from chalicelib.core import db

PUBLISHED = "OPENINGS"


def firm_key(reference: str) -> tuple[str, str]:
    return f"FIRM#{reference}", "FIRM"


def code_key(code: str) -> tuple[str, str]:
    return f"FIRMCODE#{code}", "FIRMCODE"


def opening_key(reference: str) -> tuple[str, str]:
    return f"OPENING#{reference}", "OPENING"


def queue_keys(prefix: str, county: str, status: str, created_at: str, reference: str) -> dict[str, str]:
    return {"GSI1PK": f"{prefix}#{county}", "GSI1SK": f"{status}#{created_at}#{reference}"}


def published_keys(published_at: str, reference: str) -> dict[str, str]:
    return {"GSI1PK": PUBLISHED, "GSI1SK": f"{published_at}#{reference}"}


def get(pk_sk: tuple[str, str], consistent: bool = False) -> dict[str, Any] | None:
    return db.get(*pk_sk, consistent=consistent)


def queue_page(prefix: str, county: str, status: str, limit: int,
               start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"{prefix}#{county}", f"{status}#", index="GSI1", limit=limit, start_key=start)


def published_page(limit: int, start: dict[str, Any] | None, filters: dict[str, str],
                   today: str) -> tuple[list[dict[str, Any]], Any]:
    condition: Any = Attr("valid_until").gte(today)
    for attr, value in sorted(filters.items()):
        condition = condition & Attr(attr).eq(value)
    params: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": Key("GSI1PK").eq(PUBLISHED),
                              "FilterExpression": condition, "Limit": limit, "ScanIndexForward": False}
    if start:
        params["ExclusiveStartKey"] = start
    response = db.retrying(lambda: db.table().query(**params))
    return db.plain(response.get("Items", [])), response.get("LastEvaluatedKey")


def interest_key(firm_ref: str, opening_ref: str, phone_hash: str) -> tuple[str, str]:
    return f"FIRM#{firm_ref}", f"INTEREST#{opening_ref}#{phone_hash}"


def interests(firm_ref: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = None
    while True:
        items, start = db.query(f"FIRM#{firm_ref}", "INTEREST#", limit=500, start_key=start)
        out += items
        if not start:
            return out
