"""Booking sessions and registrations in the one table.

  session          PK=SESSION#<id>                     SK=SESSION
                   GSI1PK=SESSIONS#<kind>              GSI1SK=<starts_at>#<id>   (listed kinds only)
  registration     PK=SESSION#<id>                     SK=REG#<created_at>#<ref>
  waitlist place   PK=SESSION#<id>                     SK=WAIT#<seq:08d>         (deleted on promotion)
  one per person   PK=BOOKINGPERSON#<id>#<phone hash>  SK=PERSON                 (deleted on cancellation)
  unit's sessions  PK=UNITSESSIONS#<unit>              SK=<starts_at>#<id>       (pointer; staff lists)
  reference        PK=REF#<ref>                        SK=REF                    (core.refs)
  seat shard       PK=SEATS#<id>#<n>                   SK=SEATS                  (large sessions only)
  subtree figures  PK=BOOKSUM#<unit>#<n>               SK=BOOKSUM                (the unit and all below)

Large sessions split their seats across N shard items (`shards` on the session item, N > 1): shard
n holds `seats` (its share of the capacity, the shares summing to it) and `taken` (never above
`seats`: every +1 is conditioned on `taken < seats`), and counts the `registrations` that took a
seat in it. A booking updates one shard, not the session item, so N shards take N bookings at
once instead of one. The session item then keeps the waitlist (`waitlisted`, `wait_seq`), the
registrations that joined it and the cancellation and attendance counts; its `confirmed` stays 0
and every read of the session here adds the shards' figures (`confirmed` = the sum of `taken`),
so callers see one session either way. A confirmed registration records its shard (`seat_shard`);
a promoted one inherits the seat, and so the shard, of the registration it replaces.

Subtree figures: per unit, the counts of the sessions of the unit and every unit under it, one
attribute per kind and count (`fair_registrations`), kept in the same transaction as the change
for the session's unit and each ancestor. Each unit's figures are split across FIGURE_SHARDS
items, so the city's item is not one item every booking of a fair's opening updates: a booking adds
to the shard of its session and seat shard (`figure_shard`), other writes to one at random; a
unit's figures are the sum of its shards (one BatchGetItem).

The session item carries the counters the invariants are written against: `capacity`,
`confirmed` (never above capacity: every +1 is conditioned on `confirmed < capacity`),
`waitlisted` (how many WAIT# items exist) and `wait_seq` (the last waitlist sequence number, taken
in the same transaction that writes WAIT#<seq>, so a Query of WAIT# returns arrival order). For
the dashboard it also counts `registrations` (every one ever taken), `cancelled` and `attended`,
each changed in the transaction of the registration, cancellation or attendance mark: no item is
added to the registration's transaction, and a unit's figures are the sum over its sessions.

Every invariant is a condition of the write that changes it (the functions under "writes"):
  - a seat is taken only with `confirmed < capacity` on the session item (`take_seat`);
  - a waitlist place takes sequence number wait_seq + 1, conditioned on wait_seq still being the
    value read (so numbers are unique and increase in commit order) and on the session being full
    (`join_waitlist`);
  - BOOKINGPERSON#<session>#<phone hash> is put only if absent: one place per person (`hold_place`);
  - a promotion changes the waitlisted registration conditioned on its status still being
    `waitlisted` and deletes its WAIT# item conditioned on existence: it happens exactly once
    (`promote`);
  - a cancellation that finds nobody waiting frees the seat conditioned on `waitlisted = 0`, so a
    person joining the waitlist at the same moment is promoted instead of left behind
    (`release_seat`);
  - a sharded session's seat is taken only with `taken < seats` on one shard, while registration
    is open (each shard carries the session's `status` and closing time: `take_shard_seat`); the
    waitlist is joined only while every shard is full (a ConditionCheck per shard: `shard_full`);
    a capacity change gives each shard its new share only where `taken` still fits it
    (`resize_shard`), so the confirmed seats never exceed the capacity.
A failed condition other than "already registered" answers `retry()`: another request got there
first, and the engine reads again and tries once more.
"""

from __future__ import annotations

import random
import re
import zlib
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from chalicelib.core import db, errors
from chalicelib.core.errors import FieldError

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
    """The session, with its seat shards' figures when it has shards."""
    item = db.get(*session_key(session_id), consistent=consistent)
    return with_seats([item])[0] if item else None


def seats_key(session_id: str, n: int) -> tuple[str, str]:
    return f"SEATS#{session_id}#{n}", "SEATS"


def shard_count(record: dict[str, Any]) -> int:
    return int(record.get("shards", 1))


def with_seats(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions as callers see them: a sharded one's `confirmed` and `registrations` summed over its
    shards (one BatchGetItem for all of them), and its shards as read in `seat_shards`."""
    keys = [seats_key(s["id"], n) for s in sessions if shard_count(s) > 1 for n in range(shard_count(s))]
    if not keys:
        return sessions
    found = {(str(i["session_id"]), int(i["n"])): i for i in db.batch_get([db.key(*k) for k in keys])}
    out = []
    for session in sessions:
        if shard_count(session) > 1:
            shards = [found.get((session["id"], n), {"n": n, "seats": 0, "taken": 0, "registrations": 0})
                      for n in range(shard_count(session))]
            session = {**session, "seat_shards": [{k: int(s.get(k, 0)) for k in ("n", "seats", "taken")}
                                                  for s in shards],
                       "confirmed": sum(int(s.get("taken", 0)) for s in shards),
                       "registrations": int(session.get("registrations", 0))
                       + sum(int(s.get("registrations", 0)) for s in shards)}
        out.append(session)
    return out


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
        "KeyConditionExpression": Key("PK").eq(session_key(session_id)[0]) & Key("SK").begins_with("REG#")}
    if status:
        params["FilterExpression"] = Attr("status").eq(status)
    if start:
        params["ExclusiveStartKey"] = start
    return db.filled_page(params, limit, db.page_keys())


def batch_get(keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Items by key, in the order asked; missing ones left out (503 when the table cannot answer
    for all of them)."""
    if not keys:
        return []
    found = {(str(i["PK"]), str(i["SK"])): i for i in db.batch_get([db.key(pk, sk) for pk, sk in dict.fromkeys(keys)])}
    return [found[k] for k in keys if k in found]


def listed_page(kind: str, now: str, limit: int, start: dict[str, Any] | None,
                filters: dict[str, str]) -> tuple[list[dict[str, Any]], Any]:
    """Listed sessions of a kind that have not ended at `now` (soonest first), with optional attribute
    filters: the key reads from today on, the end time and the filters are a FilterExpression."""
    params: dict[str, Any] = {
        "IndexName": "GSI1",
        "KeyConditionExpression": Key("GSI1PK").eq(listing_pk(kind)) & Key("GSI1SK").gte(now[:10])}
    condition: Any = Attr("ends_at").gt(now)
    for attr, value in sorted(filters.items()):
        part = Attr(attr).eq(value)
        condition = condition & part
    params["FilterExpression"] = condition
    if start:
        params["ExclusiveStartKey"] = start
    items, last = db.filled_page(params, limit, db.page_keys("GSI1"))
    return with_seats(items), last


def unit_sessions(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    items, last = db.query(f"UNITSESSIONS#{unit_id}", limit=limit, start_key=start, forward=False)
    sessions = batch_get([session_key(i["session_id"]) for i in items])
    return with_seats(sessions), last


# --- subtree figures ------------------------------------------------------------------------------------

FIGURE_SHARDS = 10
FIGURES = ("sessions", "registrations", "confirmed", "waitlisted", "cancelled", "attended")


def figures_key(unit_id: str, n: int) -> tuple[str, str]:
    return f"BOOKSUM#{unit_id}#{n}", "BOOKSUM"


def path_units(unit_path: str) -> list[str]:
    """The unit and each of its ancestors, from a materialised path like /city/taishan/x/."""
    return [p for p in unit_path.split("/") if p]


def figure_shards(unit_ids: list[str]) -> dict[tuple[str, int], dict[str, dict[str, int]]]:
    """Per unit and figure shard that exists, its counts per session kind (BatchGetItem, 100 keys a call)."""
    out: dict[tuple[str, int], dict[str, dict[str, int]]] = {}
    keys = [db.key(*figures_key(u, n)) for u in unit_ids for n in range(FIGURE_SHARDS)]
    for item in db.batch_get(keys):
        counts = out.setdefault((str(item["unit_id"]), int(str(item["PK"]).rsplit("#", 1)[1])), {})
        for attr, value in item.items():
            kind, _, field = str(attr).partition(".")
            if field in FIGURES:
                counts.setdefault(kind, dict.fromkeys(FIGURES, 0))[field] += int(value)
    return out


def add_counts(total: dict[str, dict[str, int]], more: dict[str, dict[str, int]], sign: int = 1) -> None:
    for kind, fields in more.items():
        sums = total.setdefault(kind, dict.fromkeys(FIGURES, 0))
        for field in FIGURES:
            sums[field] += sign * fields.get(field, 0)


def subtree_figures(unit_ids: list[str]) -> dict[str, dict[str, dict[str, int]]]:
    """Per unit, per session kind, the counts of its whole subtree: the sum of its figure shards."""
    out: dict[str, dict[str, dict[str, int]]] = {u: {} for u in unit_ids}
    for (unit, _), counts in figure_shards(unit_ids).items():
        add_counts(out[unit], counts)
    return out


def figure_shard(session_id: str, seat_shard: int | None) -> int:
    """The figure shard a registration of this session (in this seat shard) adds to: fixed per seat
    shard, and different for each seat shard of one session, so bookings that do not meet on a seat
    shard do not meet on a figure item either."""
    return (zlib.crc32(session_id.encode()) + (seat_shard or 0)) % FIGURE_SHARDS


def count_figures(unit_path: str, kind: str, changes: dict[str, int], counted: bool = True,
                  shard: int | None = None) -> list[db.Op]:
    """The subtree figures of the session's unit and each ancestor moved by `changes` (field: delta),
    each on figure shard `shard` (else one at random). Nothing for a record not counted (a
    demonstration)."""
    changes = {f: d for f, d in changes.items() if d}
    if not counted or not changes:
        return []
    names = {f"#f{i}": f"{kind}.{field}" for i, field in enumerate(changes)} | {"#u": "unit_id"}
    values: dict[str, Any] = {f":f{i}": delta for i, delta in enumerate(changes.values())}
    adds = ", ".join(f"#f{i} :f{i}" for i in range(len(changes)))
    ops = []
    for unit in path_units(unit_path):
        n = random.randrange(FIGURE_SHARDS) if shard is None else shard  # noqa: S311 - spreading writes
        ops.append(db.update(*figures_key(unit, n), f"SET #u = :u ADD {adds}", names=names,
                             values=values | {":u": unit}).named("count_figures"))
    return ops


def put_figures(unit_id: str, n: int, counts: dict[str, dict[str, int]]) -> db.Op:
    """One shard of a unit's figures written whole (the backfill puts all in shard 0, zero in the rest)."""
    item: dict[str, Any] = {"PK": figures_key(unit_id, n)[0], "SK": "BOOKSUM", "type": "booking_figures",
                            "unit_id": unit_id}
    for kind, fields in counts.items():
        for field, value in fields.items():
            item[f"{kind}.{field}"] = value
    return db.put(item).named("put_figures")


# --- writes -------------------------------------------------------------------------------------------

def retry() -> errors.ProblemError:
    """The state read has changed meanwhile: the caller reads again and retries."""
    return errors.conflict("名额状态刚刚变化。", "booking-retry")


def already_registered() -> errors.ProblemError:
    return errors.conflict("这个手机号码已经报名了本场次，每人只能占一个名额。如需查看，请用报名编号和手机号码查询。",
                           "already-registered")


def capacity_below_confirmed(confirmed: int) -> errors.ProblemError:
    return errors.validation_failed([FieldError("capacity", f"名额不能少于已确认的人数（{confirmed} 人）")])


def create_session(record: dict[str, Any], listed: bool, shares: list[int] | None = None) -> list[db.Op]:
    """A new session and its pointer in the unit's list; with `shares` (seats per shard, more than
    one), its seat shards."""
    ops = [db.put_new(session_item(record, listed)).named("create_session"),
           db.put_new(unit_pointer(record["unit_id"], record["starts_at"], record["id"])).named("list_in_unit")]
    for n, seats in enumerate(shares or []):
        pk, sk = seats_key(record["id"], n)
        shard = {"PK": pk, "SK": sk, "type": "booking_seats", "session_id": record["id"], "n": n, "seats": seats,
                 "taken": 0, "registrations": 0, "status": record["status"]}
        if record.get("registration_closes_at"):
            shard["registration_closes_at"] = record["registration_closes_at"]
        ops.append(db.put_new(shard).named("add_seat_shard"))
    return ops


def _change_session(session_id: str, changes: dict[str, Any], condition: str, on_fail: errors.ProblemError,
                    now: str) -> db.Op:
    names = {f"#{k}": k for k in changes} | {"#version": "version", "#updated": "updated_at"}
    sets = [f"#{k} = :{k}" for k in changes] + ["#version = #version + :one", "#updated = :now"]
    values = {f":{k}": v for k, v in changes.items()} | {":one": 1, ":now": now}
    for placeholder in ("#capacity", "#confirmed", "#status"):
        if placeholder in condition:
            names[placeholder] = placeholder[1:]
    return db.update(*session_key(session_id), "SET " + ", ".join(sets), condition, names=names, values=values,
                     on_fail=on_fail)


def set_status(session_id: str, status: str, now: str) -> db.Op:
    """Open or close registration (404 when the session is gone)."""
    return _change_session(session_id, {"status": status}, "attribute_exists(PK)", errors.not_found(),
                           now).named("set_status")


def move_session(session: dict[str, Any], changes: dict[str, str | None], version_seen: int, now: str,
                 listed: bool) -> list[db.Op]:
    """A session's new time and place (a field given None is removed), only at the version read: its
    listing key and its pointer in the unit's list follow the new start."""
    session_id, starts_at = session["id"], changes["starts_at"]
    kept = {k: v for k, v in changes.items() if v is not None}
    names = {f"#{k}": k for k in changes} | {"#version": "version", "#updated": "updated_at"}
    values: dict[str, Any] = {f":{k}": v for k, v in kept.items()} | {":one": 1, ":now": now, ":seen": version_seen}
    sets = [f"#{k} = :{k}" for k in kept] + ["#version = #version + :one", "#updated = :now", "#moved = :now"]
    names["#moved"] = "rescheduled_at"
    if listed:
        names["#gsk"], values[":gsk"] = "GSI1SK", f"{starts_at}#{session_id}"
        sets.append("#gsk = :gsk")
    gone = [f"#{k}" for k, v in changes.items() if v is None]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(gone) if gone else "")
    ops = [db.update(*session_key(session_id), expression, "#version = :seen", names=names, values=values,
                     on_fail=errors.version_conflict()).named("move_session")]
    if starts_at != session["starts_at"]:
        ops += [db.delete(f"UNITSESSIONS#{session['unit_id']}", f"{session['starts_at']}#{session_id}")
                .named("unlist_in_unit"),
                db.put(unit_pointer(session["unit_id"], str(starts_at), session_id)).named("list_in_unit")]
    return ops


def cancel_session(session_id: str, reason: str, version_seen: int, now: str) -> db.Op:
    """The session called off, at the version read: registration stops for good and its seats and
    waitlist stay as they are (registering, cancelling and promoting are conditioned on `open`)."""
    return db.update(*session_key(session_id),
                     "SET #status = :to, #reason = :reason, #version = #version + :one, #updated = :now",
                     "#version = :seen AND #status <> :to",
                     names={"#status": "status", "#reason": "cancel_reason", "#version": "version",
                            "#updated": "updated_at"},
                     values={":to": "cancelled", ":reason": reason, ":one": 1, ":now": now, ":seen": version_seen},
                     on_fail=errors.version_conflict()).named("cancel_session")


def set_shard_status(session_id: str, n: int, status: str) -> db.Op:
    """A seat shard's copy of the session's status (its bookings are conditioned on it)."""
    return db.update(*seats_key(session_id, n), "SET #status = :s", "attribute_exists(PK)",
                     names={"#status": "status"}, values={":s": status}, on_fail=retry()).named("set_shard_status")


def resize_shard(session_id: str, n: int, seats: int) -> db.Op:
    """A seat shard's new share of the capacity, only while the seats taken in it fit."""
    return db.update(*seats_key(session_id, n), "SET #seats = :seats", "#taken <= :seats",
                     names={"#seats": "seats", "#taken": "taken"}, values={":seats": seats},
                     on_fail=retry()).named("resize_shard")


def change_capacity(session_id: str, capacity: int, confirmed_seen: int, now: str) -> db.Op:
    """A new capacity, never below the seats confirmed when it is written."""
    return _change_session(session_id, {"capacity": capacity}, ":capacity >= #confirmed",
                           capacity_below_confirmed(confirmed_seen), now).named("change_capacity")


# Registering: both counters also count one more registration, and need registration still open.
_OPEN = "#status = :open AND (attribute_not_exists(registration_closes_at) OR registration_closes_at > :now)"
_COUNT_REGISTRATION = "#regs = if_not_exists(#regs, :zero) + :one"


def _registering(session_id: str, expression: str, condition: str, names: dict[str, str],
                 values: dict[str, Any], now: str) -> db.Op:
    expression, condition = f"SET {expression}, {_COUNT_REGISTRATION}", f"{_OPEN} AND {condition}"
    used = {"#status": "status", "#confirmed": "confirmed", "#capacity": "capacity", "#regs": "registrations"}
    return db.update(*session_key(session_id), expression, condition,
                     names={k: v for k, v in used.items() if k in f"{expression} {condition}"} | names,
                     values={":open": "open", ":one": 1, ":now": now, ":zero": 0} | values, on_fail=retry())


def take_seat(session_id: str, now: str) -> db.Op:
    """One more confirmed seat, while one is free."""
    return _registering(session_id, "#confirmed = #confirmed + :one", "#confirmed < #capacity", {}, {},
                        now).named("take_seat")


class ShardTaken(errors.ProblemError):
    """The shard tried has no seat left (or registration closed meanwhile): the booking tries another
    shard, then reads again; answered, if ever, as `booking-retry`."""


def shard_taken() -> errors.ProblemError:
    found = retry()
    return ShardTaken(status=found.status, title=found.title, detail=found.detail, code=found.code)


def take_shard_seat(session_id: str, n: int, now: str) -> db.Op:
    """One more seat taken in shard n of a sharded session, while it has one and registration is open."""
    return db.update(*seats_key(session_id, n),
                     "SET #taken = #taken + :one, #regs = if_not_exists(#regs, :zero) + :one",
                     f"#taken < #seats AND {_OPEN}",
                     names={"#taken": "taken", "#seats": "seats", "#regs": "registrations", "#status": "status"},
                     values={":one": 1, ":zero": 0, ":open": "open", ":now": now},
                     on_fail=shard_taken()).named("take_shard_seat")


def shard_full(session_id: str, n: int) -> db.Op:
    """Shard n has no seat left (a waitlist place is taken only while every shard is full)."""
    return db.check(*seats_key(session_id, n), "#taken >= #seats", names={"#taken": "taken", "#seats": "seats"},
                    on_fail=retry()).named("shard_full")


def join_waitlist(session_id: str, seq_seen: int, reference: str, reg_sk: str, now: str,
                  shards: int = 1) -> list[db.Op]:
    """The next waitlist number (seq_seen + 1) and its WAIT# place, while the session is full (each
    of its shards, when it has them) and nobody else took that number."""
    seq = seq_seen + 1
    full = "#confirmed >= #capacity AND " if shards == 1 else ""
    counter = _registering(session_id, "#seq = :seq, #waitlisted = #waitlisted + :one",
                           f"{full}#seq = :seen",
                           {"#seq": "wait_seq", "#waitlisted": "waitlisted"}, {":seen": seq_seen, ":seq": seq},
                           now).named("join_waitlist")
    place = db.put_new({"PK": session_key(session_id)[0], "SK": wait_sk(seq), "type": "booking_wait",
                        "reference": reference, "reg_sk": reg_sk, "created_at": now}, on_fail=retry())
    checks = [shard_full(session_id, n) for n in range(shards)] if shards > 1 else []
    return [counter, place.named("add_wait_place"), *checks]


def hold_place(session_id: str, phone_hash: str, reference: str, now: str) -> db.Op:
    """The guard that gives a person (by phone) one place per session."""
    pk, sk = person_key(session_id, phone_hash)
    return db.put_new({"PK": pk, "SK": sk, "type": "booking_person", "reference": reference, "created_at": now},
                      on_fail=already_registered()).named("hold_place")


def free_place(session_id: str, phone_hash: str) -> db.Op:
    """Drop the person's guard, so the phone may register again."""
    return db.delete(*person_key(session_id, phone_hash)).named("free_place")


def add_registration(session_id: str, reg_sk: str, registration: dict[str, Any]) -> db.Op:
    return db.put_new({"PK": session_key(session_id)[0], "SK": reg_sk, **registration}).named("add_registration")


def cancel_registration(session_id: str, reg_sk: str, was: str, attended: bool, now: str) -> db.Op:
    """Status `cancelled`, only while its status and attendance mark are as read."""
    marked = "#attended = :yes" if attended else "(attribute_not_exists(#attended) OR #attended = :no)"
    return db.update(session_key(session_id)[0], reg_sk, "SET #status = :to, #updated = :now",
                     f"#status = :was AND {marked}",
                     names={"#status": "status", "#updated": "updated_at", "#attended": "attended"},
                     values={":to": "cancelled", ":was": was, ":now": now, (":yes" if attended else ":no"): attended},
                     on_fail=retry()).named("cancel_registration")


def leave_waitlist(session_id: str, place_sk: str) -> db.Op:
    """Remove a WAIT# place, once."""
    return db.delete(session_key(session_id)[0], place_sk, "attribute_exists(PK)",
                     on_fail=retry()).named("leave_waitlist")


def promote(session_id: str, place: dict[str, Any], now: str, shard: int | None = None) -> list[db.Op]:
    """The first waitlisted registration (by its WAIT# place) confirmed, exactly once (on a sharded
    session, holding a seat of shard `shard`)."""
    pk = session_key(session_id)[0]
    values: dict[str, Any] = {":to": "confirmed", ":was": "waitlisted", ":now": now}
    expression = "SET #status = :to, #updated = :now, promoted_at = :now"
    if shard is not None:
        expression += ", seat_shard = :shard"
        values[":shard"] = shard
    return [
        db.update(pk, place["reg_sk"], expression, "#status = :was",
                  names={"#status": "status", "#updated": "updated_at"}, values=values,
                  on_fail=retry()).named("promote"),
        leave_waitlist(session_id, place["SK"]),
    ]


def _counter(session_id: str, expression: str, condition: str) -> db.Op:
    used = set(re.findall(r"#\w+", expression + " " + condition))
    values = {k: v for k, v in {":one": 1, ":zero": 0}.items() if k in expression + " " + condition}
    return db.update(*session_key(session_id), "SET " + expression, condition, names={n: n[1:] for n in used},
                     values=values, on_fail=retry())


def _counting_cancellation(attended: bool) -> str:
    """One more cancelled; one fewer attended if this one had come (sessions from before the counts
    start them at zero)."""
    return ", #cancelled = if_not_exists(#cancelled, :zero) + :one" + (
        ", #attended = if_not_exists(#attended, :one) - :one" if attended else "")


def shorten_waitlist(session_id: str, attended: bool) -> db.Op:
    """A cancellation that leaves the waitlist one shorter: a waitlisted person cancelled, or a
    confirmed one whose seat went to the first waitlisted."""
    return _counter(session_id, "#waitlisted = #waitlisted - :one" + _counting_cancellation(attended),
                    "#waitlisted > :zero").named("shorten_waitlist")


def release_seat(session_id: str, attended: bool, shard: int | None = None) -> list[db.Op]:
    """A confirmed seat freed by a cancellation, only while nobody is waiting for it (on a sharded
    session, the seat goes back to its shard)."""
    if shard is None:
        return [_counter(session_id, "#confirmed = #confirmed - :one" + _counting_cancellation(attended),
                         "#waitlisted = :zero AND #confirmed > :zero").named("release_seat")]
    counts = _counting_cancellation(attended).removeprefix(", ")
    return [_counter(session_id, counts, "#waitlisted = :zero").named("release_seat"),
            db.update(*seats_key(session_id, shard), "SET #taken = #taken - :one", "#taken > :zero",
                      names={"#taken": "taken"}, values={":one": 1, ":zero": 0},
                      on_fail=retry()).named("release_shard_seat")]


def fill_seat_from_waitlist(session_id: str, shard: int | None = None) -> list[db.Op]:
    """A free seat given to a waitlisted person: one more confirmed (in shard `shard` on a sharded
    session), one fewer waiting."""
    if shard is None:
        return [db.update(*session_key(session_id),
                          "SET #confirmed = #confirmed + :one, #waitlisted = #waitlisted - :one",
                          "#confirmed < #capacity AND #waitlisted > :zero",
                          names={"#confirmed": "confirmed", "#waitlisted": "waitlisted", "#capacity": "capacity"},
                          values={":one": 1, ":zero": 0}, on_fail=retry()).named("fill_seat_from_waitlist")]
    return [_counter(session_id, "#waitlisted = #waitlisted - :one", "#waitlisted > :zero").named("leave_wait_count"),
            db.update(*seats_key(session_id, shard), "SET #taken = #taken + :one", "#taken < #seats",
                      names={"#taken": "taken", "#seats": "seats"}, values={":one": 1},
                      on_fail=retry()).named("fill_seat_from_waitlist")]


def mark_attendance(registration: dict[str, Any], attended: bool, now: str) -> db.Op:
    """Attended or not, on a confirmed registration whose mark is still as read."""
    was = bool(registration.get("attended"))
    marked = "#attended = :was" if was else "(attribute_not_exists(#attended) OR #attended = :was)"
    return db.update(registration["PK"], registration["SK"], "SET #attended = :a, #updated = :now",
                     f"#status = :confirmed AND {marked}",
                     names={"#status": "status", "#updated": "updated_at", "#attended": "attended"},
                     values={":a": attended, ":now": now, ":confirmed": "confirmed", ":was": was},
                     on_fail=errors.conflict("只有已确认名额的报名才能登记到场；若刚有人改过，请刷新后再试。",
                                             "not-confirmed")).named("mark_attendance")


def count_attendance(session_id: str, change: int) -> db.Op:
    """The session's attended count moved by change (+1 or -1)."""
    return db.update(*session_key(session_id), "SET #attended = if_not_exists(#attended, :zero) + :d",
                     names={"#attended": "attended"}, values={":zero": 0, ":d": change}).named("count_attendance")
