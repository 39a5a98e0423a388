"""The booking engine: sessions with a capacity, confirmed seats, a waitlist in arrival order,
cancellation that promotes the first waitlisted person exactly once, one place per person (by
phone) per session, and a reference code per registration.

Other domains call these functions (recruitment for fairs, courses and shuttles; recuperation
batches later): create_session, register, cancel_by_reference / cancel_registration,
promote_free_seats, close, reopen, change_capacity, change_session, cancel_session, mark_attendance,
registrations, get_session.

Every invariant is a condition inside the transaction that changes it: store.py names each write
(take_seat, join_waitlist, hold_place, promote, release_seat...) and states its condition. This
module decides which of them a registration, cancellation or promotion needs and commits them
together. A failed condition other than "already registered" means another request got there
first: the engine reads again and retries, within a time budget, before answering.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.booking import store
from chalicelib.booking.models import (
    KIND_LABELS,
    LISTED_KINDS,
    Cancelled,
    Kind,
    PublicSession,
    PublicSessionPage,
    Registered,
    Registration,
    RegistrationPage,
    Session,
    SessionCancelIn,
    SessionChangeIn,
    SessionHistory,
    SessionHistoryEntry,
    SessionIn,
    SessionPage,
)
from chalicelib.core import (
    audit,
    auth,
    db,
    demo,
    errors,
    labels,
    outbox,
    pagination,
    personal,
    refs,
    retention,
    roles,
    templates,
    uow,
)
from chalicelib.core.auth import Principal
from chalicelib.core.times import shanghai_text
from chalicelib.orgs import service as orgs

ACT, READ = roles.CASEWORK, roles.CASEWORK_READ
SESSION_LABELS = labels.SESSION_LABELS
REG_LABELS = labels.REGISTRATION_LABELS
REF_KIND = "booking"
RETRY_SECONDS = 25.0  # at most; a request's own time budget (db.request_budget) ends it sooner
_RETRY = "/problems/booking-retry"
# Seat shards: a session of up to SHARD_ABOVE seats keeps its seats on the session item; a larger one
# splits them into one shard per SEATS_PER_SHARD seats (at most MAX_SHARDS: a waitlist place checks
# every shard in its transaction).
SHARD_ABOVE = 500
SEATS_PER_SHARD = 300
MAX_SHARDS = store.FIGURE_SHARDS  # each seat shard of a session adds to a figure shard of its own


def shard_count(capacity: int) -> int:
    """How many seat shards a session of this capacity gets (1: the session item alone)."""
    if capacity <= SHARD_ABOVE:
        return 1
    return min(MAX_SHARDS, -(-capacity // SEATS_PER_SHARD))


def shares(capacity: int, taken: list[int]) -> list[int]:
    """Each shard's seats for a capacity: what it has taken, plus an even part of the seats still
    free (the first shards one more where they do not divide evenly). Never below what is taken;
    the caller makes sure the capacity covers the seats taken."""
    free = capacity - sum(taken)
    base, extra = divmod(free, len(taken))
    return [t + base + (1 if n < extra else 0) for n, t in enumerate(taken)]


def _figures(session: dict[str, Any], shard: int | None = None, **changes: int) -> list[db.Op]:
    """The subtree figures of the session's unit and ancestors moved by these counts (on figure shard
    `shard`, else one at random); a demonstration session (marked `demo`) is left out of the figures."""
    return store.count_figures(session["unit_path"], session["kind"], changes, counted=not session.get("demo"),
                               shard=shard)


def _iso(value: Any) -> str:
    from datetime import UTC

    return str(value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"))


def county_of(unit_path: str) -> str | None:
    """The county-level unit a unit lies in (second element of its path), if any."""
    parts = [p for p in unit_path.split("/") if p]
    return parts[1] if len(parts) > 1 else None


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    note: str | None = None
    link: str | None = None  # the calling domain's id of this person (recuperation: the archive id)


CancelHook = Callable[[dict[str, Any]], list[db.Op]]
_cancel_hooks: dict[str, CancelHook] = {}


def on_cancel(kind: Kind, hook: CancelHook) -> None:
    """A domain that books people itself (recuperation) hears of their cancellations: for sessions of
    this kind, `hook(registration)` (the cancelled registration, carrying the Person's link) gives
    the writes that go into the cancellation's own transaction. Registered in app.py."""
    _cancel_hooks[kind.value] = hook


def cancel_hook(kind: str) -> CancelHook | None:
    """The hook registered for a session kind, if any."""
    return _cancel_hooks.get(kind)


def retry_problem() -> errors.ProblemError:
    """For a cancel hook's write's on_fail: the cancellation reads again and retries."""
    return store.retry()


# --- sessions ---------------------------------------------------------------------------------------

def create_session(body: SessionIn, by: Principal, shards: int | None = None) -> Session:
    """A new session; its seats sharded by its capacity (`shards` sets the number: benchmarks)."""
    try:
        unit = orgs.get_unit(body.unit_id)
        path = orgs.unit_path(body.unit_id)
    except errors.ProblemError as exc:
        if exc.status >= 500:  # an outage is not a missing record
            raise
        raise errors.not_found() from None
    auth.require_in_scope(by, path)
    now = audit.now_iso()
    record: dict[str, Any] = {
        "type": "booking_session", "id": f"s{int(time.time() * 1000):x}{random.randrange(16**4):04x}",  # noqa: S311
        "kind": body.kind.value, "title": body.title, "unit_id": unit.id, "unit_name": unit.name,
        "unit_path": path, "starts_at": _iso(body.starts_at), "ends_at": _iso(body.ends_at),
        "capacity": body.capacity, "confirmed": 0, "waitlisted": 0, "wait_seq": 0, "status": "open",
        "registrations": 0, "cancelled": 0, "attended": 0,
        "version": 1, "created_at": now, "updated_at": now, "created_by": by.id,
    }
    county = county_of(path)
    if county:
        record["county_unit_id"] = county
    for name in ("place", "online_url", "description", "contact"):
        value = getattr(body, name)
        if value:
            record[name] = value
    for name in ("registration_opens_at", "registration_closes_at"):
        value = getattr(body, name)
        if value:
            record[name] = _iso(value)
    n = shards or shard_count(body.capacity)
    if n > 1:
        record["shards"] = n
    uow.commit([
        *store.create_session(record, body.kind in LISTED_KINDS, shares(body.capacity, [0] * n) if n > 1 else None),
        *_figures(record, sessions=1),
        audit.entry(actor=by.actor, action="booking.session.create", entity="session", entity_id=record["id"],
                    unit_id=unit.id, after=record),
    ])
    return to_session(record)


def to_session(record: dict[str, Any]) -> Session:
    return Session(
        id=record["id"], kind=record["kind"], kind_label=KIND_LABELS[Kind(record["kind"])], title=record["title"],
        unit_id=record["unit_id"], unit_name=record["unit_name"], starts_at=record["starts_at"],
        ends_at=record["ends_at"], place=record.get("place"), online_url=record.get("online_url"),
        capacity=record["capacity"], confirmed=record["confirmed"], waitlisted=record["waitlisted"],
        seats_left=max(0, record["capacity"] - record["confirmed"]), status=record["status"],
        status_label=SESSION_LABELS[record["status"]], cancel_reason=record.get("cancel_reason"),
        registration_opens_at=record.get("registration_opens_at"),
        registration_closes_at=record.get("registration_closes_at"), description=record.get("description"),
        contact=record.get("contact"), version=record["version"], demo=demo.marked(record))


def _open_now(record: dict[str, Any], now: str) -> bool:
    opens, closes = record.get("registration_opens_at"), record.get("registration_closes_at")
    return (record["status"] == "open" and record["ends_at"] > now and (not opens or opens <= now)
            and (not closes or closes > now))


def to_public(record: dict[str, Any], now: str) -> PublicSession:
    cancelled = record["status"] == "cancelled"
    state = "cancelled" if cancelled else "open" if _open_now(record, now) else "closed"
    return PublicSession(
        id=record["id"], kind=record["kind"], kind_label=KIND_LABELS[Kind(record["kind"])], title=record["title"],
        firm_name=record["unit_name"], place=record.get("place") or ("线上" if record.get("online_url") else None),
        online=bool(record.get("online_url")), starts_at=record["starts_at"], ends_at=record["ends_at"],
        capacity=record["capacity"], seats_left=max(0, record["capacity"] - record["confirmed"]),
        waitlisted=record["waitlisted"], open=_open_now(record, now), cancelled=cancelled,
        state_label=SESSION_LABELS[state], cancel_reason=record.get("cancel_reason"),
        registration_closes_at=record.get("registration_closes_at"), contact=record.get("contact"),
        description=record.get("description"))


def get_session(session_id: str) -> dict[str, Any]:
    record = store.get_session(session_id, consistent=True) if _valid_id(session_id) else None
    if record is None:
        raise errors.not_found("没有这个场次。")
    return record


def _valid_id(session_id: str) -> bool:
    return 1 <= len(session_id) <= 40 and session_id.isalnum()


def public_session(session_id: str) -> PublicSession:
    record = get_session(session_id)
    if record["kind"] not in LISTED_KINDS:
        raise errors.not_found("没有这个场次。")
    return to_public(record, audit.now_iso())


def list_public(kind: str, county: str | None, cursor: str | None, limit: int = 20) -> PublicSessionPage:
    """Listed sessions of a kind that have not ended, soonest first; optionally in one county."""
    if kind not in {k.value for k in LISTED_KINDS}:
        raise errors.bad_request("类别不是可选的值。", "kind")
    if county is not None and (len(county) > 40 or not county.replace("-", "").isalnum()):
        raise errors.bad_request("县市区不是可选的值。", "county")
    now = audit.now_iso()
    scope = f"sessions:{kind}:{county or '*'}"
    filters = {"county_unit_id": county} if county else {}
    items, last = store.listed_page(kind, now, pagination.size(limit), pagination.decode_cursor(cursor, scope), filters)
    return PublicSessionPage(items=[to_public(i, now) for i in items],
                             next_cursor=pagination.encode_cursor(last, scope))


def unit_sessions(unit_id: str, cursor: str | None, by: Principal) -> SessionPage:
    _unit_in_scope(unit_id, by)
    scope = f"unit-sessions:{unit_id}:{by.unit_path}"
    items, last = store.unit_sessions(unit_id, pagination.size(50), pagination.decode_cursor(cursor, scope))
    return SessionPage(items=[to_session(i) for i in items], next_cursor=pagination.encode_cursor(last, scope))


def unit_session_records(unit_id: str, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    """A page of a unit's sessions as stored, latest start first (other domains' lists: recuperation's batches)."""
    return store.unit_sessions(unit_id, 100, start)


def _unit_in_scope(unit_id: str, by: Principal) -> str:
    return orgs.scoped_path(unit_id, by)


def session_for_staff(session_id: str, by: Principal) -> dict[str, Any]:
    """The session, or 404 alike when it is missing or outside the caller's subtree."""
    record = store.get_session(session_id, consistent=True) if _valid_id(session_id) else None
    auth.require_in_scope(by, record["unit_path"] if record else None)
    assert record is not None
    return record


def _session_change(record: dict[str, Any], change: list[db.Op], changes: dict[str, Any], action: str,
                    by: Principal, messages: list[db.Op] | None = None) -> dict[str, Any]:
    """The change with its audit entry, and the messages it sends the people registered: as many
    as fit go into the change's own transaction, the rest follow in transactions of their own
    (a transaction holds at most 100 items)."""
    ops = [
        *change,
        audit.entry(actor=by.actor, action=action, entity="session", entity_id=record["id"],
                    unit_id=record["unit_id"], before={k: record.get(k) for k in changes}, after=changes),
    ]
    rest = list(messages or [])
    room = db.MAX_TRANSACTION_ITEMS - len(ops)
    uow.commit(ops + rest[:room])
    for start in range(room, len(rest), db.MAX_TRANSACTION_ITEMS):
        uow.commit(rest[start:start + db.MAX_TRANSACTION_ITEMS])
    promote_free_seats(record["id"], by.actor)
    return get_session(record["id"])


def _set_status(record: dict[str, Any], status: str) -> list[db.Op]:
    """The session's status, and its shards' copies of it."""
    shards = store.shard_count(record)
    return [store.set_status(record["id"], status, audit.now_iso()),
            *([store.set_shard_status(record["id"], n, status) for n in range(shards)] if shards > 1 else [])]


HOLDING = ("confirmed", "waitlisted")  # the registrations a change to their session concerns


def _not_cancelled(record: dict[str, Any]) -> dict[str, Any]:
    """A cancelled session is done with: no change to its registration, seats or time any more."""
    if record["status"] == "cancelled":
        raise errors.conflict("本场次已取消，不能再修改。", "session-closed")
    return record


def _tell_holders(record: dict[str, Any], template_id: str, now: str, **extra: str) -> list[db.Op]:
    """The message to everyone holding a seat or a waitlist place in the session (as it is after the
    change: what, when, where)."""
    return [op for registration in all_registrations(record["id"]) if registration["status"] in HOLDING
            for op in _told(registration, template_id, record, now, **extra)]


def _at_version(record: dict[str, Any], version: int) -> dict[str, Any]:
    """The session, if the version the caller read is still the current one (else 409, nothing written)."""
    if int(record["version"]) != version:
        raise errors.version_conflict()
    return record


def close(session_id: str, by: Principal) -> Session:
    """Stop a session; everyone holding a seat or a waitlist place is told."""
    record = _not_cancelled(session_for_staff(session_id, by))
    now = audit.now_iso()
    messages = [] if record["status"] == "closed" else _tell_holders(record, "booking_session_closed", now)
    return to_session(_session_change(record, _set_status(record, "closed"), {"status": "closed"},
                                      "booking.session.close", by, messages))


def reopen(session_id: str, by: Principal) -> Session:
    record = _not_cancelled(session_for_staff(session_id, by))
    return to_session(_session_change(record, _set_status(record, "open"), {"status": "open"},
                                      "booking.session.reopen", by))


def change_capacity(session_id: str, capacity: int, by: Principal) -> Session:
    """Raise or lower the capacity, never below the confirmed seats; raising promotes waitlisted people.
    A sharded session's free seats are spread evenly over its shards again (seats taken meanwhile
    make the change read again and retry)."""
    record = _not_cancelled(session_for_staff(session_id, by))
    deadline = db.retry_deadline(RETRY_SECONDS)
    while True:
        if capacity < record["confirmed"]:
            raise store.capacity_below_confirmed(record["confirmed"])
        change = [store.change_capacity(session_id, capacity, record["confirmed"], audit.now_iso())]
        if "seat_shards" in record:
            taken = [s["taken"] for s in record["seat_shards"]]
            change += [store.resize_shard(session_id, n, seats) for n, seats in enumerate(shares(capacity, taken))]
        try:
            return to_session(_session_change(record, change, {"capacity": capacity}, "booking.session.capacity", by))
        except errors.ProblemError as exc:
            if exc.code not in (_RETRY, "/problems/unavailable"):
                raise
            _give_up_after(exc, deadline)
        record = _not_cancelled(session_for_staff(session_id, by))


WHEN_AND_WHERE = ("starts_at", "ends_at", "place", "online_url")


def change_session(session_id: str, body: SessionChangeIn, by: Principal) -> Session:
    """A new time and place, at the version the caller read; everyone holding a seat or a waitlist
    place is told the new time and place (a change that changes nothing writes and sends nothing)."""
    record = _at_version(_not_cancelled(session_for_staff(session_id, by)), body.version)
    changes: dict[str, str | None] = {"starts_at": _iso(body.starts_at), "ends_at": _iso(body.ends_at),
                                      "place": body.place or None, "online_url": body.online_url or None}
    if all(record.get(k) == v for k, v in changes.items()):
        return to_session(record)
    now = audit.now_iso()
    moved = {**record, **changes}
    return to_session(_session_change(
        record, store.move_session(record, changes, body.version, now, record["kind"] in LISTED_KINDS),
        dict(changes), "booking.session.change", by, _tell_holders(moved, "booking_session_changed", now)))


def cancel_session(session_id: str, body: SessionCancelIn, by: Principal) -> Session:
    """Call a session off, at the version the caller read: it takes no registration any more, its
    seats and waitlist stay as they are, and everyone holding a place is told, with the reason."""
    record = session_for_staff(session_id, by)
    if record["status"] == "cancelled":
        raise errors.conflict("本场次已经取消了。", "already-cancelled")
    _at_version(record, body.version)
    now = audit.now_iso()
    shards = store.shard_count(record)
    change = [store.cancel_session(session_id, body.reason, body.version, now),
              *([store.set_shard_status(session_id, n, "cancelled") for n in range(shards)] if shards > 1 else [])]
    messages = _tell_holders(record, "booking_session_cancelled", now, reason=body.reason)
    return to_session(_session_change(record, change, {"status": "cancelled", "reason": body.reason},
                                      "booking.session.cancel", by, messages))


SESSION_ACTIONS = {
    "booking.session.create": "新建场次", "booking.session.capacity": "调整名额",
    "booking.session.change": "修改时间地点", "booking.session.close": "停止报名",
    "booking.session.reopen": "重新开放报名", "booking.session.cancel": "取消场次",
}


def _history_detail(action: str, after: dict[str, Any]) -> str | None:
    """What an entry changed, in words."""
    if action == "booking.session.capacity":
        return f"名额 {after.get('capacity')}"
    if action == "booking.session.cancel":
        return f"原因：{after.get('reason')}" if after.get("reason") else None
    if action in ("booking.session.change", "booking.session.create"):
        where = after.get("place") or ("线上" if after.get("online_url") else "")
        return "；".join(p for p in (f"时间 {shanghai_text(after.get('starts_at'))}" if after.get("starts_at") else "",
                                     f"地点 {where}" if where else "") if p) or None
    return None


def session_history(session_id: str, by: Principal) -> SessionHistory:
    """The session's own changes (not its registrations), oldest first, with who made them."""
    record = session_for_staff(session_id, by)
    entries = audit.actions("session", record["id"], "booking.session.")
    names = orgs.display_names([e["actor"] for e in entries])
    return SessionHistory(items=[
        SessionHistoryEntry(action=e["action"], action_label=SESSION_ACTIONS.get(e["action"], "变更"),
                            actor=e["actor"], actor_name=names.get(e["actor"]), at=e["at"],
                            detail=_history_detail(e["action"], e.get("after") or {}))
        for e in entries])


# --- registering ---------------------------------------------------------------------------------------

def register(session_id: str, person: Person, *, channel: str, actor: str,
             partner_id: str | None = None, allow_unlisted: bool = False, seats_only: bool = False,
             linked: Callable[[str], list[db.Op]] | None = None) -> Registered:
    """Take a seat if one is free, else a waitlist place; 409 if this phone already holds a place.
    Another domain booking people itself may ask for a seat only (409 session-full rather than a
    waitlist place) and give `linked(reference)`: its own writes, in the registration's transaction."""
    record = get_session(session_id)
    if record["kind"] not in LISTED_KINDS and not allow_unlisted:
        raise errors.not_found("没有这个场次。")
    phone_hash = personal.keyed_hash("phone", person.phone)
    deadline = db.retry_deadline(RETRY_SECONDS)
    while True:
        now = audit.now_iso()
        _check_open(record, now)
        try:
            if seats_only and record["confirmed"] >= record["capacity"]:
                raise errors.conflict("这个场次的名额已满。", "session-full")
            attempt, reference = _try_places(record, person, phone_hash, now, channel, actor, partner_id, linked)
            break
        except errors.ProblemError as exc:
            if exc.code not in (_RETRY, "/problems/unavailable"):
                raise
            _give_up_after(exc, deadline)
        record = get_session(session_id)
    status = attempt.status
    position = store.waitlist_ahead(session_id, attempt.seq) + 1 if status == "waitlisted" else None
    return Registered(reference=reference, session_id=session_id, session_title=record["title"], status=status,
                      status_label=REG_LABELS[status], waitlist_position=position, starts_at=record["starts_at"],
                      place=record.get("place"), online_url=record.get("online_url"))


def _check_open(record: dict[str, Any], now: str) -> None:
    if record["status"] == "cancelled":
        raise errors.conflict("本场次已取消。", "session-closed")
    if record["status"] != "open":
        raise errors.conflict("本场次已停止报名。", "session-closed")
    if record["ends_at"] <= now:
        raise errors.conflict("本场次已经结束。", "session-closed")
    if record.get("registration_opens_at") and record["registration_opens_at"] > now:
        raise errors.conflict("本场次还没有开始报名。", "session-closed")
    if record.get("registration_closes_at") and record["registration_closes_at"] <= now:
        raise errors.conflict("本场次报名已截止。", "session-closed")


def open_shards(session: dict[str, Any]) -> list[int]:
    """A sharded session's shards with seats left as read, in random order (the first to try, then
    the others to fall back on); [] when every shard is full."""
    found = [s["n"] for s in session["seat_shards"] if s["taken"] < s["seats"]]
    random.shuffle(found)
    return found


def _try_places(session: dict[str, Any], person: Person, phone_hash: str, now: str, channel: str, actor: str,
                partner_id: str | None, linked: Callable[[str], list[db.Op]] | None) -> tuple[_Attempt, str]:
    """Commit one place from the session as read: a seat while one is free (on a sharded session, in
    a random shard with seats left, falling back on the others in turn), else the next waitlist number."""
    candidates: list[int | None] = [*open_shards(session)] if "seat_shards" in session else []
    candidates = candidates or [None]
    for shard in candidates[:-1]:
        attempt = _Attempt(session, person, phone_hash, now, channel, actor, partner_id, linked, shard)
        try:
            return attempt, refs.create_with_reference(attempt.ops)
        except store.ShardTaken:
            continue
    attempt = _Attempt(session, person, phone_hash, now, channel, actor, partner_id, linked, candidates[-1])
    return attempt, refs.create_with_reference(attempt.ops)


@dataclass(frozen=True)
class _Attempt:
    """One try at a place, from the session as read: a seat while one is free (in shard `shard` of a
    sharded session), else the next waitlist number."""

    session: dict[str, Any]
    person: Person
    phone_hash: str
    now: str
    channel: str
    actor: str
    partner_id: str | None
    linked: Callable[[str], list[db.Op]] | None
    shard: int | None = None

    @property
    def full(self) -> bool:
        if "seat_shards" in self.session:
            return self.shard is None
        return bool(self.session["confirmed"] >= self.session["capacity"])

    @property
    def status(self) -> str:
        return "waitlisted" if self.full else "confirmed"

    @property
    def seq(self) -> int:
        """The waitlist number this try takes (0 for a seat)."""
        return int(self.session["wait_seq"]) + 1 if self.full else 0

    def registration(self, reference: str) -> dict[str, Any]:
        person = self.person
        record: dict[str, Any] = {
            "type": "booking_registration", "reference": reference, "session_id": self.session["id"],
            "kind": self.session["kind"], "name": person.name, "phone": person.phone, "phone_hash": self.phone_hash,
            "status": self.status, "channel": self.channel, "created_at": self.now, "updated_at": self.now,
        }
        if person.note:
            record["note"] = person.note
        if person.link:
            record["link"] = person.link
        if self.full:
            record["wait_seq"] = self.seq
        elif self.shard is not None:
            record["seat_shard"] = self.shard
        return record

    def ops(self, reference: str) -> list[db.Op]:
        """The writes for this try under a reference code (drawn again on a rare collision)."""
        session_id, now = self.session["id"], self.now
        reg_sk = store.registration_sk(now, reference)
        if self.full:
            place = store.join_waitlist(session_id, self.session["wait_seq"], reference, reg_sk, now,
                                        store.shard_count(self.session))
        elif self.shard is not None:
            place = [store.take_shard_seat(session_id, self.shard, now)]
        else:
            place = [store.take_seat(session_id, now)]
        return [
            store.hold_place(session_id, self.phone_hash, reference, now),
            *place,
            store.add_registration(session_id, reg_sk, self.registration(reference)),
            *_figures(self.session, store.figure_shard(session_id, self.shard), registrations=1,
                      **{self.status: 1}),
            *refs.index_ops(reference, REF_KIND, store.session_key(session_id)[0], reg_sk, self.person.phone, now,
                            self.partner_id),
            audit.entry(actor=self.actor, action="booking.register", entity="session", entity_id=session_id,
                        unit_id=self.session["unit_id"], after={"reference": reference, "status": self.status}),
            *(self.linked(reference) if self.linked else []),
            (message("booking_waitlisted", self.person.phone, reference, self.session, now,
                     position=str(int(self.session["waitlisted"]) + 1)) if self.full
             else message("booking_confirmed", self.person.phone, reference, self.session, now)),
        ]


def _pause() -> float:
    pause = random.uniform(0.005, 0.05)  # noqa: S311 - jitter, not crypto
    db.clock.sleep(pause)
    return pause


def _give_up_after(exc: errors.ProblemError, deadline: float) -> None:
    """Pause before another attempt, or answer 503 (with Retry-After) when the time is up."""
    if db.clock.monotonic() + 0.05 > deadline:
        raise errors.unavailable() from exc
    _pause()


# --- cancelling and promoting --------------------------------------------------------------------------

def cancel_by_reference(reference: str, phone: str, actor: str) -> Cancelled:
    kind, registration = refs.resolve(reference, phone)
    if kind != REF_KIND:
        raise errors.not_found("未找到该编号，或手机号码与登记时不一致。")
    status, _ = cancel_registration(registration, actor)
    return Cancelled(reference=registration["reference"], status=status, status_label=REG_LABELS[status])


def cancel_registration(registration: dict[str, Any], actor: str) -> tuple[str, str | None]:
    """Cancel a registration; a freed seat goes to the first waitlisted person, exactly once.
    Returns the new status and the promoted reference, if any."""
    session_id, reg_sk = registration["session_id"], registration["SK"]
    deadline = db.retry_deadline(RETRY_SECONDS)
    while True:
        current = store.get_registration(session_id, reg_sk)
        if current is None:
            raise errors.not_found()
        if current["status"] == "cancelled":
            raise errors.conflict("这个报名已经取消了。", "already-cancelled")
        if get_session(session_id)["status"] == "cancelled":
            raise errors.conflict("本场次已取消，报名不必再取消。", "session-closed")
        try:
            promoted = _try_cancel(current, actor)
            return "cancelled", promoted
        except errors.ProblemError as exc:
            if exc.code not in (_RETRY, "/problems/unavailable"):
                raise
            _give_up_after(exc, deadline)


def _try_cancel(registration: dict[str, Any], actor: str) -> str | None:
    session_id = registration["session_id"]
    session = get_session(session_id)
    now = audit.now_iso()
    was = registration["status"]
    attended = bool(registration.get("attended"))
    ops = [
        store.cancel_registration(session_id, registration["SK"], was, attended, now),
        audit.entry(actor=actor, action="booking.cancel", entity="session", entity_id=session_id,
                    unit_id=session["unit_id"], before={"reference": registration["reference"], "status": was},
                    after={"reference": registration["reference"], "status": "cancelled"}),
    ]
    if "phone_hash" in registration:  # an erased registration's guard went with its erasure
        ops.append(store.free_place(session_id, registration["phone_hash"]))
    promoted = None
    shard = registration.get("seat_shard") if "seat_shards" in session else None
    counts = {"cancelled": 1, "attended": -int(attended)}
    if was == "waitlisted":
        ops += [store.leave_waitlist(session_id, store.wait_sk(registration["wait_seq"])),
                store.shorten_waitlist(session_id, attended), *_figures(session, waitlisted=-1, **counts)]
    else:
        head = store.waitlist_head(session_id)
        if head:  # the seat (and so its shard) goes to the first waitlisted person
            promoted = head[0]["reference"]
            ops += [*store.promote(session_id, head[0], now, shard), store.shorten_waitlist(session_id, attended),
                    *_figures(session, waitlisted=-1, **counts), *_promoted_message(session, head[0], now)]
        else:
            ops += [*store.release_seat(session_id, attended, shard), *_figures(session, confirmed=-1, **counts)]
    hook = cancel_hook(str(registration.get("kind")))
    if registration.get("link") and hook:
        ops += hook(registration)
    ops += _told(registration, "booking_cancelled", session, now)
    uow.commit(ops)
    return promoted


def promote_free_seats(session_id: str, actor: str, limit: int = 1000) -> list[str]:
    """Give free seats to waitlisted people, first come first served (after a capacity raise or a reopen)."""
    promoted: list[str] = []
    deadline = db.retry_deadline(RETRY_SECONDS)
    while len(promoted) < limit and db.clock.monotonic() < deadline:
        session = get_session(session_id)
        if (session["status"] == "cancelled" or session["confirmed"] >= session["capacity"]
                or session["waitlisted"] <= 0):
            break
        head = store.waitlist_head(session_id)
        if not head:
            break
        shard = open_shards(session)[0] if "seat_shards" in session else None
        now = audit.now_iso()
        ops = [
            *store.fill_seat_from_waitlist(session_id, shard),
            *store.promote(session_id, head[0], now, shard),
            *_figures(session, confirmed=1, waitlisted=-1),
            audit.entry(actor=actor, action="booking.promote", entity="session", entity_id=session_id,
                        unit_id=session["unit_id"], after={"reference": head[0]["reference"], "status": "confirmed"}),
            *_promoted_message(session, head[0], now),
        ]
        try:
            uow.commit(ops)
            promoted.append(head[0]["reference"])
        except errors.ProblemError as exc:
            if exc.code not in (_RETRY, "/problems/unavailable"):
                raise
            _pause()
    return promoted


# --- messages to the people registered ---------------------------------------------------------------

def about(reference: str) -> str:
    """How the messages about a registration name it."""
    return outbox.about(REF_KIND, reference)


def _cut(text: str) -> str:
    return text if len(text) <= templates.PARAM_MAX else text[: templates.PARAM_MAX - 1] + "…"


def message(template_id: str, phone: str, reference: str, session: dict[str, Any], now: str,
            **extra: str) -> db.Op:
    """A text message about a registration, with what the template needs of its session (what,
    when, where), to the phone on the registration."""
    params = {"session": _cut(str(session["title"])), "ref": reference, **extra}
    wanted = templates.TEMPLATES[template_id].params
    if "when" in wanted:
        params["when"] = shanghai_text(session["starts_at"])
    if "place" in wanted:
        params["place"] = _cut(str(session.get("place") or "线上（链接见门户查询）"))
    return outbox.to_phone(template_id, phone, params, about(reference), now=now)


def _told(registration: dict[str, Any], template_id: str, session: dict[str, Any], now: str,
          **extra: str) -> list[db.Op]:
    """The message about a registration, unless its personal data is erased."""
    if retention.erased(registration) or not registration.get("phone"):
        return []
    return [message(template_id, registration["phone"], registration["reference"], session, now, **extra)]


def _promoted_message(session: dict[str, Any], place: dict[str, Any], now: str) -> list[db.Op]:
    """The promoted person's message (their phone is on the registration the waitlist place names)."""
    registration = store.get_registration(session["id"], place["reg_sk"])
    return _told(registration, "booking_promoted", session, now) if registration else []


# --- staff views ------------------------------------------------------------------------------------------

def registration_for_staff(session_id: str, reference: str, by: Principal) -> dict[str, Any]:
    session = session_for_staff(session_id, by)
    from chalicelib.core import ids

    code = ids.normalize_reference(reference)
    ref = db.get(*refs.ref_key(code)) if code else None
    if ref is None or ref["kind"] != REF_KIND or ref["target_pk"] != store.session_key(session["id"])[0]:
        raise errors.not_found()
    registration = store.get_registration(session["id"], ref["target_sk"])
    if registration is None:
        raise errors.not_found()
    return registration


def mark_attendance(session_id: str, reference: str, attended: bool, by: Principal) -> Registration:
    registration = registration_for_staff(session_id, reference, by)
    session = get_session(session_id)
    now = audit.now_iso()
    was = bool(registration.get("attended"))
    uow.commit([
        store.mark_attendance(registration, attended, now),
        *([store.count_attendance(session_id, int(attended) - int(was)),
           *_figures(session, attended=int(attended) - int(was))] if attended != was else []),
        audit.entry(actor=by.actor, action="booking.attendance", entity="session", entity_id=session_id,
                    unit_id=session["unit_id"], after={"reference": registration["reference"], "attended": attended}),
    ])
    return to_registration({**registration, "attended": attended}, True)


def cancel_for_staff(session_id: str, reference: str, by: Principal) -> Cancelled:
    registration = registration_for_staff(session_id, reference, by)
    status, promoted = cancel_registration(registration, by.actor)
    return Cancelled(reference=registration["reference"], status=status, status_label=REG_LABELS[status],
                     promoted=promoted)


def registration_messages(session_id: str, reference: str, by: Principal) -> outbox.MessageHistory:
    """The text messages sent about a registration, with their delivery state (phones masked)."""
    registration = registration_for_staff(session_id, reference, by)
    return outbox.history(about(registration["reference"]))


def resend_registration_message(session_id: str, reference: str, message_id: str, by: Principal) -> outbox.SentMessage:
    """Send one of a registration's messages again (audited)."""
    registration = registration_for_staff(session_id, reference, by)
    session = get_session(session_id)
    return outbox.resend(about(registration["reference"]), message_id, actor=by.actor, entity=REF_KIND,
                         entity_id=registration["reference"], unit_id=session["unit_id"])


def sees_phone(by: Principal) -> bool:
    """Roles that run sessions call people (shuttle pick-up, changes); read-only roles see masks."""
    return bool(by.roles & set(ACT))


def to_registration(record: dict[str, Any], whole: bool, position: int | None = None) -> Registration:
    record = retention.for_staff(record)
    return Registration(
        reference=record["reference"], name=record["name"] if whole else personal.mask_name(record["name"]),
        phone=record["phone"] if whole else personal.mask_phone(record["phone"]), status=record["status"],
        status_label=REG_LABELS[record["status"]], waitlist_position=position, channel=record["channel"],
        created_at=record["created_at"], attended=record.get("attended"), note=record.get("note") if whole else None)


def registrations(session_id: str, status: str | None, cursor: str | None, by: Principal) -> RegistrationPage:
    """A session's registrations (oldest first); `waitlisted` lists the waitlist in its order."""
    session = session_for_staff(session_id, by)
    if status is not None and status not in REG_LABELS:
        raise errors.bad_request("状态不是可选的值。", "status")
    scope = f"registrations:{session_id}:{status or '*'}:{by.unit_path}"
    start = pagination.decode_cursor(cursor, scope)
    whole = sees_phone(by)
    if status == "waitlisted":
        waits, last = store.waitlist_page(session_id, pagination.size(50), start)
        ahead = 0
        if start:
            ahead = store.waitlist_ahead(session_id, int(str(start["SK"]).removeprefix("WAIT#")) + 1)
        pk = store.session_key(session["id"])[0]
        regs = store.batch_get([(pk, w["reg_sk"]) for w in waits])
        items = [to_registration(r, whole, ahead + i + 1) for i, r in enumerate(regs)]
    else:
        found, last = store.registrations_page(session_id, pagination.size(50), start, status)
        items = [to_registration(r, whole) for r in found]
    return RegistrationPage(items=items, next_cursor=pagination.encode_cursor(last, scope))


def all_registrations(session_id: str) -> list[dict[str, Any]]:
    """Every registration of a session, oldest first (exports)."""
    out: list[dict[str, Any]] = []
    start = None
    while True:
        found, start = store.registrations_page(session_id, 500, start, None)
        out += found
        if not start:
            return out


# --- what the person who registered sees -----------------------------------------------------------------

def public_status(record: dict[str, Any]) -> dict[str, Any]:
    session = store.get_session(record["session_id"]) or {}
    parts = [f"{session.get('title', '')}", f"时间：{shanghai_text(session.get('starts_at'))}"]
    if session.get("place"):
        parts.append(f"地点：{session['place']}")
    if session.get("online_url") and record["status"] == "confirmed":
        parts.append(f"线上链接：{session['online_url']}")
    cancelled = session.get("status") == "cancelled" and record["status"] in HOLDING
    if cancelled:
        parts.append(f"本场次已取消，原因：{session.get('cancel_reason')}")
    elif session.get("rescheduled_at"):
        parts.append("时间或地点已调整，请以上面为准")
    if record["status"] == "waitlisted" and not cancelled:
        parts.append(f"目前候补第 {store.waitlist_ahead(record['session_id'], record['wait_seq']) + 1} 位，"
                     "有人取消时按先后顺序自动递补。")
    label = KIND_LABELS[Kind(record["kind"])]
    return {"reference": record["reference"], "kind_label": f"{label}报名", "status": record["status"],
            "status_label": "场次已取消" if cancelled else REG_LABELS[record["status"]],
            "updated_at": record["updated_at"],
            "message": "；".join(p for p in parts if p), "unit_name": session.get("unit_name")}

