"""`make load`'s check of a session after the load: it passes a session that holds, and names each
broken invariant (overbooking, a seat counted twice, one person twice, the waitlist out of order)."""

from __future__ import annotations

from typing import Any

from tools.load import invariants


def _reg(ref: str, status: str, phone: str, **more: Any) -> dict[str, Any]:
    return {"SK": f"REG#{ref}", "reference": ref, "status": status, "phone_hash": phone, **more}


def _state() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    session = {"capacity": 2, "confirmed": 0, "waitlisted": 2}
    items = [_reg("A", "confirmed", "p1"), _reg("B", "confirmed", "p2", wait_seq=1, promoted_at="t"),
             _reg("C", "cancelled", "p3"), _reg("D", "waitlisted", "p4", wait_seq=2),
             _reg("E", "waitlisted", "p5", wait_seq=3),
             {"SK": "WAIT#00000002", "reference": "D"}, {"SK": "WAIT#00000003", "reference": "E"}]
    shards = [{"seats": 1, "taken": 1}, {"seats": 1, "taken": 1}]
    return session, items, shards


def test_a_session_that_holds_passes() -> None:
    checked = invariants.check(*_state())
    assert checked["broken"] == [] and (checked["confirmed"], checked["waitlisted"], checked["promoted"]) == (2, 2, 1)


def test_each_broken_invariant_is_named() -> None:
    session, items, shards = _state()
    items[3]["status"] = "confirmed"  # D confirmed beyond the capacity, still on the waitlist
    items.append(_reg("F", "confirmed", "p1"))  # the same person twice
    shards[0]["taken"] = 2
    broken = invariants.check(session, items, shards)["broken"]
    assert any(b.startswith("overbooked: 4 confirmed for 2 seats") for b in broken)
    assert "a shard holds more seats taken than it has" in broken
    assert "a person holds two places" in broken
    assert "the waitlist is not the waitlisted registrations in arrival order" in broken
    items = _state()[1]
    items[1]["wait_seq"] = 5  # promoted after E, who is still waiting
    assert invariants.check(_state()[0], items, _state()[2])["broken"] == [
        "someone was promoted ahead of a person waiting before them"]
