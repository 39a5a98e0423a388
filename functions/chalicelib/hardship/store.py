"""Registered hardship workers (在档困难职工) in the one table.

  worker           PK=HARDSHIP#<worker id>    SK=WORKER
  unit's register  GSI1PK=HARDSHIPUNIT#<unit> GSI1SK=<worker id>          (on the worker item)
  one per person   PK=HARDSHIPID#<keyed hash of the ID number>  SK=ID    (put_new: registered once)
  check            PK=HARDSHIP#<worker id>    SK=CHECK#<at>#<random>     (contact person's visit or call)
  supplies given   PK=HARDSHIP#<worker id>    SK=SUPPLY#<at>#<random>    (linked to a fund ledger entry)

ID numbers are stored only as a keyed hash (duplicate check) and a masked form.
"""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib.core import db, errors


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


# --- writes -------------------------------------------------------------------------------------------

IN_REGISTER_ALREADY = ("表格中有人已在困难职工档案中（可能刚被他人导入），整个表格都没有导入。"
                       "请刷新名册，去掉已在档的行后重新上传。")


def add_worker(record: dict[str, Any], already: str = IN_REGISTER_ALREADY) -> list[db.Op]:
    """A worker on the register and the guard that registers their ID number once (`already` is the
    refusal when it is registered)."""
    return [db.put_new(worker_item(record)).named("add_worker"),
            db.put_new(id_item(record["id_hash"], record["worker_id"]), on_fail=errors.conflict(already))
            .named("register_id")]


def remove(keys: list[tuple[str, str]]) -> list[db.Op]:
    """Take items out again (an import that failed part way)."""
    return [db.delete(pk, sk).named("remove") for pk, sk in keys]


def _history_item(worker_id: str, kind: str, at: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"PK": worker_key(worker_id)[0], "SK": f"{kind}#{at}#{secrets.token_hex(3)}", **fields, "at": at}


def record_check(worker_id: str, fields: dict[str, Any], at: str) -> list[db.Op]:
    """A contact person's check in the worker's history, and its time on the worker."""
    return [db.put_new(_history_item(worker_id, "CHECK", at, {"type": "hardship_check", **fields}))
            .named("record_check"),
            db.update(*worker_key(worker_id), "SET last_check_at = :at", "attribute_exists(PK)", values={":at": at})
            .named("note_last_check")]


def record_supply(worker_id: str, fields: dict[str, Any], at: str) -> list[db.Op]:
    """Supplies given in the worker's history, and one more on the worker's count."""
    return [db.put_new(_history_item(worker_id, "SUPPLY", at, {"type": "hardship_supply", **fields}))
            .named("record_supply"),
            db.update(*worker_key(worker_id), "ADD supplies_given :one", "attribute_exists(PK)", values={":one": 1})
            .named("count_supply")]
