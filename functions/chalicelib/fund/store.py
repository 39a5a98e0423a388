"""The special fund in the one table.

  account          PK=FUND#<unit>             SK=ACCOUNT#<year>   budget, special fund, balance (fen), version
  ledger entry     PK=LEDGER#<entry id>       SK=ENTRY            never updated or deleted
  unit's ledger    GSI1PK=LEDGER#<unit>#<year> GSI1SK=<at>#<entry id>   (on the entry item)
  reversal mark    PK=LEDGER#<entry id>       SK=REVERSED         put_new: an entry is reversed at most once
  subtree totals   PK=FUNDSUM#<unit>#<year>   SK=SUBTREE          the unit and every unit under it
  own totals       PK=FUNDSUM#<unit>#<year>   SK=OWN              the unit alone
  open hold        PK=FUND#<unit>             SK=HOLD#OPEN#<hold id>   money reserved for a run of spends
  closed hold      PK=FUND#<unit>             SK=HOLD#DONE#<hold id>   what the run spent and gave back
  draw on a hold   PK=HOLD#<hold id>          SK=DRAW#<n>         written with the entries it paid for

Totals hold `balance`, `funded`, `spent`, `frontline`, `entries` and one `cat_<category>` per
spending category, all in fen. Every ledger entry updates the totals of its unit (OWN) and of the
unit and each ancestor (SUBTREE, from the unit's materialised path) in the same transaction as the
entry, so a report is a handful of GetItems and always equals the sum of the entries.

A large run of spends (a week's food-package roster) reserves its total once instead: the balance
goes down by it in one conditional decrement (`held_fen` up by as much) with an open hold. Its
entries are then written in many transactions at once, each with a draw item naming their sum and
their totals' changes, and none touching the account or the totals (so they do not wait on one
another). Settling moves each draw into the totals and from `held_fen` to `spent_fen` (deleting the
draw); closing gives back what was reserved and not drawn. While a hold is open, the account's
balance is short by what it holds and the totals lack its unsettled draws.
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


def hold_key(unit_id: str, hold_id: str) -> tuple[str, str]:
    return f"FUND#{unit_id}", f"HOLD#OPEN#{hold_id}"


def draw_key(hold_id: str, n: str) -> tuple[str, str]:
    return f"HOLD#{hold_id}", f"DRAW#{n}"


def reserve(unit_id: str, year: int, amount: int) -> db.Op:
    """Take amount from the balance into `held_fen`, only while the balance covers it."""
    return db.update(*account_key(unit_id, year), "ADD #b :minus, #h :amount",
                     "attribute_exists(PK) AND #b >= :amount", names={"#b": "balance_fen", "#h": "held_fen"},
                     values={":minus": -amount, ":amount": amount}, on_fail=insufficient(year)).named("reserve")


def open_hold(record: dict[str, Any]) -> db.Op:
    pk, sk = hold_key(record["unit_id"], record["hold_id"])
    return db.put_new({"PK": pk, "SK": sk, "type": "fund_hold", "status": "open", "settled_fen": 0, **record},
                      on_fail=errors.version_conflict()).named("open_hold")


def draw(record: dict[str, Any]) -> db.Op:
    """A draw on a hold, written with the entries it pays for: put_new, so it is counted once."""
    pk, sk = draw_key(record["hold_id"], record["n"])
    return db.put_new({"PK": pk, "SK": sk, "type": "fund_draw", **record},
                      on_fail=errors.version_conflict()).named("draw")


def hold_changed() -> errors.ProblemError:
    return errors.conflict("这笔预留正由另一次运行结算，请稍后重试。", "hold-changed")


def settle_draw(hold_id: str, n: str) -> db.Op:
    return db.delete(*draw_key(hold_id, n), "attribute_exists(PK)", on_fail=hold_changed()).named("settle_draw")


def settle_hold(unit_id: str, hold_id: str, settled_before: int, amount: int) -> db.Op:
    """Add amount to what the hold has settled, only from the sum read (one settler at a time)."""
    return db.update(*hold_key(unit_id, hold_id), "ADD #s :d", "#s = :before", names={"#s": "settled_fen"},
                     values={":d": amount, ":before": settled_before}, on_fail=hold_changed()).named("settle_hold")


def close_hold(unit_id: str, hold_id: str, settled_before: int) -> db.Op:
    return db.delete(*hold_key(unit_id, hold_id), "#s = :before", names={"#s": "settled_fen"},
                     values={":before": settled_before}, on_fail=hold_changed()).named("close_hold")


def closed_hold(record: dict[str, Any]) -> db.Op:
    pk = account_key(record["unit_id"], record["year"])[0]
    return db.put({"PK": pk, "SK": f"HOLD#DONE#{record['hold_id']}", "type": "fund_hold", "status": "closed",
                   **record}).named("closed_hold")


def settle_account(unit_id: str, year: int, spent: int, released: int) -> db.Op:
    """Move what a hold's draws spent from `held_fen` to `spent_fen`, and what it gives back to the
    balance."""
    return db.update(*account_key(unit_id, year), "ADD #h :held, #s :spent, #b :released", "attribute_exists(PK)",
                     names={"#h": "held_fen", "#s": "spent_fen", "#b": "balance_fen"},
                     values={":held": -(spent + released), ":spent": spent, ":released": released},
                     ).named("settle_account")


def open_holds(unit_id: str) -> list[dict[str, Any]]:
    items, _ = db.query(f"FUND#{unit_id}", "HOLD#OPEN#", limit=100)
    return items


def draws(hold_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        items, start = db.query(f"HOLD#{hold_id}", "DRAW#", limit=500, start_key=start)
        found += items
        if not start:
            return found


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
