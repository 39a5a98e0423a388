"""Registered hardship workers (在档困难职工) in the one table.

  worker           PK=HARDSHIP#<worker id>    SK=WORKER
  unit's register  GSI1PK=HARDSHIPUNIT#<unit> GSI1SK=<worker id>          (on the worker item)
  one per person   PK=HARDSHIPID#<keyed hash of the ID number>  SK=ID    (put_new: registered once)
  check            PK=HARDSHIP#<worker id>    SK=CHECK#<at>#<random>     (contact person's visit or call)
  supplies given   PK=HARDSHIP#<worker id>    SK=SUPPLY#<at>#<random>    (linked to a fund ledger entry)

ID numbers are stored only as a keyed hash (duplicate check) and a masked form.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import db


def worker_key(worker_id: str) -> tuple[str, str]:
    return f"HARDSHIP#{worker_id}", "WORKER"


def worker_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = worker_key(record["worker_id"])
    return {"PK": pk, "SK": sk, "GSI1PK": f"HARDSHIPUNIT#{record['unit_id']}", "GSI1SK": record["worker_id"],
            "type": "hardship_worker", **record}


def id_key(id_hash: str) -> tuple[str, str]:
    return f"HARDSHIPID#{id_hash}", "ID"


def id_item(id_hash: str, worker_id: str) -> dict[str, Any]:
    pk, sk = id_key(id_hash)
    return {"PK": pk, "SK": sk, "type": "hardship_id", "worker_id": worker_id}


def get_worker(worker_id: str) -> dict[str, Any] | None:
    return db.get(*worker_key(worker_id))


def get_id(id_hash: str) -> dict[str, Any] | None:
    return db.get(*id_key(id_hash))


def unit_workers(unit_id: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"HARDSHIPUNIT#{unit_id}", index="GSI1", limit=limit, start_key=start)


def history(worker_id: str, kind: str) -> list[dict[str, Any]]:
    items, _ = db.query(f"HARDSHIP#{worker_id}", f"{kind}#", limit=200, forward=False)
    return items
