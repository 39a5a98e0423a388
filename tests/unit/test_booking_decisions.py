"""The booking engine's decisions, in memory: which named writes a registration, a cancellation or a
capacity change commits, read from a fake session (no database). The DynamoDB tests
(tests/api/test_booking_engine.py, tests/integration/test_booking_concurrency.py) prove the
conditions themselves."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.booking import service, store
from chalicelib.booking.models import Kind
from chalicelib.core import db, errors, uow
from chalicelib.core.auth import Principal

SESSION_ID = "s1"
STAFF = Principal(kind="staff", id="t.staff", unit_id="taishan", unit_path="/city/taishan/",
                  roles=frozenset({"caseworker"}))


def _session(**fields: Any) -> dict[str, Any]:
    return {"id": SESSION_ID, "kind": "fair", "title": "招聘会", "unit_id": "taishan", "unit_path": "/city/taishan/",
            "unit_name": "泰山区总工会", "starts_at": "2099-01-01T01:00:00Z", "ends_at": "2099-01-01T07:00:00Z",
            "status": "open", "capacity": 2, "confirmed": 0, "waitlisted": 0, "wait_seq": 0, "version": 1,
            **fields}


def _place(seq: int, reference: str) -> dict[str, Any]:
    return {"PK": f"SESSION#{SESSION_ID}", "SK": store.wait_sk(seq), "reference": reference,
            "reg_sk": f"REG#2099-01-01T00:00:0{seq}Z#{reference}"}


class FakeSession:
    """The session's reads, answered from memory; promotions recorded by the unit of work take
    their place off the waitlist and fill a seat, as the table would after a commit."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, session: dict[str, Any],
                 waiting: list[dict[str, Any]] | None = None) -> None:
        self.session = session
        self.waiting = waiting or []
        self.fake: uow.Recording | None = None
        monkeypatch.setattr(store, "get_session", self.get_session)
        monkeypatch.setattr(store, "waitlist_head", self.waitlist_head)
        monkeypatch.setattr(store, "waitlist_ahead", lambda session_id, seq: seq - 1)
        monkeypatch.setattr(store, "get_registration", self.get_registration)

    def get_registration(self, session_id: str, sk: str) -> dict[str, Any] | None:
        """A waiting person's registration, with the phone their promotion message goes to."""
        place = next((p for p in self.waiting if p["reg_sk"] == sk), None)
        return place and {"reference": place["reference"], "phone": f"1390000{place['reference'][:4]}",
                          "status": "waitlisted"}

    def _ops(self, name: str) -> list[db.Op]:
        return [op for ops in (self.fake.commits if self.fake else []) for op in ops if op.name == name]

    def get_session(self, session_id: str, consistent: bool = False) -> dict[str, Any] | None:
        if session_id != SESSION_ID:
            return None
        filled = len(self._ops("fill_seat_from_waitlist"))
        capacity = [op.params["ExpressionAttributeValues"][":capacity"] for op in self._ops("change_capacity")]
        return {**self.session, "capacity": capacity[-1] if capacity else self.session["capacity"],
                "confirmed": self.session["confirmed"] + filled, "waitlisted": self.session["waitlisted"] - filled}

    def waitlist_head(self, session_id: str, limit: int = 1) -> list[dict[str, Any]]:
        left = {op.params["Key"]["SK"] for op in self._ops("leave_waitlist")}
        return [p for p in self.waiting if p["SK"] not in left][:limit]


def _messages(fake: uow.Recording) -> list[tuple[str, str, dict[str, str]]]:
    """Every commit's outbox messages: (template, phone, values)."""
    return [(op.params["Item"]["template"], op.params["Item"]["to"], op.params["Item"]["params"])
            for ops in fake.commits for op in ops if op.name == "outbox_message"]


def _names(fake: uow.Recording) -> list[list[str]]:
    """Each commit's named writes (the audit entry and the reference index are core's, unnamed; the
    subtree figures have tests of their own below)."""
    return [[name for name in names if name and name != "count_figures"] for names in fake.names]


def _register(phone: str = "13800000001", **options: Any) -> Any:
    return service.register(SESSION_ID, service.Person("张三", phone), channel="web", actor="public", **options)


def _op(fake: uow.Recording, name: str) -> db.Op:
    """The last commit's op of that name."""
    return next(op for op in fake.commits[-1] if op.name == name)


def _item(fake: uow.Recording, name: str) -> dict[str, Any]:
    return dict(_op(fake, name).params["Item"])


# --- registering ---------------------------------------------------------------------------------

def test_a_free_seat_is_taken_and_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(confirmed=1))
    with uow.recording() as fake:
        registered = _register()
    assert _names(fake) == [["hold_place", "take_seat", "add_registration", "outbox_message"]]
    assert registered.status == "confirmed" and registered.waitlist_position is None
    # the seat's confirmation is in the registration's own transaction: what, when, where
    assert _messages(fake) == [("booking_confirmed", "13800000001", {
        "session": "招聘会", "ref": registered.reference, "when": "2099-01-01 09:00",
        "place": "线上（链接见门户查询）"})]
    registration = _item(fake, "add_registration")
    assert registration["status"] == "confirmed" and "wait_seq" not in registration
    assert registration["reference"] == registered.reference


def test_a_full_session_puts_the_registration_on_the_waitlist_with_the_next_number(
        monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(confirmed=2, waitlisted=1, wait_seq=7))
    with uow.recording() as fake:
        registered = _register()
    assert _names(fake) == [["hold_place", "join_waitlist", "add_wait_place", "add_registration", "outbox_message"]]
    assert _messages(fake) == [("booking_waitlisted", "13800000001",
                                {"session": "招聘会", "ref": registered.reference, "position": "2"})]
    # number 8, only if nobody took it meanwhile
    assert _op(fake, "join_waitlist").params["ExpressionAttributeValues"][":seen"] == 7
    place, registration = _item(fake, "add_wait_place"), _item(fake, "add_registration")
    assert place["SK"] == "WAIT#00000008" and place["reg_sk"] == registration["SK"]
    assert registration["status"] == "waitlisted" and registration["wait_seq"] == 8
    assert registered.status == "waitlisted" and registered.waitlist_position == 8


def test_asking_for_a_seat_only_in_a_full_session_is_refused_without_a_write(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(confirmed=2))
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as raised:
        _register(seats_only=True, allow_unlisted=True)
    assert raised.value.code == "/problems/session-full"
    assert fake.commits == []


def test_one_place_per_person_the_phone_guard_refuses_a_second_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session())
    with uow.recording(refuse=lambda op: op.name == "hold_place") as fake, pytest.raises(errors.ProblemError) as raised:
        _register()
    assert raised.value.code == "/problems/already-registered"  # not retried: another request's seat is not lost
    assert fake.commits == [] and _messages(fake) == []  # a refused registration sends nothing


def test_a_seat_taken_meanwhile_is_read_again_and_tried_once_more(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session())
    refused: list[str] = []

    def first_take_seat(op: db.Op) -> bool:
        if op.name == "take_seat" and not refused:
            refused.append(op.name)
            return True
        return False

    monkeypatch.setattr(db.clock, "sleep", lambda seconds: None)
    with uow.recording(refuse=first_take_seat) as fake:
        registered = _register()
    assert refused == ["take_seat"]
    assert _names(fake) == [["hold_place", "take_seat", "add_registration", "outbox_message"]]
    assert registered.status == "confirmed"


def test_a_closed_session_takes_no_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(status="closed"))
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as raised:
        _register()
    assert raised.value.code == "/problems/session-closed"
    assert fake.commits == []


# --- cancelling ----------------------------------------------------------------------------------

def _registration(status: str, **more: Any) -> dict[str, Any]:
    return {"PK": f"SESSION#{SESSION_ID}", "SK": "REG#2099-01-01T00:00:00Z#ABC123", "session_id": SESSION_ID,
            "reference": "ABC123", "kind": "fair", "status": status, "phone_hash": "h", "phone": "13800000009",
            **more}


def _cancel(monkeypatch: pytest.MonkeyPatch, registration: dict[str, Any]) -> tuple[str, str | None]:
    waiting = store.get_registration
    monkeypatch.setattr(store, "get_registration",
                        lambda session_id, sk: registration if sk == registration["SK"] else waiting(session_id, sk))
    return service.cancel_registration(registration, "public")


def test_cancelling_a_confirmed_seat_promotes_the_first_waitlisted(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(confirmed=2, waitlisted=2, wait_seq=2),
                [_place(1, "FIRST1"), _place(2, "SECOND")])
    with uow.recording() as fake:
        status, promoted = _cancel(monkeypatch, _registration("confirmed"))
    assert (status, promoted) == ("cancelled", "FIRST1")
    assert _names(fake) == [["cancel_registration", "free_place", "promote", "leave_waitlist", "shorten_waitlist",
                             "outbox_message", "outbox_message"]]
    # the promoted person hears of their seat, the canceller of their cancellation, in the same commit
    assert [(template, phone) for template, phone, _ in _messages(fake)] == [
        ("booking_promoted", "1390000FIRS"), ("booking_cancelled", "13800000009")]
    assert _op(fake, "promote").params["Key"]["SK"] == _place(1, "FIRST1")["reg_sk"]
    assert _op(fake, "leave_waitlist").params["Key"]["SK"] == "WAIT#00000001"


def test_cancelling_a_confirmed_seat_with_nobody_waiting_frees_it(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(confirmed=2))
    with uow.recording() as fake:
        status, promoted = _cancel(monkeypatch, _registration("confirmed", attended=True))
    assert (status, promoted) == ("cancelled", None)
    assert _names(fake) == [["cancel_registration", "free_place", "release_seat", "outbox_message"]]
    release = _op(fake, "release_seat").params
    assert "#attended = if_not_exists(#attended, :one) - :one" in release["UpdateExpression"]  # no longer counted
    assert release["ConditionExpression"] == "#waitlisted = :zero AND #confirmed > :zero"


def test_cancelling_a_waitlist_place_promotes_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(confirmed=2, waitlisted=2, wait_seq=2), [_place(1, "FIRST1")])
    with uow.recording() as fake:
        status, promoted = _cancel(monkeypatch, _registration("waitlisted", wait_seq=2))
    assert (status, promoted) == ("cancelled", None)
    assert _names(fake) == [["cancel_registration", "free_place", "leave_waitlist", "shorten_waitlist",
                             "outbox_message"]]
    assert [template for template, _, _ in _messages(fake)] == ["booking_cancelled"]
    assert _op(fake, "leave_waitlist").params["Key"]["SK"] == "WAIT#00000002"


def test_an_erased_registration_has_no_phone_guard_to_free(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(confirmed=1))
    registration = _registration("confirmed")
    del registration["phone_hash"]
    registration.update(phone="[已清除]", anonymised_at="2099-01-01T00:00:00Z")
    with uow.recording() as fake:
        _cancel(monkeypatch, registration)
    assert _names(fake) == [["cancel_registration", "release_seat"]]  # and no message: the phone is gone


def test_a_cancelled_registration_is_not_cancelled_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session())
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as raised:
        _cancel(monkeypatch, _registration("cancelled"))
    assert raised.value.code == "/problems/already-cancelled"
    assert fake.commits == []


def test_a_hook_registered_for_the_kind_adds_its_writes_to_the_cancellation(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(kind="recuperation", confirmed=1))
    heard: list[str] = []

    def hook(registration: dict[str, Any]) -> list[db.Op]:
        heard.append(registration["link"])
        return [db.check("X", "Y", "attribute_exists(PK)").named("hooked")]

    monkeypatch.setattr(service, "_cancel_hooks", {})
    service.on_cancel(Kind.recuperation, hook)
    with uow.recording() as fake:
        _cancel(monkeypatch, _registration("confirmed", kind="recuperation", link="p1"))
        _cancel(monkeypatch, _registration("confirmed", kind="fair", link="p2"))  # no hook for fairs
    assert heard == ["p1"]
    assert _names(fake) == [["cancel_registration", "free_place", "release_seat", "hooked", "outbox_message"],
                            ["cancel_registration", "free_place", "release_seat", "outbox_message"]]


# --- capacity ---------------------------------------------------------------------------------------

def test_a_raised_capacity_promotes_the_waitlisted_first_come_first_served(monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = FakeSession(monkeypatch, _session(confirmed=2, waitlisted=3, wait_seq=3),
                           [_place(1, "FIRST1"), _place(2, "SECOND"), _place(3, "THIRD3")])
    with uow.recording() as fake:
        sessions.fake = fake
        changed = service.change_capacity(SESSION_ID, 4, STAFF)
    assert _names(fake) == [["change_capacity"],
                            ["fill_seat_from_waitlist", "promote", "leave_waitlist", "outbox_message"],
                            ["fill_seat_from_waitlist", "promote", "leave_waitlist", "outbox_message"]]
    assert [(template, phone) for template, phone, _ in _messages(fake)] == [
        ("booking_promoted", "1390000FIRS"), ("booking_promoted", "1390000SECO")]
    promoted = [ops[1].params["Key"]["SK"] for ops in fake.commits[1:]]
    assert promoted == [_place(1, "FIRST1")["reg_sk"], _place(2, "SECOND")["reg_sk"]]
    assert (changed.capacity, changed.confirmed, changed.waitlisted) == (4, 4, 1)


def test_a_capacity_below_the_confirmed_seats_is_refused_without_a_write(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(capacity=5, confirmed=3))
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as raised:
        service.change_capacity(SESSION_ID, 2, STAFF)
    assert raised.value.code == "/problems/validation"
    assert [(e.field, e.message) for e in raised.value.errors] == [("capacity", "名额不能少于已确认的人数（3 人）")]
    assert fake.commits == []


def test_a_lowered_capacity_that_seats_confirmed_meanwhile_no_longer_fit_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(capacity=5, confirmed=3))
    with uow.recording(refuse=lambda op: op.name == "change_capacity") as fake, \
            pytest.raises(errors.ProblemError) as raised:
        service.change_capacity(SESSION_ID, 3, STAFF)
    assert raised.value.code == "/problems/validation" and raised.value.errors[0].field == "capacity"
    assert fake.commits == []


# --- seat shards (large sessions) ------------------------------------------------------------------------

def _sharded(taken: list[int], seats: list[int], **fields: Any) -> dict[str, Any]:
    """A session as store.get_session gives a sharded one: its shards' figures summed in."""
    shards = [{"n": n, "seats": s, "taken": t} for n, (t, s) in enumerate(zip(taken, seats, strict=True))]
    return _session(capacity=sum(seats), confirmed=sum(taken), shards=len(seats), seat_shards=shards, **fields)


def test_the_number_of_shards_follows_the_capacity() -> None:
    assert [service.shard_count(c) for c in (1, 500, 501, 3000, 3001, 10**6)] == [1, 1, 2, 10, 10, 10]
    assert service.shares(3000, [0] * 10) == [300] * 10
    assert service.shares(10, [0, 0, 0]) == [4, 3, 3]
    assert service.shares(600, [100, 50, 0]) == [250, 200, 150]  # what is taken stays, the free seats spread


def test_a_sharded_session_takes_a_seat_in_a_shard_with_seats_left_and_not_on_the_session_item(
        monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _sharded([300, 299, 300], [300, 300, 300]))
    with uow.recording() as fake:
        registered = _register()
    assert _names(fake) == [["hold_place", "take_shard_seat", "add_registration", "outbox_message"]]
    assert _op(fake, "take_shard_seat").params["Key"] == {"PK": "SEATS#s1#1", "SK": "SEATS"}
    assert "#taken < #seats" in _op(fake, "take_shard_seat").params["ConditionExpression"]
    assert not [op for op in fake.commits[-1] if op.params.get("Key", {}).get("SK") == "SESSION"]  # not written
    assert _item(fake, "add_registration")["seat_shard"] == 1 and registered.status == "confirmed"


def test_a_shard_found_full_falls_back_on_the_others_without_reading_again(monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = FakeSession(monkeypatch, _sharded([0, 0, 300], [300, 300, 300]))
    reads: list[str] = []

    def counted_read(session_id: str, consistent: bool = False) -> dict[str, Any] | None:
        reads.append(session_id)
        return sessions.get_session(session_id)

    monkeypatch.setattr(store, "get_session", counted_read)
    tried: list[str] = []

    def shard_0_is_full(op: db.Op) -> bool:
        if op.name == "take_shard_seat":
            tried.append(op.params["Key"]["PK"])
            return bool(op.params["Key"]["PK"] == "SEATS#s1#0")
        return False

    with uow.recording(refuse=shard_0_is_full) as fake:
        _register()
    assert _op(fake, "take_shard_seat").params["Key"]["PK"] == "SEATS#s1#1"
    assert set(tried) <= {"SEATS#s1#0", "SEATS#s1#1"} and "SEATS#s1#2" not in tried  # full as read: not tried
    assert len(reads) == 1  # one read of the session, the fallback from it


def test_with_every_shard_full_the_waitlist_is_joined_checking_each_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _sharded([300, 300], [300, 300], waitlisted=4, wait_seq=9))
    with uow.recording() as fake:
        registered = _register()
    assert _names(fake) == [["hold_place", "join_waitlist", "add_wait_place", "shard_full", "shard_full",
                             "add_registration", "outbox_message"]]
    join = _op(fake, "join_waitlist").params
    assert "#confirmed >= #capacity" not in join["ConditionExpression"]  # the shards say it is full
    assert [op.params["Key"]["PK"] for op in fake.commits[-1] if op.name == "shard_full"] == ["SEATS#s1#0",
                                                                                             "SEATS#s1#1"]
    assert registered.status == "waitlisted" and _item(fake, "add_registration")["wait_seq"] == 10


def test_a_sharded_seat_freed_with_nobody_waiting_goes_back_to_its_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _sharded([300, 300, 12], [300, 300, 300]))
    with uow.recording() as fake:
        _cancel(monkeypatch, _registration("confirmed", seat_shard=2))
    assert _names(fake) == [["cancel_registration", "free_place", "release_seat", "release_shard_seat",
                             "outbox_message"]]
    assert _op(fake, "release_shard_seat").params["Key"]["PK"] == "SEATS#s1#2"
    assert _op(fake, "release_seat").params["ConditionExpression"] == "#waitlisted = :zero"


def test_a_sharded_seat_freed_with_people_waiting_goes_to_the_first_of_them_in_the_same_shard(
        monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _sharded([300, 300], [300, 300], waitlisted=2, wait_seq=2),
                [_place(1, "FIRST1"), _place(2, "SECOND")])
    with uow.recording() as fake:
        _, promoted = _cancel(monkeypatch, _registration("confirmed", seat_shard=1))
    assert promoted == "FIRST1"
    assert _names(fake) == [["cancel_registration", "free_place", "promote", "leave_waitlist", "shorten_waitlist",
                             "outbox_message", "outbox_message"]]
    assert _op(fake, "promote").params["ExpressionAttributeValues"][":shard"] == 1


def test_a_sharded_capacity_change_spreads_the_free_seats_over_the_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _sharded([300, 120, 0], [300, 300, 300]))
    with uow.recording() as fake:
        service.change_capacity(SESSION_ID, 720, STAFF)
    resized = [op for op in fake.commits[0] if op.name == "resize_shard"]
    assert [(op.params["Key"]["PK"], op.params["ExpressionAttributeValues"][":seats"]) for op in resized] == [
        ("SEATS#s1#0", 400), ("SEATS#s1#1", 220), ("SEATS#s1#2", 100)]
    assert all(op.params["ConditionExpression"] == "#taken <= :seats" for op in resized)
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as raised:
        service.change_capacity(SESSION_ID, 419, STAFF)  # below the 420 taken
    assert raised.value.errors[0].field == "capacity" and fake.commits == []


def test_closing_a_sharded_session_closes_each_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _sharded([1, 0], [300, 300]))
    monkeypatch.setattr(service, "all_registrations", lambda session_id: [])
    with uow.recording() as fake:
        service.close(SESSION_ID, STAFF)
    assert _names(fake)[0] == ["set_status", "set_shard_status", "set_shard_status"]


# --- subtree figures ----------------------------------------------------------------------------------------

def _figures(ops: list[db.Op]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for op in ops:
        if op.name == "count_figures":
            names, values = op.params["ExpressionAttributeNames"], op.params["ExpressionAttributeValues"]
            unit = values[":u"]
            out[unit] = {names[f"#f{i}"]: values[f":f{i}"] for i in range(len(names) - 1)}
    return out


def test_a_registration_counts_in_the_figures_of_its_unit_and_every_ancestor(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(unit_path="/city/taishan/firm/"))
    with uow.recording() as fake:
        _register()
    counted = {"fair.registrations": 1, "fair.confirmed": 1}
    assert _figures(fake.commits[0]) == {"city": counted, "taishan": counted, "firm": counted}
    assert all(op.params["Key"]["PK"].startswith(f"BOOKSUM#{unit}#") for unit, op in
               zip(("city", "taishan", "firm"), [op for op in fake.commits[0] if op.name == "count_figures"],
                   strict=True))


def test_cancelling_moves_the_figures_as_the_session_counts_move(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(confirmed=2, waitlisted=1, wait_seq=1), [_place(1, "FIRST1")])
    with uow.recording() as fake:
        _cancel(monkeypatch, _registration("confirmed", attended=True))
    assert _figures(fake.commits[0])["city"] == {"fair.cancelled": 1, "fair.attended": -1, "fair.waitlisted": -1}


def test_a_demonstration_session_is_left_out_of_the_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(demo=True))
    with uow.recording() as fake:
        _register()
    assert _figures(fake.commits[0]) == {}
    assert store.count_figures("/city/", "fair", {"sessions": 1}, counted=False) == []


def test_closing_a_session_tells_everyone_holding_a_place_in_commits_of_at_most_100(
        monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(capacity=150, confirmed=150, waitlisted=0))
    held = [_registration("confirmed", reference=f"R{i:04d}", phone=f"1380000{i:04d}") for i in range(150)]
    held += [_registration("cancelled", reference="GONE01")]
    monkeypatch.setattr(store, "set_status",
                        lambda session_id, status, now: db.check("S", "S", "x").named("set_status"))
    monkeypatch.setattr(service, "all_registrations", lambda session_id: held)
    with uow.recording() as fake:
        service.close(SESSION_ID, STAFF)
    assert [len(ops) for ops in fake.commits] == [100, 52]
    assert fake.commits[0][0].name == "set_status"  # the first messages share the change's transaction
    messages = _messages(fake)
    assert len(messages) == 150 and {template for template, _, _ in messages} == {"booking_session_closed"}
    assert len({phone for _, phone, _ in messages}) == 150  # one each; the cancelled registration is not told


# --- changing and cancelling a session --------------------------------------------------------------------

def _change(**fields: Any) -> Any:
    from chalicelib.booking.models import SessionChangeIn

    body = {"version": 1, "starts_at": "2099-01-02T01:00:00Z", "ends_at": "2099-01-02T07:00:00Z",
            "place": "泰山区人力资源市场二楼", **fields}
    return SessionChangeIn.model_validate(body)


def _cancel_body(**fields: Any) -> Any:
    from chalicelib.booking.models import SessionCancelIn

    return SessionCancelIn.model_validate({"version": 1, "reason": "场馆临时停用", **fields})


def _holders(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    held = [_registration("confirmed" if i % 3 else "waitlisted", reference=f"R{i:04d}", phone=f"1380000{i:04d}")
            for i in range(count)]
    held += [_registration("cancelled", reference="GONE01", phone="13900000000")]
    monkeypatch.setattr(service, "all_registrations", lambda session_id: held)


def test_a_new_time_and_place_moves_the_listing_and_the_units_pointer_and_tells_each_holder(
        monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(place="旧地点"))
    _holders(monkeypatch, 3)
    with uow.recording() as fake:
        service.change_session(SESSION_ID, _change(), STAFF)
    assert _names(fake)[0][:3] == ["move_session", "unlist_in_unit", "list_in_unit"]
    move = _op(fake, "move_session").params
    assert move["ConditionExpression"] == "#version = :seen" and move["ExpressionAttributeValues"][":seen"] == 1
    assert move["ExpressionAttributeValues"][":gsk"] == f"2099-01-02T01:00:00Z#{SESSION_ID}"
    assert "REMOVE #online_url" in move["UpdateExpression"]
    messages = _messages(fake)
    assert {t for t, _, _ in messages} == {"booking_session_changed"} and len(messages) == 3
    assert messages[0][2]["place"] == "泰山区人力资源市场二楼" and messages[0][2]["when"] == "2099-01-02 09:00"


def test_a_change_that_changes_nothing_writes_and_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(starts_at="2099-01-02T01:00:00Z", ends_at="2099-01-02T07:00:00Z",
                                      place="泰山区人力资源市场二楼"))
    _holders(monkeypatch, 3)
    with uow.recording() as fake:
        service.change_session(SESSION_ID, _change(), STAFF)
    assert fake.commits == []


def test_a_change_or_cancel_read_at_an_older_version_is_refused_without_a_write(
        monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(version=4))
    _holders(monkeypatch, 1)
    with uow.recording() as fake:
        for attempt in (lambda: service.change_session(SESSION_ID, _change(version=3), STAFF),
                        lambda: service.cancel_session(SESSION_ID, _cancel_body(version=3), STAFF)):
            with pytest.raises(errors.ProblemError) as raised:
                attempt()
            assert raised.value.code == "/problems/version-conflict"
    assert fake.commits == []


def test_cancelling_a_sharded_session_stops_each_shard_and_tells_holders_the_reason_in_chunks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _sharded([300, 300], [300, 300], waitlisted=40))
    _holders(monkeypatch, 150)
    with uow.recording() as fake:
        service.cancel_session(SESSION_ID, _cancel_body(), STAFF)
    assert _names(fake)[0][:3] == ["cancel_session", "set_shard_status", "set_shard_status"]
    assert [len(ops) for ops in fake.commits] == [100, 54]  # 3 changes + audit + 96 messages, then 54
    assert all(op.params["ExpressionAttributeValues"][":s"] == "cancelled" for op in fake.commits[0]
               if op.name == "set_shard_status")
    messages = _messages(fake)
    assert len(messages) == 150 and {t for t, _, _ in messages} == {"booking_session_cancelled"}
    assert {v["reason"] for _, _, v in messages} == {"场馆临时停用"}
    assert not any(name in ("promote", "count_figures") for names in fake.names for name in names)


def test_a_cancelled_session_takes_no_registration_no_cancellation_and_no_other_change(
        monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSession(monkeypatch, _session(status="cancelled", confirmed=2, waitlisted=1, wait_seq=1),
                [_place(1, "FIRST1")])
    _holders(monkeypatch, 1)
    with uow.recording() as fake:
        for attempt in (_register, lambda: _cancel(monkeypatch, _registration("confirmed")),
                        lambda: service.change_session(SESSION_ID, _change(), STAFF),
                        lambda: service.change_capacity(SESSION_ID, 5, STAFF),
                        lambda: service.reopen(SESSION_ID, STAFF),
                        lambda: service.cancel_session(SESSION_ID, _cancel_body(), STAFF)):
            with pytest.raises(errors.ProblemError) as raised:
                attempt()
            assert raised.value.status == 409
        assert service.promote_free_seats(SESSION_ID, "staff:x") == []
    assert fake.commits == []
