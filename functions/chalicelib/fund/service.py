"""The special fund: budgets, allocations down the tree, the append-only ledger and its totals.

Every change of money is a ledger entry written in one transaction with the account's balance
change (conditional: never below zero) and the totals of the unit and its ancestors. Entries are
never edited; a correction is a reversing entry linked to the original, once per entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.core import audit, auth, db, demo, errors, ids, labels, pagination, roles, times, uow
from chalicelib.core.auth import Principal
from chalicelib.core.errors import FieldError
from chalicelib.fund import categories, store
from chalicelib.fund.models import (
    MAX_AMOUNT_FEN,
    Account,
    Allocation,
    AllocationIn,
    BudgetIn,
    CategoryList,
    CategoryOut,
    Entry,
    EntryPage,
    ReverseIn,
    SpendIn,
)
from chalicelib.orgs import service as orgs

KIND_LABELS = labels.LEDGER_KIND_LABELS
WRITE_ROLES, READ_ROLES = roles.MONEY, roles.MONEY_READ


def _ancestors(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


Deltas = dict[tuple[str, str], dict[str, int]]


@dataclass(frozen=True)
class Effect:
    """What one ledger entry does to the money: the balance change of its unit's account (and the
    account's other counters), what it spends (in which category, whether on frontline staff) and
    what it funds. `subtree_balance_units` limits the ancestors whose subtree balance moves (an
    allocation moves money inside a subtree, so the subtrees holding both sides keep theirs);
    None means every ancestor's."""

    balance: int
    spent: int = 0
    category: str | None = None
    frontline: bool = False
    funded: int = 0
    account_fields: dict[str, int] = field(default_factory=dict)
    subtree_balance_units: list[str] | None = None


def _entry_ops(record: dict[str, Any], path: str, effect: Effect, account_op: db.Op | None = None) -> list[db.Op]:
    """The entry, the account's balance change and the totals of the unit and its ancestors."""
    ops, deltas = _entry_parts(record, path, effect, account_op)
    return ops + _totals_ops(deltas, record["year"])


def _entry_parts(record: dict[str, Any], path: str, effect: Effect,
                 account_op: db.Op | None = None) -> tuple[list[db.Op], Deltas]:
    """The account's change (account_op when the caller built it) and the entry, and the totals'
    deltas for the caller to merge with others' (a transaction may touch an item once)."""
    unit_id, year = record["unit_id"], record["year"]
    ops = [account_op or store.change_balance(unit_id, year, effect.balance, effect.account_fields),
           store.record_entry(record)]
    own: dict[str, int] = {"balance": effect.balance, "entries": 1}
    sub: dict[str, int] = {"entries": 1}
    if effect.spent:
        month = f"month_{times.shanghai_text(record['at'])[:7]}"
        own["spent"] = sub["spent"] = effect.spent
        own[f"cat_{effect.category}"] = sub[f"cat_{effect.category}"] = effect.spent
        own[month] = sub[month] = effect.spent
        if effect.frontline:
            own["frontline"] = sub["frontline"] = effect.spent
    if effect.funded:
        own["funded"] = sub["funded"] = effect.funded
    deltas: Deltas = {(unit_id, "OWN"): own}
    for unit in _ancestors(path):
        changes = dict(sub)
        if effect.subtree_balance_units is None or unit in effect.subtree_balance_units:
            changes["balance"] = effect.balance
        deltas[(unit, "SUBTREE")] = changes
    return ops, deltas


def _merge(*parts: Deltas) -> Deltas:
    merged: Deltas = {}
    for part in parts:
        for key, changes in part.items():
            target = merged.setdefault(key, {})
            for name, value in changes.items():
                target[name] = target.get(name, 0) + value
    return merged


def _totals_ops(deltas: Deltas, year: int) -> list[db.Op]:
    """One update per totals item (a transaction may touch an item once)."""
    return [store.add_totals(unit, year, scope, changes) for (unit, scope), changes in deltas.items()]


def _category_problems(unit_kind: str, category: str) -> list[FieldError]:
    if category not in categories.CATEGORIES:
        return [FieldError("category", "支出类别不是可选的类别")]
    if category not in categories.allowed_for(unit_kind):
        return [FieldError(
            "category", f"支出类别“{categories.label(category)}”不在本单位可用范围内：基层工会的专项资金只能用于"
                        "本单位直接参与疫情防控工作人员及其不能照顾的直系亲属的慰问和购买防疫物资")]
    return []


def _spend_problems(amount_fen: int, payee: str) -> list[FieldError]:
    problems = []
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        problems.append(FieldError("amount_fen", f"金额（分）应为 1 到 {MAX_AMOUNT_FEN} 之间的整数"))
    if not payee.strip():
        problems.append(FieldError("payee", "收款人或供应商为必填项"))
    return problems


def _check_spend(unit_kind: str, category: str, spends: list[tuple[int, str]]) -> categories.Category:
    """Every mistake of a spend (or of several in one category) at once, in one problem."""
    problems = _category_problems(unit_kind, category)
    for amount_fen, payee in spends:
        problems += [p for p in _spend_problems(amount_fen, payee) if p not in problems]
    if problems:
        raise errors.validation_failed(problems)
    return categories.CATEGORIES[category]


def _spend_record(*, unit_id: str, year: int, category: str, amount_fen: int, payee: str, actor: str,
                  entry_id: str, at: str, beneficiary: str | None = None, receipt: str | None = None,
                  approved_by: str | None = None, note: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"entry_id": entry_id, "unit_id": unit_id, "year": year, "kind": "spend",
                              "amount_fen": amount_fen, "balance_effect_fen": -amount_fen, "category": category,
                              "payee": payee, "beneficiary": beneficiary, "receipt": receipt,
                              "approved_by": approved_by, "note": note, "entered_by": actor, "at": at}
    return {k: v for k, v in record.items() if v is not None}


def spend_ops(*, unit_id: str, category: str, amount_fen: int, payee: str, actor: str, entry_id: str,
              at: str, beneficiary: str | None = None, receipt: str | None = None,
              approved_by: str | None = None, note: str | None = None) -> list[db.Op]:
    """Transaction items that record one spend from unit_id's special fund: a conditional decrement
    of the unit's balance (fails with a 409 problem "专项资金余额不足" when it would go below zero)
    and an append-only ledger entry keyed by entry_id (put_new: the same entry can never be written
    twice). The caller adds them to its own transaction.

    The budget year is the year of `at` in China. The items also update the unit's and its
    ancestors' totals (2 + depth + 1 items, well inside a transaction's 100)."""
    path = orgs.unit_path(unit_id)
    found = _check_spend(orgs.get_unit(unit_id).kind.value, category, [(amount_fen, payee)])
    record = _spend_record(unit_id=unit_id, year=times.local_date(at).year, category=category, amount_fen=amount_fen,
                           payee=payee, actor=actor, entry_id=entry_id, at=at, beneficiary=beneficiary,
                           receipt=receipt, approved_by=approved_by, note=note)
    return _entry_ops(record, path, Effect(balance=-amount_fen, spent=amount_fen, category=category,
                                           frontline=found.frontline, account_fields={"spent_fen": amount_fen}))


# --- holds: a large run of spends reserves its total once (see store.py) --------------------------

def insufficient(year: int) -> errors.ProblemError:
    """The refusal of a spend the balance does not cover."""
    return store.insufficient(year)


def available_fen(unit_id: str, year: int) -> int:
    """The unit's balance of the year now (a consistent read), 0 without an account."""
    item = store.get_account(unit_id, year, consistent=True)
    return int(item["balance_fen"]) if item else 0


def reserve_ops(*, unit_id: str, category: str, amount_fen: int, hold_id: str, purpose: str, actor: str,
                at: str, expires_at: str) -> tuple[list[db.Op], dict[str, Any]]:
    """Transaction items that take amount_fen from the unit's balance into a hold (409
    "专项资金余额不足" when the balance does not cover it), and the hold as written. The run that
    opens it must settle and close it before expires_at; after that, anyone may (`open_holds`)."""
    _check_spend(orgs.get_unit(unit_id).kind.value, category, [])
    year = times.local_date(at).year
    hold: dict[str, Any] = {"hold_id": hold_id, "unit_id": unit_id, "year": year, "category": category,
                            "reserved_fen": amount_fen, "purpose": purpose, "opened_by": actor, "at": at,
                            "expires_at": expires_at}
    return [store.reserve(unit_id, year, amount_fen), store.open_hold(hold)], {**hold, "settled_fen": 0}


def draw_ops(hold: dict[str, Any], n: str, spends: list[tuple[str, int, str, str]], actor: str,
             tally: dict[str, int]) -> tuple[list[db.Op], dict[str, Any]]:
    """The ledger entries of spends paid from a hold, each (entry_id, amount_fen, payee, beneficiary),
    with their draw n (put_new: a draw is counted once), and the draw as written. `tally` is the
    caller's own count of what the draw paid for, given back when it is settled. Neither the account
    nor any totals item is touched, so draws of one hold are written in parallel."""
    unit_id, year, category = hold["unit_id"], hold["year"], hold["category"]
    path = orgs.unit_path(unit_id)
    found = _check_spend(orgs.get_unit(unit_id).kind.value, category,
                         [(amount, payee) for _, amount, payee, _ in spends])
    ops: list[db.Op] = []
    parts: list[Deltas] = []
    for entry_id, amount, payee, beneficiary in spends:
        record = _spend_record(unit_id=unit_id, year=year, category=category, amount_fen=amount, payee=payee,
                               actor=actor, entry_id=entry_id, at=hold["at"], beneficiary=beneficiary)
        record["hold_id"] = hold["hold_id"]
        effect = Effect(balance=-amount, spent=amount, category=category, frontline=found.frontline)
        (_, entry), deltas = _entry_parts(record, path, effect, account_op=_NO_ACCOUNT)
        ops.append(entry)
        parts.append(deltas)
    draw = {"hold_id": hold["hold_id"], "n": n, "amount_fen": sum(amount for _, amount, _, _ in spends),
            "entries": len(spends), "tally": tally,
            "totals": {f"{unit}|{scope}": changes for (unit, scope), changes in _merge(*parts).items()}}
    return [*ops, store.draw(draw)], draw


_NO_ACCOUNT = db.Op("ConditionCheck", {})  # _entry_parts leaves a draw's account alone


def settle_ops(hold: dict[str, Any], draws: list[dict[str, Any]], *, close: bool) -> list[db.Op]:
    """Move draws into the totals and from the hold to what the account spent (deleting them), from
    the hold's settled sum as read; with close, also give back what the hold reserved and no draw
    spent, and close it. 2 + len(draws) + the totals items touched (+1 to close)."""
    unit_id, year, hold_id = hold["unit_id"], hold["year"], hold["hold_id"]
    spent = sum(int(d["amount_fen"]) for d in draws)
    before = int(hold["settled_fen"])
    released = int(hold["reserved_fen"]) - before - spent if close else 0
    ops = [store.settle_draw(hold_id, d["n"]) for d in draws]
    ops.append(store.settle_account(unit_id, year, spent, released))
    if close:
        done = {k: v for k, v in hold.items() if k not in ("PK", "SK", "type", "status")}
        ops += [store.close_hold(unit_id, hold_id, before),
                store.closed_hold({**done, "settled_fen": before + spent, "released_fen": released})]
    else:
        ops.append(store.settle_hold(unit_id, hold_id, before, spent))
    merged = _merge(*({_totals_key(key): {k: int(v) for k, v in changes.items()}
                       for key, changes in d["totals"].items()} for d in draws))
    return ops + _totals_ops(merged, year)


def _totals_key(text: str) -> tuple[str, str]:
    unit, _, scope = text.partition("|")
    return unit, scope


def open_holds(unit_id: str) -> list[dict[str, Any]]:
    """The unit's holds not closed yet."""
    return store.open_holds(unit_id)


def hold_draws(hold_id: str) -> list[dict[str, Any]]:
    """The draws of a hold not settled yet."""
    return store.draws(hold_id)


# --- reading ---------------------------------------------------------------------------------------

def list_categories() -> CategoryList:
    return CategoryList(items=[CategoryOut(code=c.code, label=c.label, group=c.group, frontline=c.frontline)
                               for c in categories.CATEGORIES.values()],
                        rules={kind: sorted(allowed) for kind, allowed in categories.ALLOWED_BY_KIND.items()})


def scoped_unit(unit_id: str, by: Principal) -> tuple[Any, str]:
    path = orgs.scoped_path(unit_id, by)
    return orgs.get_unit(unit_id), path


def to_entry(item: dict[str, Any], reversed_by: str | None = None, names: dict[str, str] | None = None,
             units: dict[str, str] | None = None) -> Entry:
    """A ledger entry; its writer and the other unit of an allocation named from `names` (one
    `orgs.display_names` per answer) and `units`, or read here."""
    names = names if names is not None else orgs.display_names([item["entered_by"]])
    other = item.get("counterpart_unit_id")
    units = units if units is not None else _unit_names([other] if other else [])
    category = item.get("category")
    return Entry(entry_id=item["entry_id"], unit_id=item["unit_id"], year=item["year"], kind=item["kind"],
                 kind_label=KIND_LABELS[item["kind"]], amount_fen=item["amount_fen"],
                 balance_effect_fen=item["balance_effect_fen"], category=category,
                 category_label=categories.label(category) if category else None,
                 payee=item.get("payee"), beneficiary=item.get("beneficiary"), receipt=item.get("receipt"),
                 counterpart_unit_id=other,
                 counterpart_unit_name=units.get(other) if other else None, reverses=item.get("reverses"),
                 reversed_by=reversed_by, note=item.get("note"), entered_by=item["entered_by"],
                 entered_by_name=names.get(item["entered_by"]), approved_by=item.get("approved_by"), at=item["at"],
                 demo=demo.marked(item))


def account(unit_id: str, year: int, by: Principal) -> Account:
    unit, _ = scoped_unit(unit_id, by)
    item = store.get_account(unit_id, year, consistent=True) or {}
    return Account(unit_id=unit_id, unit_name=unit.name, year=year,
                   annual_budget_fen=item.get("annual_budget_fen", 0), special_fund_fen=item.get("special_fund_fen", 0),
                   balance_fen=item.get("balance_fen", 0), allocated_in_fen=item.get("allocated_in_fen", 0),
                   allocated_out_fen=item.get("allocated_out_fen", 0), spent_fen=item.get("spent_fen", 0),
                   version=item.get("version", 0),
                   allowed_categories=sorted(categories.allowed_for(unit.kind.value)))


def get_entry(entry_id: str, by: Principal) -> Entry:
    item = store.get_entry(entry_id) if len(entry_id) <= 200 else None
    if item is None:
        raise errors.not_found()
    scoped_unit(item["unit_id"], by)
    mark = store.get_reversal_mark(entry_id)
    return to_entry(item, mark["reversal_id"] if mark else None)


def ledger(unit_id: str, year: int, cursor: str | None, by: Principal) -> EntryPage:
    scoped_unit(unit_id, by)
    scope = f"ledger:{unit_id}:{year}:{by.unit_path}"
    items, last = store.ledger_page(unit_id, year, pagination.size(50), pagination.decode_cursor(cursor, scope))
    names = orgs.display_names(i["entered_by"] for i in items)
    units = _unit_names([str(i["counterpart_unit_id"]) for i in items if i.get("counterpart_unit_id")])
    return EntryPage(items=[to_entry(i, names=names, units=units) for i in items],
                     next_cursor=pagination.encode_cursor(last, scope))


def _unit_names(unit_ids: list[str]) -> dict[str, str]:
    return {u: orgs.get_unit(u).name for u in set(unit_ids)}


# --- writing ---------------------------------------------------------------------------------------

def set_budget(unit_id: str, body: BudgetIn, by: Principal) -> Account:
    """Set (or change) the unit's special fund within its annual budget; the change is an entry."""
    _, path = scoped_unit(unit_id, by)
    if body.special_fund_fen > body.annual_budget_fen:
        raise errors.validation_failed([FieldError("special_fund_fen", "防控专项资金不能超过年度收支预算")])
    current = store.get_account(unit_id, body.year, consistent=True)
    now = audit.now_iso()
    previous = current["special_fund_fen"] if current else 0
    delta = body.special_fund_fen - previous
    if current is None:
        if body.version is not None:
            raise errors.version_conflict()
        account_op = store.open_account(unit_id, body.year, annual_budget_fen=body.annual_budget_fen,
                                        special_fund_fen=body.special_fund_fen, at=now)
    else:
        if body.version != current["version"]:
            raise errors.version_conflict()
        account_op = store.change_budget(unit_id, body.year, annual_budget_fen=body.annual_budget_fen,
                                         special_fund_fen=body.special_fund_fen, delta=delta,
                                         expected_version=current["version"])
    ops = [account_op]
    if delta:
        record = {"entry_id": ids.new_reference(), "unit_id": unit_id, "year": body.year, "kind": "fund_set",
                  "amount_fen": abs(delta), "balance_effect_fen": delta, "entered_by": by.actor, "at": now,
                  "note": f"专项资金由 {previous / 100:.2f} 元调整为 {body.special_fund_fen / 100:.2f} 元"}
        ops = _entry_ops(record, path, Effect(balance=delta, funded=delta), account_op=account_op)
    ops.append(audit.entry(actor=by.actor, action="fund.budget", entity="fund", entity_id=f"{unit_id}#{body.year}",
                           unit_id=unit_id, before={"special_fund_fen": previous},
                           after={"special_fund_fen": body.special_fund_fen,
                                  "annual_budget_fen": body.annual_budget_fen}))
    uow.commit(ops)
    return account(unit_id, body.year, by)


def record_spend(body: SpendIn, by: Principal) -> Entry:
    scoped_unit(body.unit_id, by)
    entry_id, at = ids.new_reference(), audit.now_iso()
    ops = spend_ops(unit_id=body.unit_id, category=body.category, amount_fen=body.amount_fen, payee=body.payee,
                    actor=by.actor, entry_id=entry_id, at=at, beneficiary=body.beneficiary, receipt=body.receipt,
                    approved_by=body.approved_by, note=body.note)
    uow.commit(ops)
    item = store.get_entry(entry_id)
    assert item is not None
    return to_entry(item)


def allocate(body: AllocationIn, by: Principal) -> Allocation:
    """Move money from a unit's fund to a direct child's: two entries, one transaction."""
    _, parent_path = scoped_unit(body.from_unit_id, by)
    try:
        child = orgs.get_unit(body.to_unit_id)
    except errors.ProblemError as exc:
        if exc.status >= 500:  # an outage is not a missing record
            raise
        child = None
    if child is None or child.parent_id != body.from_unit_id:
        raise errors.validation_failed([FieldError("to_unit_id", "拨入单位须是拨出单位的直属下级工会")])
    child_path = f"{parent_path}{child.id}/"
    if store.get_account(child.id, body.year) is None:
        raise errors.validation_failed([FieldError("to_unit_id", f"拨入单位尚未设立 {body.year} 年度专项资金账户")])
    at = audit.now_iso()
    out_id, in_id = ids.new_reference(), ids.new_reference()
    common = {"year": body.year, "amount_fen": body.amount_fen, "entered_by": by.actor, "at": at,
              "approved_by": body.approved_by, "note": body.note}
    out_record = {**common, "entry_id": out_id, "unit_id": body.from_unit_id, "kind": "allocation_out",
                  "balance_effect_fen": -body.amount_fen, "counterpart_unit_id": child.id, "pair": in_id}
    in_record = {**common, "entry_id": in_id, "unit_id": child.id, "kind": "allocation_in",
                 "balance_effect_fen": body.amount_fen, "counterpart_unit_id": body.from_unit_id, "pair": out_id}
    out_record = {k: v for k, v in out_record.items() if v is not None}
    in_record = {k: v for k, v in in_record.items() if v is not None}
    uow.commit([
        *_allocation_ops(out_record, in_record, parent_path, child_path, body.amount_fen),
        audit.entry(actor=by.actor, action="fund.allocate", entity="fund_entry", entity_id=out_id,
                    unit_id=body.from_unit_id, after={"to": child.id, "amount_fen": body.amount_fen}),
    ])
    return Allocation(out_entry=to_entry(out_record), in_entry=to_entry(in_record))


def _allocation_ops(out_record: dict[str, Any], in_record: dict[str, Any], from_path: str, to_path: str,
                    amount: int, short: errors.ProblemError | None = None) -> list[db.Op]:
    """Money leaves out_record's unit and reaches in_record's unit. A subtree balance changes only
    where the subtree holds one side and not the other. `short` is the error when the giving unit's
    balance is too low (by default the fund's "余额不足")."""
    out_chain, in_chain = set(_ancestors(from_path)), set(_ancestors(to_path))
    out_effect = Effect(balance=-amount, account_fields={"allocated_out_fen": amount},
                        subtree_balance_units=sorted(out_chain - in_chain))
    out_account = store.change_balance(out_record["unit_id"], out_record["year"], -amount,
                                       out_effect.account_fields, short)
    out_ops, out_deltas = _entry_parts(out_record, from_path, out_effect, account_op=out_account)
    in_ops, in_deltas = _entry_parts(in_record, to_path, Effect(balance=amount,
                                                                account_fields={"allocated_in_fen": amount},
                                                                subtree_balance_units=sorted(in_chain - out_chain)))
    return out_ops + in_ops + _totals_ops(_merge(out_deltas, in_deltas), out_record["year"])


def reverse(entry_id: str, body: ReverseIn, by: Principal) -> Entry:
    """A reversing entry linked to the original; an entry is reversed at most once."""
    original = store.get_entry(entry_id) if len(entry_id) <= 200 else None
    if original is None:
        raise errors.not_found()
    _, path = scoped_unit(original["unit_id"], by)
    kind = original["kind"]
    if kind not in ("spend", "allocation_out", "allocation_in"):
        raise errors.conflict("只有支出和拨付可以冲正；专项资金数额请重新设立。", "not-reversible")
    at, reversal_id = audit.now_iso(), ids.new_reference()
    ops = [store.mark_reversed(entry_id, reversal_id, at,
                               errors.conflict("这条账目已经冲正过，不能再次冲正。", "already-reversed"))]
    amount = original["amount_fen"]
    common = {"year": original["year"], "amount_fen": amount, "entered_by": by.actor, "at": at, "note": body.reason,
              "approved_by": body.approved_by}
    common = {k: v for k, v in common.items() if v is not None}
    if kind == "spend":
        record = {**common, "entry_id": reversal_id, "unit_id": original["unit_id"], "kind": "reversal",
                  "reverses": entry_id, "balance_effect_fen": amount, "category": original["category"]}
        frontline = categories.CATEGORIES[original["category"]].frontline
        ops += _entry_ops(record, path, Effect(balance=amount, spent=-amount, category=original["category"],
                                               frontline=frontline, account_fields={"spent_fen": -amount}))
    else:
        pair = store.get_entry(original["pair"])
        assert pair is not None
        out_entry, in_entry = (original, pair) if kind == "allocation_out" else (pair, original)
        parent_path = orgs.unit_path(out_entry["unit_id"])
        auth.require_in_scope(by, parent_path)  # undoing an allocation is the giving unit's decision
        child_path = orgs.unit_path(in_entry["unit_id"])
        ops.append(store.mark_reversed(pair["entry_id"], reversal_id, at,
                                       errors.conflict("这笔拨付已经冲正过，不能再次冲正。", "already-reversed")))
        back_out = {**common, "entry_id": f"{reversal_id}", "unit_id": in_entry["unit_id"], "kind": "reversal",
                    "reverses": in_entry["entry_id"], "balance_effect_fen": -amount,
                    "counterpart_unit_id": out_entry["unit_id"]}
        back_in = {**common, "entry_id": ids.new_reference(), "unit_id": out_entry["unit_id"], "kind": "reversal",
                   "reverses": out_entry["entry_id"], "balance_effect_fen": amount,
                   "counterpart_unit_id": in_entry["unit_id"], "pair": reversal_id}
        back_out["pair"] = back_in["entry_id"]
        ops += _allocation_ops(back_out, back_in, child_path, parent_path, amount, errors.conflict(
            "下级单位的余额已不足以退回这笔拨款（可能已经支出），无法冲正。", "fund-insufficient"))
        record = back_out if back_out["reverses"] == entry_id else back_in
    ops.append(audit.entry(actor=by.actor, action="fund.reverse", entity="fund_entry", entity_id=entry_id,
                           unit_id=original["unit_id"], after={"reversal_id": reversal_id}))
    with demo.of(original):  # reversing a demo entry leaves the totals as they were
        uow.commit(ops)
    return to_entry(record)
