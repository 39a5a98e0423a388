"""Keys, reads and writes of message delivery (docs/access-patterns.md).

The message item itself is the outbox's (core/outbox.py: PK=MSG#<id>, SK=MSG, written pending by
the change it is about); this store moves it through its states, each move a named op whose
condition is the state it leaves:

    pending -> held (quiet hours, or a batched alert's window) -> pending (released at its time)
    pending -> dropped (opted out, over a cap, a duplicate, no webhook)
    pending | retrying | sending with its lease run out -> sending (claimed by one handler)
    sending -> sent | retrying (attempts n, reason) | failed (reason)

Other items:
  opt-out of a phone      PK=OPTOUT#<phone hash>          SK=OPTOUT
  per-phone daily cap     PK=MSGCAP#<phone hash>          SK=DAY#<Beijing date>   n, ttl
  per-record cap          PK=MSGCAP#<about>               SK=ABOUT                n, ttl
  duplicate guard         PK=MSGDUP#<fingerprint>         SK=MSGDUP               until, ttl
  held until a time       PK=MSGHELD#<Beijing date>       SK=<message id>         release_at, ttl

A unit's group robot and alert phones are the orgs domain's (read through orgs.service).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from chalicelib.core import db, errors, outbox, personal, times

FORGET = ("to", "params")  # what a message asking to be forgotten loses once its outcome is recorded
DAY = 86400


def message(message_id: str) -> dict[str, Any] | None:
    return db.get(*outbox.message_key(message_id), consistent=True)


def phone_hash(phone: str) -> str:
    """The keyed hash a phone is known by here (the same as the status look-up's)."""
    return personal.keyed_hash("phone", phone)


def _refused(detail: str) -> errors.ProblemError:
    # One instance per op: the service tells which condition failed by identity.
    return errors.conflict(detail)


def _ttl(now: str, days: int) -> int:
    return int(times.parse(now).timestamp()) + days * DAY


def _conditioned(op: db.Op, condition: str, names: dict[str, str], values: dict[str, Any], detail: str) -> db.Op:
    """A set-and-remove op that applies only under this condition on the message's state."""
    op.params["ConditionExpression"] = condition
    op.params.setdefault("ExpressionAttributeNames", {}).update(names)
    op.params.setdefault("ExpressionAttributeValues", {}).update(values)
    op.on_condition_failed = _refused(detail)
    return op


def _move(message_id: str, sets: dict[str, Any], from_states: tuple[str, ...], name: str,
          removes: tuple[str, ...] = ()) -> db.Op:
    values = {f":from{i}": state for i, state in enumerate(from_states)}
    condition = f"attribute_exists(PK) AND #state IN ({', '.join(values)})"
    op = db.set_and_remove(*outbox.message_key(message_id), sets, list(removes))
    return _conditioned(op, condition, {"#state": "state"}, values, "消息状态已变化。").named(name)


# --- the message's moves -------------------------------------------------------------------------

def claim(message_id: str, now: str, lease_until: str, *, first: bool) -> db.Op:
    """One handler takes the message to send it: from pending (first=True: it is being admitted
    now, with its caps and checks in the same transaction), from retrying, or from sending when the
    handler that had it stopped before recording anything (its lease ran out)."""
    sets: dict[str, Any] = {"state": "sending", "lease_until": lease_until, "updated_at": now}
    if first:
        sets["admitted_at"] = now
        return _move(message_id, sets, ("pending",), "claim_message")
    return _claim_again(message_id, sets, now)


def _claim_again(message_id: str, sets: dict[str, Any], now: str) -> db.Op:
    op = db.set_and_remove(*outbox.message_key(message_id), sets, [])
    return _conditioned(op, "#state = :retrying OR (#state = :sending AND #lease < :now)",
                        {"#state": "state", "#lease": "lease_until"},
                        {":retrying": "retrying", ":sending": "sending", ":now": now},
                        "消息已由其他处理取走。").named("claim_message")


def _forgotten(sets: dict[str, Any], forget: bool, now: str) -> tuple[str, ...]:
    """A message asking to be forgotten once sent or failed loses its phone and values here."""
    if not forget:
        return ()
    sets["anonymised_at"] = now
    return FORGET


def mark_sent(message_id: str, attempts: int, provider: str, provider_id: str, now: str, *,
              forget: bool = False) -> db.Op:
    sets: dict[str, Any] = {"state": "sent", "attempts": attempts, "provider": provider,
                            "provider_id": provider_id, "sent_at": now, "updated_at": now}
    return _move(message_id, sets, ("sending",), "message_sent",
                 removes=("lease_until", "reason", *_forgotten(sets, forget, now)))


def mark_retrying(message_id: str, attempts: int, reason: str, now: str) -> db.Op:
    return _move(message_id, {"state": "retrying", "attempts": attempts, "reason": reason, "updated_at": now},
                 ("sending",), "message_retrying", removes=("lease_until",))


def mark_failed(message_id: str, attempts: int, reason: str, now: str, *, forget: bool = False) -> db.Op:
    sets: dict[str, Any] = {"state": "failed", "attempts": attempts, "reason": reason, "updated_at": now}
    return _move(message_id, sets, ("sending",), "message_failed",
                 removes=("lease_until", *_forgotten(sets, forget, now)))


def mark_dropped(message_id: str, reason: str, now: str, *, forget: bool = False) -> db.Op:
    sets: dict[str, Any] = {"state": "dropped", "reason": reason, "updated_at": now}
    return _move(message_id, sets, ("pending",), "message_dropped", removes=_forgotten(sets, forget, now))


def mark_resent(message_id: str, now: str) -> db.Op:
    """A sent, failed or dropped message goes out again (a staff member's resend): back to pending,
    admitted anew, its attempts counted afresh."""
    return _move(message_id, {"state": "pending", "attempts": 0, "resent_at": now, "updated_at": now},
                 ("sent", "failed", "dropped"),
                 "message_resent", removes=("admitted_at", "lease_until", "reason"))


def held_key(release_day: str, message_id: str) -> tuple[str, str]:
    return f"MSGHELD#{release_day}", message_id


def hold(message_id: str, release_at: str, now: str) -> list[db.Op]:
    """The message waits until `release_at` (quiet hours: the morning; a batched alert: its window's
    end), listed under the Beijing day it is released."""
    day = times.local_date(release_at).isoformat()
    pk, sk = held_key(day, message_id)
    return [_move(message_id, {"state": "held", "release_at": release_at, "updated_at": now}, ("pending",),
                  "hold_message"),
            db.put({"PK": pk, "SK": sk, "type": "message_held", "message_id": message_id,
                    "release_at": release_at, "ttl": _ttl(release_at, 7)}).named("list_held_message")]


def held_on(release_day: str, limit: int = 100) -> list[dict[str, Any]]:
    items, _ = db.query(f"MSGHELD#{release_day}", limit=limit)
    return items


def release(message_id: str, release_day: str, now: str) -> list[db.Op]:
    """Back to pending, which hands the message to the stream handler again."""
    return [_move(message_id, {"state": "pending", "updated_at": now}, ("held",), "release_message",
                  removes=("release_at",)),
            db.delete(*held_key(release_day, message_id)).named("unlist_held_message")]


def forget_held(message_id: str, release_day: str) -> db.Op:
    """A listed message that is no longer held (sent or removed meanwhile)."""
    return db.delete(*held_key(release_day, message_id)).named("unlist_held_message")


# --- admission: opt-outs, caps, duplicates -------------------------------------------------------

def opt_out_key(phone_hash_: str) -> tuple[str, str]:
    return f"OPTOUT#{phone_hash_}", "OPTOUT"


def opt_out(phone: str, now: str) -> db.Op:
    """Stop messages to this phone (kept while the phone may still be named by a form)."""
    pk, sk = opt_out_key(phone_hash(phone))
    return db.put({"PK": pk, "SK": sk, "type": "opt_out", "created_at": now}).named("opt_out_phone")


def is_opted_out(phone: str) -> bool:
    return db.get(*opt_out_key(phone_hash(phone))) is not None


def not_opted_out(phone: str) -> db.Op:
    pk, sk = opt_out_key(phone_hash(phone))
    return db.check(pk, sk, "attribute_not_exists(PK)",
                    on_fail=_refused("该手机号已退订。")).named("phone_not_opted_out")


def _count_below(pk: str, sk: str, cap: int, ttl: int, name: str, detail: str) -> db.Op:
    return db.update(pk, sk, "ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)",
                     "attribute_not_exists(#n) OR #n < :cap", names={"#n": "n", "#ttl": "ttl"},
                     values={":one": 1, ":ttl": ttl, ":cap": cap}, on_fail=_refused(detail)).named(name)


def count_phone_day(phone: str, day: str, cap: int, now: str) -> db.Op:
    return _count_below(f"MSGCAP#{phone_hash(phone)}", f"DAY#{day}", cap, _ttl(now, 2), "count_phone_day",
                        "该手机号今天的短信已达上限。")


def count_about(about: str, cap: int, now: str) -> db.Op:
    return _count_below(f"MSGCAP#{about}", "ABOUT", cap, _ttl(now, outbox.KEEP_DAYS), "count_about_record",
                        "这件事项的短信已达上限。")


def fingerprint(item: dict[str, Any]) -> str:
    """Equal for two messages saying the same thing to the same person about the same record."""
    body = json.dumps([item["template"], item["channel"], item["to"], item.get("params", {}), item["about"]],
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def not_duplicate(item: dict[str, Any], now: str, window_seconds: int) -> db.Op:
    """The first of equal messages within the window passes; the others are refused."""
    until = int(times.parse(now).timestamp()) + window_seconds
    return db.put({"PK": f"MSGDUP#{fingerprint(item)}", "SK": "MSGDUP", "type": "message_fingerprint",
                   "until": until, "message_id": item["id"], "ttl": until + DAY},
                  "attribute_not_exists(PK) OR #until < :now OR message_id = :id",
                  names={"#until": "until"},
                  values={":now": int(times.parse(now).timestamp()), ":id": item["id"]},
                  on_fail=_refused("相同内容的短信刚刚发过。")).named("guard_duplicate_message")
