"""Booking sessions and registrations in the one table.

  session          PK=SESSION#<id>                     SK=SESSION
                   GSI1PK=SESSIONS#<kind>              GSI1SK=<starts_at>#<id>   (listed kinds only)
  registration     PK=SESSION#<id>                     SK=REG#<created_at>#<ref>
  waitlist place   PK=SESSION#<id>                     SK=WAIT#<seq:08d>         (deleted on promotion)
  one per person   PK=BOOKINGPERSON#<id>#<phone hash>  SK=PERSON                 (deleted on cancellation)
  unit's sessions  PK=UNITSESSIONS#<unit>              SK=<starts_at>#<id>       (pointer; staff lists)
  reference        PK=REF#<ref>                        SK=REF                    (core.refs)

The session item carries the counters the invariants are written against: `capacity`,
`confirmed` (never above capacity: every +1 is conditioned on `confirmed < capacity`),
`waitlisted` (how many WAIT# items exist) and `wait_seq` (the last waitlist sequence number, taken
in the same transaction that writes WAIT#<seq>, so a Query of WAIT# returns arrival order). For
the dashboard it also counts `registrations` (every one ever taken), `cancelled` and `attended`,
each changed in the transaction of the registration, cancellation or attendance mark: no item is
added to the registration's transaction, and a unit's figures are the sum over its sessions.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from chalicelib.core import db

SESSION = "SESSION"


def session_key(session_id: str) -> tuple[str, str]:
    return f"SESSION#{session_id}", SESSION


def session_item(record: dict[str, Any], listed: bool) -> dict[str, Any]:
    pk, sk = session_key(record["id"])
    item = {"PK": pk, "SK": sk, **record}
    if listed:
        item["GSI1PK"] = listing_pk(record["kind"])
        item["GSI1SK"] = f"{record['starts_at']}#{record['id']}"
    return item


def listing_pk(kind: str) -> str:
    return f"SESSIONS#{kind}"


def unit_pointer(unit_id: str, starts_at: str, session_id: str) -> dict[str, Any]:
    return {"PK": f"UNITSESSIONS#{unit_id}", "SK": f"{starts_at}#{session_id}", "type": "session_pointer",
            "session_id": session_id}


def get_session(session_id: str, consistent: bool = False) -> dict[str, Any] | None:
    return db.get(*session_key(session_id), consistent=consistent)


def registration_sk(created_at: str, reference: str) -> str:
    return f"REG#{created_at}#{reference}"


def wait_sk(seq: int) -> str:
    return f"WAIT#{seq:08d}"


def person_key(session_id: str, phone_hash: str) -> tuple[str, str]:
    return f"BOOKINGPERSON#{session_id}#{phone_hash}", "PERSON"


def get_registration(session_id: str, sk: str) -> dict[str, Any] | None:
    return db.get(session_key(session_id)[0], sk, consistent=True)


def waitlist_head(session_id: str, limit: int = 1) -> list[dict[str, Any]]:
    """The first waitlist places in arrival order (a strongly consistent Query)."""
    response = db.retrying(lambda: db.table().query(
        KeyConditionExpression=Key("PK").eq(session_key(session_id)[0]) & Key("SK").begins_with("WAIT#"),
        ConsistentRead=True, Limit=limit))
    return list(db.plain(response.get("Items", [])))


def waitlist_ahead(session_id: str, seq: int) -> int:
    """How many waitlist places come before sequence number seq."""
    pk = session_key(session_id)[0]
    response = db.retrying(lambda: db.table().query(
        KeyConditionExpression=Key("PK").eq(pk) & Key("SK").between("WAIT#", wait_sk(max(seq - 1, 0))),
        Select="COUNT", ConsistentRead=True))
    return int(response.get("Count", 0))


def waitlist_page(session_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(session_key(session_id)[0], "WAIT#", limit=limit, start_key=start)


def registrations_page(session_id: str, limit: int, start: dict[str, Any] | None,
                       status: str | None) -> tuple[list[dict[str, Any]], Any]:
    params: dict[str, Any] = {
        "KeyConditionExpression": Key("PK").eq(session_key(session_id)[0]) & Key("SK").begins_with("REG#"),
        "Limit": limit}
    if status:
        params["FilterExpression"] = Attr("status").eq(status)
    if start:
        params["ExclusiveStartKey"] = start
    response = db.retrying(lambda: db.table().query(**params))
    return db.plain(response.get("Items", [])), response.get("LastEvaluatedKey")


def batch_get(keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Items by key, in the order asked; missing ones left out (503 when the table cannot answer
    for all of them)."""
    if not keys:
        return []
    found = {(str(i["PK"]), str(i["SK"])): i for i in db.batch_get([db.key(pk, sk) for pk, sk in dict.fromkeys(keys)])}
    return [found[k] for k in keys if k in found]


def listed_page(kind: str, since: str, limit: int, start: dict[str, Any] | None,
                filters: dict[str, str]) -> tuple[list[dict[str, Any]], Any]:
    """Listed sessions of a kind starting from `since` (soonest first), with optional attribute filters."""
    params: dict[str, Any] = {
        "IndexName": "GSI1",
        "KeyConditionExpression": Key("GSI1PK").eq(listing_pk(kind)) & Key("GSI1SK").gte(since),
        "Limit": limit}
    condition: Any = None
    for attr, value in sorted(filters.items()):
        part = Attr(attr).eq(value)
        condition = part if condition is None else condition & part
    if condition is not None:
        params["FilterExpression"] = condition
    if start:
        params["ExclusiveStartKey"] = start
    response = db.retrying(lambda: db.table().query(**params))
    return db.plain(response.get("Items", [])), response.get("LastEvaluatedKey")


def unit_sessions(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    items, last = db.query(f"UNITSESSIONS#{unit_id}", limit=limit, start_key=start, forward=False)
    sessions = batch_get([session_key(i["session_id"]) for i in items])
    return sessions, last
