"""Recuperation nominations in the one table.

  nomination   PK=RECUPNOM#<ID-number keyed hash>   SK=NOMINATION
               GSI1PK=RECUPNOMS                     GSI1SK=<unit path>#<nominated_at>#<person id>

One item per person (keyed by the archive's ID-number hash, so a person two hospitals entered is
still one nominee): a new nomination is put only when none exists or the last one was withdrawn
or declined, so two units nominating at once leave exactly one. The index sort key starts with the
nominating unit's materialised path: a unit's subtree is one Query with begins_with.
Batches are booking sessions of kind `recuperation` (booking/store.py); a placement is a booking
registration whose reference the nomination keeps.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import db, errors

INDEX = "RECUPNOMS"
SK = "NOMINATION"


def nomination_key(id_hash: str) -> tuple[str, str]:
    return f"RECUPNOM#{id_hash}", SK


def nomination_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = nomination_key(record["id_hash"])
    return {"PK": pk, "SK": sk, "GSI1PK": INDEX,
            "GSI1SK": f"{record['unit_path']}#{record['nominated_at']}#{record['person_id']}",
            "type": "recuperation_nomination", **record}


def get_nomination(id_hash: str) -> dict[str, Any] | None:
    return db.get(*nomination_key(id_hash), consistent=True)


def subtree_page(unit_path: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(INDEX, unit_path, index="GSI1", limit=limit, start_key=start)


def all_under(unit_path: str, most: int = 5000) -> list[dict[str, Any]]:
    """Every nomination made in a subtree (the city's ranking reads them all: a few thousand at most)."""
    found: list[dict[str, Any]] = []
    start = None
    while len(found) < most:
        items, start = subtree_page(unit_path, 500, start)
        found += items
        if not start:
            break
    return found


# --- writes -------------------------------------------------------------------------------------------

PLACEMENT_FIELDS = ("batch_id", "booking_reference", "placed_at", "batch_title", "batch_starts_at", "batch_ends_at",
                    "batch_place")


def already_nominated() -> errors.ProblemError:
    return errors.conflict("这位一线人员已经被推荐（每人只能有一条有效推荐）。如需重新推荐，请先撤回原推荐。",
                           "already-nominated")


def nominate(record: dict[str, Any]) -> db.Op:
    """The person's nomination, only if they have none or the last one was withdrawn or declined."""
    return db.put(nomination_item(record), "attribute_not_exists(PK) OR #status IN (:withdrawn, :declined)",
                  names={"#status": "status"}, values={":withdrawn": "withdrawn", ":declined": "declined"},
                  on_fail=already_nominated()).named("nominate")


def change_nomination(id_hash: str, changes: dict[str, Any], version: int, allowed: tuple[str, ...]) -> db.Op:
    """Staff's change, only at the version they read and while the status is one of `allowed`."""
    names = {f"#f{i}": k for i, k in enumerate(changes)} | {"#v": "version", "#status": "status"}
    values = {f":f{i}": v for i, v in enumerate(changes.values())}
    values |= {":seen": version, ":next": version + 1} | {f":s{i}": s for i, s in enumerate(allowed)}
    sets = [f"#f{i} = :f{i}" for i in range(len(changes))] + ["#v = :next"]
    states = ", ".join(f":s{i}" for i in range(len(allowed)))
    return db.update(*nomination_key(id_hash), "SET " + ", ".join(sets), f"#v = :seen AND #status IN ({states})",
                     names=names, values=values, on_fail=errors.version_conflict()).named("change_nomination")


def mark_placed(id_hash: str, changes: dict[str, Any], version: int) -> db.Op:
    """Approved -> placed (with the batch and booking reference in changes), only while the
    nomination is still approved at the version read."""
    names = {f"#f{i}": k for i, k in enumerate(changes)} | {"#v": "version", "#status": "status"}
    values = {f":f{i}": v for i, v in enumerate(changes.values())} | {":was": "approved", ":one": 1, ":seen": version}
    sets = [f"#f{i} = :f{i}" for i in range(len(changes))] + ["#v = #v + :one"]
    return db.update(*nomination_key(id_hash), "SET " + ", ".join(sets), "#status = :was AND #v = :seen",
                     names=names, values=values,
                     on_fail=errors.conflict("推荐状态刚刚变化。", "nomination-state")).named("mark_placed")


def unplace(id_hash: str, reference: str, on_fail: errors.ProblemError) -> db.Op:
    """Placed by this booking reference -> nominated again, the placement fields removed."""
    return db.update(*nomination_key(id_hash), "SET #status = :nominated, #v = #v + :one REMOVE "
                     + ", ".join(PLACEMENT_FIELDS), "#status = :placed AND booking_reference = :ref",
                     names={"#status": "status", "#v": "version"},
                     values={":nominated": "nominated", ":placed": "placed", ":one": 1, ":ref": reference},
                     on_fail=on_fail).named("unplace")
