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
    (`release_seat`).
A failed condition other than "already registered" answers `retry()`: another request got there
first, and the engine reads again and tries once more.
"""

from __future__ import annotations

import re
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


# --- writes -------------------------------------------------------------------------------------------

def retry() -> errors.ProblemError:
    """The state read has changed meanwhile: the caller reads again and retries."""
    return errors.conflict("名额状态刚刚变化。", "booking-retry")


def already_registered() -> errors.ProblemError:
    return errors.conflict("这个手机号码已经报名了本场次，每人只能占一个名额。如需查看，请用报名编号和手机号码查询。",
                           "already-registered")


def capacity_below_confirmed(confirmed: int) -> errors.ProblemError:
    return errors.validation_failed([FieldError("capacity", f"名额不能少于已确认的人数（{confirmed} 人）")])


def create_session(record: dict[str, Any], listed: bool) -> list[db.Op]:
    """A new session and its pointer in the unit's list."""
    return [db.put_new(session_item(record, listed)).named("create_session"),
            db.put_new(unit_pointer(record["unit_id"], record["starts_at"], record["id"])).named("list_in_unit")]


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


def change_capacity(session_id: str, capacity: int, confirmed_seen: int, now: str) -> db.Op:
    """A new capacity, never below the seats confirmed when it is written."""
    return _change_session(session_id, {"capacity": capacity}, ":capacity >= #confirmed",
                           capacity_below_confirmed(confirmed_seen), now).named("change_capacity")


# Registering: both counters also count one more registration, and need registration still open.
_OPEN = "#status = :open AND (attribute_not_exists(registration_closes_at) OR registration_closes_at > :now)"
_COUNT_REGISTRATION = "#regs = if_not_exists(#regs, :zero) + :one"


def _registering(session_id: str, expression: str, condition: str, names: dict[str, str],
                 values: dict[str, Any], now: str) -> db.Op:
    return db.update(*session_key(session_id), f"SET {expression}, {_COUNT_REGISTRATION}", f"{_OPEN} AND {condition}",
                     names={"#status": "status", "#confirmed": "confirmed", "#capacity": "capacity",
                            "#regs": "registrations"} | names,
                     values={":open": "open", ":one": 1, ":now": now, ":zero": 0} | values, on_fail=retry())


def take_seat(session_id: str, now: str) -> db.Op:
    """One more confirmed seat, while one is free."""
    return _registering(session_id, "#confirmed = #confirmed + :one", "#confirmed < #capacity", {}, {},
                        now).named("take_seat")


def join_waitlist(session_id: str, seq_seen: int, reference: str, reg_sk: str, now: str) -> list[db.Op]:
    """The next waitlist number (seq_seen + 1) and its WAIT# place, while the session is full and
    nobody else took that number."""
    seq = seq_seen + 1
    counter = _registering(session_id, "#seq = :seq, #waitlisted = #waitlisted + :one",
                           "#confirmed >= #capacity AND #seq = :seen",
                           {"#seq": "wait_seq", "#waitlisted": "waitlisted"}, {":seen": seq_seen, ":seq": seq},
                           now).named("join_waitlist")
    place = db.put_new({"PK": session_key(session_id)[0], "SK": wait_sk(seq), "type": "booking_wait",
                        "reference": reference, "reg_sk": reg_sk, "created_at": now}, on_fail=retry())
    return [counter, place.named("add_wait_place")]


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


def promote(session_id: str, place: dict[str, Any], now: str) -> list[db.Op]:
    """The first waitlisted registration (by its WAIT# place) confirmed, exactly once."""
    pk = session_key(session_id)[0]
    return [
        db.update(pk, place["reg_sk"], "SET #status = :to, #updated = :now, promoted_at = :now", "#status = :was",
                  names={"#status": "status", "#updated": "updated_at"},
                  values={":to": "confirmed", ":was": "waitlisted", ":now": now}, on_fail=retry()).named("promote"),
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


def release_seat(session_id: str, attended: bool) -> db.Op:
    """A confirmed seat freed by a cancellation, only while nobody is waiting for it."""
    return _counter(session_id, "#confirmed = #confirmed - :one" + _counting_cancellation(attended),
                    "#waitlisted = :zero AND #confirmed > :zero").named("release_seat")


def fill_seat_from_waitlist(session_id: str) -> db.Op:
    """A free seat given to a waitlisted person: one more confirmed, one fewer waiting."""
    return db.update(*session_key(session_id), "SET #confirmed = #confirmed + :one, #waitlisted = #waitlisted - :one",
                     "#confirmed < #capacity AND #waitlisted > :zero",
                     names={"#confirmed": "confirmed", "#waitlisted": "waitlisted", "#capacity": "capacity"},
                     values={":one": 1, ":zero": 0}, on_fail=retry()).named("fill_seat_from_waitlist")


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
