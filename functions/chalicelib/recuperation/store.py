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

from chalicelib.core import db

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
