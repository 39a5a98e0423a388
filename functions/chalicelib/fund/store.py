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


def insufficient(year: int) -> errors.ProblemError:
    return errors.conflict(f"专项资金余额不足：本单位 {year} 年度的余额不够这笔支出，或还没有设立专项资金。"
                           "请先在“防控专项资金”页设立专项资金或请上级拨付，再重试。", "fund-insufficient")


def open_account(unit_id: str, year: int, *, annual_budget_fen: int, special_fund_fen: int, at: str) -> db.Op:
    """A unit's first account of a year, its balance the whole special fund; someone else opening it
    first is a version conflict."""
    pk, sk = account_key(unit_id, year)
    return db.put_new({"PK": pk, "SK": sk, "type": "fund_account", "unit_id": unit_id, "year": year,
                       "annual_budget_fen": annual_budget_fen, "special_fund_fen": special_fund_fen,
                       "balance_fen": special_fund_fen, "allocated_in_fen": 0, "allocated_out_fen": 0,
                       "spent_fen": 0, "version": 1, "created_at": at},
                      on_fail=errors.version_conflict()).named("open_account")


def change_budget(unit_id: str, year: int, *, annual_budget_fen: int, special_fund_fen: int, delta: int,
                  expected_version: int) -> db.Op:
    """Set the budget and special fund of the account at the version read, moving the balance by the
    fund's change; refused when the balance would go below zero (money already allocated or spent)."""
    condition = "#v = :expected" + (" AND balance_fen >= :need" if delta < 0 else "")
    values: dict[str, Any] = {":next": expected_version + 1, ":expected": expected_version,
                              ":budget": annual_budget_fen, ":fund": special_fund_fen, ":d": delta}
    if delta < 0:
        values[":need"] = -delta
    expression = "SET #v = :next, annual_budget_fen = :budget, special_fund_fen = :fund ADD balance_fen :d"
    return db.update(*account_key(unit_id, year), expression, condition, names={"#v": "version"}, values=values,
                     on_fail=errors.conflict("专项资金不能调低到已拨付和已支出的金额以下，或记录已被他人修改，"
                                             "请刷新后重试。", "fund-insufficient")).named("change_budget")


def record_entry(record: dict[str, Any]) -> db.Op:
    """An append-only ledger entry: the same entry can never be written twice."""
    return db.put_new(entry_item(record), on_fail=errors.conflict("这条账目已经记录过，不能重复记账。",
                                                                  "entry-exists")).named("record_entry")


def mark_reversed(entry_id: str, reversal_id: str, at: str, on_fail: errors.ProblemError) -> db.Op:
    """The mark that an entry has been reversed: put_new, so an entry is reversed at most once."""
    pk, sk = reversal_mark_key(entry_id)
    return db.put_new({"PK": pk, "SK": sk, "type": "fund_reversal_mark", "reversal_id": reversal_id, "at": at},
                      on_fail=on_fail).named("mark_reversed")


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
    return db.update(*totals_key(unit_id, year, scope), expression, names=names, values=values).named("add_totals")


def change_balance(unit_id: str, year: int, delta: int, fields: dict[str, int],
                   on_fail: errors.ProblemError | None = None) -> db.Op:
    """Add delta to the account's balance (and other counters); refused when it would go below zero
    (`insufficient` unless another error is given)."""
    names = {"#b": "balance_fen"}
    values: dict[str, Any] = {":d": delta}
    adds = ["#b :d"]
    for i, (name, amount) in enumerate(sorted(fields.items())):
        names[f"#f{i}"] = name
        values[f":f{i}"] = amount
        adds.append(f"#f{i} :f{i}")
    condition = "attribute_exists(PK)"
    if delta < 0:
        condition += " AND #b >= :need"
        values[":need"] = -delta
    return db.update(*account_key(unit_id, year), "ADD " + ", ".join(adds), condition, names=names, values=values,
                     on_fail=on_fail or insufficient(year)).named("change_balance")


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
