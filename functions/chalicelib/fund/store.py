"""The special fund in the one table.

  account          PK=FUND#<unit>             SK=ACCOUNT#<year>   budget, special fund, balance (fen), version
  ledger entry     PK=LEDGER#<entry id>       SK=ENTRY            never updated or deleted
  unit's ledger    GSI1PK=LEDGER#<unit>#<year> GSI1SK=<at>#<entry id>   (on the entry item)
  reversal mark    PK=LEDGER#<entry id>       SK=REVERSED         put_new: an entry is reversed at most once
  subtree totals   PK=FUNDSUM#<unit>#<year>   SK=SUBTREE          the unit and every unit under it
  own totals       PK=FUNDSUM#<unit>#<year>   SK=OWN              the unit alone

Totals hold `balance`, `funded`, `spent`, `frontline`, `entries` and one `cat_<category>` per
spending category, all in fen. Every ledger entry updates the totals of its unit (OWN) and of the
unit and each ancestor (SUBTREE, from the unit's materialised path) in the same transaction as the
entry, so a report is a handful of GetItems and always equals the sum of the entries.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import db, errors


def account_key(unit_id: str, year: int) -> tuple[str, str]:
    return f"FUND#{unit_id}", f"ACCOUNT#{year}"


def entry_key(entry_id: str) -> tuple[str, str]:
    return f"LEDGER#{entry_id}", "ENTRY"


def reversal_mark_key(entry_id: str) -> tuple[str, str]:
    return f"LEDGER#{entry_id}", "REVERSED"


def ledger_pk(unit_id: str, year: int) -> str:
    return f"LEDGER#{unit_id}#{year}"


def totals_key(unit_id: str, year: int, scope: str) -> tuple[str, str]:
    return f"FUNDSUM#{unit_id}#{year}", scope


def entry_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = entry_key(record["entry_id"])
    return {"PK": pk, "SK": sk, "GSI1PK": ledger_pk(record["unit_id"], record["year"]),
            "GSI1SK": f"{record['at']}#{record['entry_id']}", "type": "fund_entry", **record}


def put_entry(record: dict[str, Any]) -> db.Op:
    return db.put_new(entry_item(record), on_fail=errors.conflict("这条账目已经记录过，不能重复记账。", "entry-exists"))


def add_totals(unit_id: str, year: int, scope: str, deltas: dict[str, int]) -> db.Op:
    """ADD each delta to a totals item (created on first use)."""
    names = {"#unit": "unit_id", "#year": "year", "#type": "type"}
    values: dict[str, Any] = {":unit": unit_id, ":year": year, ":type": "fund_totals"}
    adds = []
    for i, (name, delta) in enumerate(sorted(deltas.items())):
        names[f"#a{i}"] = name
        values[f":a{i}"] = delta
        adds.append(f"#a{i} :a{i}")
    expression = "SET #unit = :unit, #year = :year, #type = :type ADD " + ", ".join(adds)
    return db.update(*totals_key(unit_id, year, scope), expression, names=names, values=values)


def change_balance(unit_id: str, year: int, delta: int, fields: dict[str, int],
                   on_fail: errors.ProblemError) -> db.Op:
    """Add delta to the account's balance (and other counters); refused when it would go below zero."""
    names = {"#b": "balance_fen"}
    values: dict[str, Any] = {":d": delta, ":zero": 0}
    adds = ["#b :d"]
    for i, (name, amount) in enumerate(sorted(fields.items())):
        names[f"#f{i}"] = name
        values[f":f{i}"] = amount
        adds.append(f"#f{i} :f{i}")
    condition = "attribute_exists(PK)"
    if delta < 0:
        condition += " AND #b >= :need"
        values[":need"] = -delta
    del values[":zero"]
    return db.update(*account_key(unit_id, year), "ADD " + ", ".join(adds), condition,
                     names=names, values=values, on_fail=on_fail)


def get_account(unit_id: str, year: int, consistent: bool = False) -> dict[str, Any] | None:
    return db.get(*account_key(unit_id, year), consistent=consistent)


def get_entry(entry_id: str) -> dict[str, Any] | None:
    return db.get(*entry_key(entry_id))


def get_reversal_mark(entry_id: str) -> dict[str, Any] | None:
    return db.get(*reversal_mark_key(entry_id))


def ledger_page(unit_id: str, year: int, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(ledger_pk(unit_id, year), index="GSI1", limit=limit, start_key=start, forward=False)


def _batch_get(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """BatchGetItem with backoff on unprocessed keys; 503 rather than a short answer."""
    return db.batch_get(keys)


def totals(unit_ids: list[str], year: int) -> dict[tuple[str, str], dict[str, Any]]:
    """SUBTREE and OWN totals of many units: {(unit, "SUBTREE" | "OWN"): item}."""
    keys = [db.key(*totals_key(u, year, scope)) for u in unit_ids for scope in ("SUBTREE", "OWN")]
    return {(str(i["unit_id"]), str(i["SK"])): i for i in _batch_get(keys)}


def accounts(unit_ids: list[str], year: int) -> dict[str, dict[str, Any]]:
    return {str(i["unit_id"]): i for i in _batch_get([db.key(*account_key(u, year)) for u in unit_ids])}
