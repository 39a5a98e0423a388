"""Support requests in the one table.

  request          PK=SUPPORT#<ref>          SK=REQUEST
  unit queue       GSI1PK=QUEUE#<unit>       GSI1SK=<created_at>#<ref>       (on the request item)
  staff note       PK=SUPPORT#<ref>          SK=NOTE#<at>#<random>
  open request     PK=OPEN#<unit>            SK=<due_at>#<ref>               (deleted when finished)
  by caller        PK=PHONE#<phone hash>     SK=SUPPORT#<created_at>#<ref>   (hotline: earlier requests)
  hotline intake   PK=INTAKE#<operator>      SK=<created_at>#<ref>           (an operator's own calls)
  counsellor       PK=COUNSELLORS            SK=<username>                   (the city's pool)
  counsellor case  PK=COUNSELLOR#<username>  SK=<created_at>#<ref>           (what one counsellor sees)
  due in subtree   PK=DUE#<ancestor>         SK=<due_at>#<ref>               (each unit above the request's)
  counter          PK=COUNT#<unit>           SK=CAT#<category>#<n>           (the unit's subtree; n: shard)
  weekly counter   PK=COUNT#<unit>           SK=WEEK#<Monday, Beijing date>#<n> (new requests, subtree)
  reference        PK=REF#<ref>              SK=REF                          (core.refs)

Counters hold, for a unit and everything under it, one number per status and `total`; every
create, transition and reassignment updates the counters of the unit and each ancestor in the
same transaction as the change (a tree is at most ~6 deep, well inside 100 items).
Weekly counters hold `new`: requests created that week (Monday to Sunday, Beijing time) that the
unit's subtree now handles; a reassignment moves them with the request, in the same transaction.
Every request of the hotline's peak updates the city's counters, so each counter is split across
COUNTER_SHARDS items (a write adds to one at random) and read as the sum of its shards: the
shards are one partition, read by the same one Query; counters written before the split (SK
without a shard) are summed in alike.
Overdue requests of a unit are one Query: open items with SK (due time) before now; those of its
whole subtree add one more, of the DUE# items that every unfinished request keeps under each
unit above its own (put and deleted with its OPEN# item). Both share one sort key, so the subtree's
overdue list is the two merged, most overdue first. A demo request's DUE# items carry its mark and
the subtree counts leave them out.
"""

from __future__ import annotations

import heapq
import random
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from chalicelib.core import db, demo, errors
from chalicelib.core.errors import FieldError

COUNSELLORS = "COUNSELLORS"


def request_key(reference: str) -> tuple[str, str]:
    return f"SUPPORT#{reference}", "REQUEST"


def request_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = request_key(record["reference"])
    return {"PK": pk, "SK": sk, "GSI1PK": queue_pk(record["unit_id"]),
            "GSI1SK": f"{record['created_at']}#{record['reference']}", **record}


def queue_pk(unit_id: str) -> str:
    return f"QUEUE#{unit_id}"


def caller_item(phone_hash: str, reference: str, created_at: str, category: str) -> dict[str, Any]:
    return {"PK": f"PHONE#{phone_hash}", "SK": f"SUPPORT#{created_at}#{reference}", "type": "caller_link",
            "reference": reference, "category": category, "created_at": created_at}


def get_request(reference: str, consistent: bool = False) -> dict[str, Any] | None:
    return db.get(*request_key(reference), consistent=consistent)


# --- open items: one per unfinished request, sorted by due time ---------------------------------

def due_key(unit_id: str, due_at: str, reference: str) -> tuple[str, str]:
    return f"DUE#{unit_id}", f"{due_at}#{reference}"


def _due(unit_id: str, record: dict[str, Any]) -> db.Op:
    pk, sk = due_key(unit_id, record["due_at"], record["reference"])
    return db.put_new({"PK": pk, "SK": sk, "type": "support_due", "reference": record["reference"]}).named("list_due")


def _above(record: dict[str, Any]) -> list[str]:
    """The units above the request's own, from its materialised path."""
    return [u for u in record["unit_path"].split("/") if u and u != record["unit_id"]]


def open_key(unit_id: str, due_at: str, reference: str) -> tuple[str, str]:
    return f"OPEN#{unit_id}", f"{due_at}#{reference}"


def open_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = open_key(record["unit_id"], record["due_at"], record["reference"])
    return {"PK": pk, "SK": sk, "type": "support_open", "reference": record["reference"]}


def overdue_page(unit_id: str, now: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    """Pointers (with the reference) to the unit's unfinished requests whose due time has passed, most
    overdue first."""
    params: dict[str, Any] = {"KeyConditionExpression": Key("PK").eq(f"OPEN#{unit_id}") & Key("SK").lt(now)}
    if start:
        params["ExclusiveStartKey"] = start
    return db.filled_page(params, limit, db.page_keys())


def overdue_in_subtree_page(unit_id: str, now: str, limit: int,
                            start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    """Pointers to the unfinished requests past their due time of the unit (its OPEN# items) and of
    every unit under it (its DUE# items), most overdue first: by due time, then reference, across the
    whole subtree. Each request is in one of the two partitions, under the same sort key, so a page is
    the two read from `start` (`{"SK": <the last one shown>}`) and merged: up to `limit` pointers and
    the key to go on from, None when no overdue request follows them. Two Queries of limit + 1 items."""
    after = str(start["SK"]) if start else None
    if after is not None and after >= now:
        return [], None

    def past_due(pk: str) -> tuple[list[dict[str, Any]], bool]:
        sk = Key("SK").lt(now) if after is None else Key("SK").between(after, now)  # due times never equal now#…
        items, more = db.filled_page({"KeyConditionExpression": Key("PK").eq(pk) & sk}, limit + 1, db.page_keys())
        return [i for i in items if i["SK"] != after], more is not None

    own, own_more = past_due(f"OPEN#{unit_id}")
    below, below_more = past_due(f"DUE#{unit_id}")
    merged = list(heapq.merge(own, below, key=lambda i: str(i["SK"])))
    page = merged[:limit]
    more = len(merged) > limit or own_more or below_more
    return page, ({"SK": page[-1]["SK"]} if more and page else None)


def queue_page(unit_id: str, limit: int, start: dict[str, Any] | None, status: str | None,
               category: str | None) -> tuple[list[dict[str, Any]], Any]:
    """One page of a unit's queue (oldest first), optionally filtered by status and category."""
    params: dict[str, Any] = {"IndexName": "GSI1", "KeyConditionExpression": Key("GSI1PK").eq(queue_pk(unit_id))}
    condition: ConditionBase | None = None
    if status:
        condition = Attr("status").eq(status)
    if category:
        condition = Attr("category").eq(category) if condition is None else condition & Attr("category").eq(category)
    if condition is not None:
        params["FilterExpression"] = condition
    if start:
        params["ExclusiveStartKey"] = start
    return db.filled_page(params, limit, db.page_keys("GSI1"))


# --- notes ---------------------------------------------------------------------------------------

def note_item(reference: str, at: str, suffix: str, text: str, author: str) -> dict[str, Any]:
    pk, _ = request_key(reference)
    return {"PK": pk, "SK": f"NOTE#{at}#{suffix}", "type": "support_note", "text": text, "author": author, "at": at}


def notes(reference: str) -> list[dict[str, Any]]:
    items, _ = db.query(request_key(reference)[0], "NOTE#", limit=200)
    return items


# --- hotline intakes ------------------------------------------------------------------------------

def intake_item(operator: str, reference: str, created_at: str, category: str) -> dict[str, Any]:
    return {"PK": f"INTAKE#{operator}", "SK": f"{created_at}#{reference}", "type": "hotline_intake",
            "reference": reference, "category": category, "created_at": created_at}


def intakes(operator: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"INTAKE#{operator}", limit=limit, start_key=start, forward=False)


def caller_links(phone_hash: str, limit: int = 20) -> list[dict[str, Any]]:
    items, _ = db.query(f"PHONE#{phone_hash}", "SUPPORT#", limit=limit, forward=False)
    return items


# --- counsellors ----------------------------------------------------------------------------------

def counsellor_key(username: str) -> tuple[str, str]:
    return COUNSELLORS, username


def get_counsellor(username: str) -> dict[str, Any] | None:
    return db.get(*counsellor_key(username))


def remove_counsellor(username: str) -> db.Op:
    """Take a counsellor out of the pool: only one in it with no case still open."""
    return db.delete(*counsellor_key(username), "attribute_exists(PK) AND (attribute_not_exists(open_cases) OR "
                     "open_cases <= :zero)", values={":zero": 0},
                     on_fail=errors.conflict("这位心理咨询师还有未办结的求助，不能移出咨询师库。请先在求助办理页把这些求助"
                                             "改派给其他咨询师，或先把他设为暂停接案。", "counsellor-busy")
                     ).named("remove_counsellor")


def counsellors() -> list[dict[str, Any]]:
    items, _ = db.query(COUNSELLORS, limit=500)
    return items


def counsellor_case_key(username: str, created_at: str, reference: str) -> tuple[str, str]:
    return f"COUNSELLOR#{username}", f"{created_at}#{reference}"


def counsellor_cases(username: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"COUNSELLOR#{username}", limit=limit, start_key=start, forward=False)


# --- counters -------------------------------------------------------------------------------------

COUNTER_SHARDS = 10


def counter_key(unit_id: str, category: str, shard: int) -> tuple[str, str]:
    return f"COUNT#{unit_id}", f"CAT#{category}#{shard}"


def _shard() -> int:
    return random.randrange(COUNTER_SHARDS)  # noqa: S311 - spreading writes, not crypto


def _summed(items: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Counter shards added up per value of `by` (numbers summed, the rest as found), in order."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        into = out.setdefault(str(item[by]), {k: v for k, v in item.items() if not isinstance(v, int)})
        for k, v in item.items():
            if isinstance(v, int):
                into[k] = into.get(k, 0) + v
    return list(out.values())


def counter_op(unit_id: str, category: str, deltas: dict[str, int]) -> db.Op:
    """ADD each delta to one shard of the counter item (created on first use)."""
    names = {"#t": "type", "#u": "unit_id", "#c": "category"}
    values: dict[str, Any] = {":t": "support_count", ":u": unit_id, ":c": category}
    adds = []
    for i, (field, delta) in enumerate(sorted(deltas.items())):
        names[f"#d{i}"] = field
        values[f":d{i}"] = delta
        adds.append(f"#d{i} :d{i}")
    expression = "SET #t = :t, #u = :u, #c = :c ADD " + ", ".join(adds)
    return db.update(*counter_key(unit_id, category, _shard()), expression, names=names,
                     values=values).named("count")


def counters(unit_id: str) -> list[dict[str, Any]]:
    """The unit's counter per category (its shards summed)."""
    return _summed(db.query_all({"KeyConditionExpression": Key("PK").eq(f"COUNT#{unit_id}")
                                 & Key("SK").begins_with("CAT#")}), "category")


def week_counter_op(unit_id: str, week: str, delta: int) -> db.Op:
    """ADD delta to (one shard of) the unit's count of new requests in the week starting on `week` (YYYY-MM-DD)."""
    return db.update(f"COUNT#{unit_id}", f"WEEK#{week}#{_shard()}", "SET #t = :t, #u = :u, #w = :w ADD #n :n",
                     names={"#t": "type", "#u": "unit_id", "#w": "week", "#n": "new"},
                     values={":t": "support_week", ":u": unit_id, ":w": week, ":n": delta}).named("count_week")


def week_counters(unit_id: str, since: str) -> list[dict[str, Any]]:
    """The unit's weekly counters (shards summed) from the week starting on `since` on, oldest first."""
    return _summed(db.query_all({"KeyConditionExpression": Key("PK").eq(f"COUNT#{unit_id}")
                                 & Key("SK").between(f"WEEK#{since}", "WEEK#~")}), "week")


def overdue_count(unit_id: str, now: str, subtree: bool = False) -> int:
    """How many of the unit's own unfinished requests (with `subtree`, those of every unit under it
    too) are past their due time (COUNT Queries)."""
    total = overdue_count(unit_id, now) if subtree else 0
    pk = f"DUE#{unit_id}" if subtree else f"OPEN#{unit_id}"
    params: dict[str, Any] = {"KeyConditionExpression": Key("PK").eq(pk) & Key("SK").lt(now), "Select": "COUNT"}
    if subtree:  # demo requests are listed under the units above, not counted there
        params["FilterExpression"] = Attr(demo.ATTRIBUTE).not_exists()
    while True:
        response = db.retrying(lambda: db.table().query(**params))
        total += int(response.get("Count", 0))
        if not response.get("LastEvaluatedKey"):
            return total
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# --- writes: each a change named for what it does, with its condition and domain error ------------

def open_request(record: dict[str, Any]) -> db.Op:
    """The new request item (its reference is new)."""
    return db.put_new(request_item(record)).named("open_request")


def link_caller(phone_hash: str, reference: str, created_at: str, category: str) -> db.Op:
    """The caller's link to the request, for the hotline's view of their earlier requests."""
    return db.put_new(caller_item(phone_hash, reference, created_at, category)).named("link_caller")


def list_open(record: dict[str, Any]) -> list[db.Op]:
    """The request's place on its unit's open list, sorted by due time, and under each unit above."""
    return [*(_due(u, record) for u in _above(record)), db.put_new(open_item(record)).named("list_open")]


def move_open(record: dict[str, Any], unit_id: str, unit_path: str) -> list[db.Op]:
    """The request's open items moved to another unit: off the lists of the units it leaves, onto
    those of the units it joins (the units above both keep theirs)."""
    moved = {**record, "unit_id": unit_id, "unit_path": unit_path}
    before, after = set(_above(record)), set(_above(moved))
    due = record["due_at"], record["reference"]
    return [*(db.delete(*due_key(u, *due)).named("unlist_due") for u in _above(record) if u not in after),
            db.delete(*open_key(record["unit_id"], *due)).named("unlist_open"),
            *(_due(u, moved) for u in _above(moved) if u not in before),
            db.put_new(open_item(moved)).named("list_open")]


def relist_due(record: dict[str, Any]) -> list[db.Op]:
    """The request's DUE# items under each unit above its own, put whether or not they exist
    (the figures' backfill, for requests opened before these items were kept)."""
    return [db.put({"PK": pk, "SK": sk, "type": "support_due", "reference": record["reference"]}).named("relist_due")
            for pk, sk in (due_key(u, record["due_at"], record["reference"]) for u in _above(record))]


def unlist_open(record: dict[str, Any]) -> list[db.Op]:
    """Take the request off its unit's open list and those above (finished, or moved to another unit)."""
    due = [db.delete(*due_key(u, record["due_at"], record["reference"])).named("unlist_due") for u in _above(record)]
    return [*due, db.delete(*open_key(record["unit_id"], record["due_at"], record["reference"])).named("unlist_open")]


def log_intake(operator: str, reference: str, created_at: str, category: str) -> db.Op:
    """A hotline call on the operator's own list of intakes."""
    return db.put_new(intake_item(operator, reference, created_at, category)).named("log_intake")


def add_note(reference: str, at: str, suffix: str, text: str, author: str) -> db.Op:
    return db.put_new(note_item(reference, at, suffix, text, author)).named("add_note")


def _change_request(reference: str, changes: dict[str, Any], version: int, name: str) -> db.Op:
    """Set fields on the request only at the version the caller read (commit with
    `uow.commit_versioned(ops, *request_key(reference))`)."""
    return db.versioned_set(*request_key(reference), changes, version).named(name)


def transition(reference: str, changes: dict[str, Any], version: int) -> db.Op:
    return _change_request(reference, changes, version, "transition")


def reassign(reference: str, changes: dict[str, Any], version: int) -> db.Op:
    return _change_request(reference, changes, version, "reassign")


def set_counsellor(reference: str, changes: dict[str, Any], version: int) -> db.Op:
    return _change_request(reference, changes, version, "set_counsellor")


def release_counsellor(username: str) -> db.Op:
    """One open case fewer for a counsellor in the pool."""
    return db.update(*counsellor_key(username), "ADD open_cases :d", "attribute_exists(PK)",
                     values={":d": -1}).named("release_counsellor")


def take_counsellor(username: str) -> db.Op:
    """One open case more for a counsellor, who must be in the pool and active."""
    return db.update(*counsellor_key(username), "ADD open_cases :d", "attribute_exists(PK) AND active = :yes",
                     values={":d": 1, ":yes": True},
                     on_fail=errors.validation_failed([FieldError("username", "不是在岗的心理咨询师")])
                     ).named("take_counsellor")


def add_counsellor_case(username: str, created_at: str, reference: str) -> db.Op:
    pk, sk = counsellor_case_key(username, created_at, reference)
    return db.put({"PK": pk, "SK": sk, "type": "counsellor_case", "reference": reference,
                   "created_at": created_at}).named("add_counsellor_case")


def drop_counsellor_case(username: str, created_at: str, reference: str) -> db.Op:
    return db.delete(*counsellor_case_key(username, created_at, reference)).named("drop_counsellor_case")


def save_counsellor(username: str, profile: dict[str, Any], at: str) -> db.Op:
    """Add a counsellor to the pool or change their profile; their open-case count is kept."""
    names = {f"#{k}": k for k in profile} | {"#t": "type", "#o": "open_cases", "#at": "updated_at"}
    values = {f":{k}": v for k, v in profile.items()} | {":t": "counsellor", ":zero": 0, ":at": at}
    sets = ", ".join(f"#{k} = :{k}" for k in profile)
    return db.update(*counsellor_key(username), f"SET {sets}, #t = :t, #at = :at, #o = if_not_exists(#o, :zero)",
                     names=names, values=values).named("save_counsellor")
