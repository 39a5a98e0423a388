"""What must hold for a session after any load: never more confirmed than the capacity (per seat
shard and in all), every confirmed seat someone's, one place per person, and the waitlist in
arrival order with every promotion taken from its head."""

from __future__ import annotations

from collections import Counter
from typing import Any


def check(session: dict[str, Any], items: list[dict[str, Any]], shards: list[dict[str, Any]]) -> dict[str, Any]:
    """The session item, every item of its partition and its seat shards (none when unsharded), as
    read from the table. Returns the figures and the list of broken invariants (empty when all hold)."""
    regs = [i for i in items if str(i["SK"]).startswith("REG#")]
    waits = sorted((i for i in items if str(i["SK"]).startswith("WAIT#")), key=lambda w: str(w["SK"]))
    by_status = Counter(str(r["status"]) for r in regs)
    capacity = int(session["capacity"])
    confirmed = by_status["confirmed"]
    broken: list[str] = []
    if confirmed > capacity:
        broken.append(f"overbooked: {confirmed} confirmed for {capacity} seats")
    if shards:
        taken = sum(int(s["taken"]) for s in shards)
        if sum(int(s["seats"]) for s in shards) != capacity:
            broken.append("the shards' seats do not add up to the capacity")
        if any(int(s["taken"]) > int(s["seats"]) for s in shards):
            broken.append("a shard holds more seats taken than it has")
    else:
        taken = int(session["confirmed"])
    if taken != confirmed:
        broken.append(f"{taken} seats counted taken, {confirmed} confirmed registrations")
    live = [r for r in regs if r["status"] != "cancelled" and r.get("phone_hash")]
    if len({r["phone_hash"] for r in live}) != len(live):
        broken.append("a person holds two places")
    waiting = {str(r["reference"]): int(r["wait_seq"]) for r in regs if r["status"] == "waitlisted"}
    order = [str(w["reference"]) for w in waits]
    if order != sorted(waiting, key=waiting.__getitem__) or int(session["waitlisted"]) != len(waits):
        broken.append("the waitlist is not the waitlisted registrations in arrival order")
    promoted = [int(r["wait_seq"]) for r in regs if r.get("promoted_at")]
    if promoted and waiting and max(promoted) > min(waiting.values()):
        broken.append("someone was promoted ahead of a person waiting before them")
    return {"capacity": capacity, "confirmed": confirmed, "waitlisted": len(waits), "cancelled": by_status["cancelled"],
            "promoted": len(promoted), "registrations": len(regs), "broken": broken}
