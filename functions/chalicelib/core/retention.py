"""Retention of personal data (PIPL): every record type that holds personal data registers a rule
saying which fields are personal. When the epidemic task has ended and the configured period has
passed, the purge (privacy/purge.py: a scheduled maintenance function and `make purge` locally)
removes those fields from every such record, and deletes the items that exist only to find people
(reference look-ups' phone hashes, caller indexes). What remains is what reports count: categories,
units, statuses, dates, amounts. A person can also ask, by reference + phone, to see their data and
to have it erased before then.

The rules of every record type are in one table, privacy/rules.py, so the whole policy can be
read (and audited) in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.core import db, personal, times

ERASED = "[已清除]"
CONFIG_KEY = ("CONFIG", "PRIVACY")


Item = dict[str, Any]
Finder = Callable[[Item], list[Item]]
REQUEST = "person's request"  # the anonymised_reason of an erasure the person asked for
RETENTION = "retention"  # ... and of the purge once retention has run out


@dataclass(frozen=True)
class Owner:
    """Where a record type hangs in a person's record graph: the record type it belongs to, and how
    to find this type's items from one item of that type (GetItem and Query only, never a Scan)."""
    record_type: str
    find: Finder


@dataclass(frozen=True)
class Rule:
    record_type: str  # the item's `type`
    label: str  # what the record is, in Chinese, for the person asking about their data
    personal_fields: tuple[str, ...]  # removed when anonymised
    placeholder_fields: tuple[str, ...] = ()  # kept but overwritten with ERASED (e.g. free text)
    delete: bool = False  # the whole item goes (it exists only to find a person)
    delete_if: Callable[[Item], bool] | None = None  # ... or only the items this says
    # A root is a record a reference + phone opens (core.refs); every other personal record names the
    # record types it belongs to, and is reached from a root through them (a root may belong to
    # another root too: a support request raised for a frontline family).
    root: bool = False
    owners: tuple[Owner, ...] = ()
    erase_sets: tuple[tuple[str, Any], ...] = ()  # fields set when erased (a standing sign-up stops)
    union_staff: bool = False  # about the union's own people (a contact person): purged, never opened by reference


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    RULES[rule.record_type] = rule
    return rule


def personal_field_names() -> frozenset[str]:
    """Every field some rule calls personal (the audit trail keeps none of them)."""
    return frozenset(f for rule in RULES.values() for f in (*rule.personal_fields, *rule.placeholder_fields))


def policy() -> dict[str, Any]:
    """{"epidemic_ended_on": "YYYY-MM-DD" | None, "retention_days": int} set by the city federation."""
    item = db.get(*CONFIG_KEY) or {}
    return {"epidemic_ended_on": item.get("epidemic_ended_on"), "retention_days": int(item.get("retention_days", 180))}


def policy_op(epidemic_ended_on: date | None, retention_days: int) -> db.Op:
    """The write that sets the policy (to go in one transaction with its audit entry)."""
    item: dict[str, Any] = {"PK": CONFIG_KEY[0], "SK": CONFIG_KEY[1], "type": "config",
                            "retention_days": retention_days}
    if epidemic_ended_on:
        item["epidemic_ended_on"] = epidemic_ended_on.isoformat()
    return db.put(item)


def purge_after(current: dict[str, Any]) -> date | None:
    """The first day personal data may no longer be kept, or None while the epidemic task goes on."""
    if not current["epidemic_ended_on"]:
        return None
    return date.fromisoformat(current["epidemic_ended_on"]) + timedelta(days=current["retention_days"])


def due(today: date | None = None) -> bool:
    limit = purge_after(policy())
    return limit is not None and (today or times.now().date()) >= limit


def anonymise_op(item: Item, reason: str) -> db.Op | None:
    """The write that removes this item's personal data, or None when it holds none."""
    rule = RULES.get(str(item.get("type")))
    if rule is None or item.get("anonymised_at"):
        return None
    if rule.delete or (rule.delete_if is not None and rule.delete_if(item)):
        return db.delete(item["PK"], item["SK"])
    sets: dict[str, Any] = {"anonymised_at": times.now().isoformat(timespec="seconds"), "anonymised_reason": reason}
    sets |= {name: ERASED for name in rule.placeholder_fields if name in item}
    sets |= dict(rule.erase_sets)
    return db.set_and_remove(item["PK"], item["SK"], sets, [f for f in rule.personal_fields if f in item])


# --- the record graph: a root (what a reference + phone opens) and everything that belongs to it ---------

def children_of(item: Item) -> list[Item]:
    """The items that belong to this one, by every rule naming its type as an owner."""
    found = []
    for rule in RULES.values():
        for owner in rule.owners:
            if owner.record_type == item.get("type"):
                found += [child for child in owner.find(item) if child.get("type") == rule.record_type]
    return found


def graph(root: Item) -> list[Item]:
    """The root and every item reached from it through the owners, each once, nearest first."""
    seen = {(root["PK"], root["SK"])}
    found, frontier = [root], [root]
    while frontier:
        nxt = []
        for item in frontier:
            for child in children_of(item):
                key = (child["PK"], child["SK"])
                if key not in seen:
                    seen.add(key)
                    found.append(child)
                    nxt.append(child)
        frontier = nxt
    return found


def erase_ops(items: list[Item], reason: str) -> list[db.Op]:
    """The writes that remove the personal data of a graph's items, farthest first: when they run in
    several transactions, an interrupted erasure still finds what is left from the root."""
    return [op for op in (anonymise_op(i, reason) for i in reversed(items)) if op is not None]


def personal_view(item: Item) -> dict[str, Any]:
    """The personal data an item holds, for the person it is about."""
    rule = RULES.get(str(item.get("type")))
    if rule is None:
        return {}
    return {f: item[f] for f in (*rule.personal_fields, *rule.placeholder_fields)
            if f in item and not f.endswith("_hash")}


def for_staff(item: Item) -> Item:
    """The item as staff views show it: once its personal data is gone, each personal field reads
    as the marker saying why (erased at the person's request, or purged after retention)."""
    if not item.get("anonymised_at"):
        return item
    rule = RULES.get(str(item.get("type")))
    if rule is None:
        return item
    mark = personal.ERASED_BY_REQUEST if item.get("anonymised_reason") == REQUEST else personal.ERASED_BY_RETENTION
    return {**item, **{f: mark for f in (*rule.personal_fields, *rule.placeholder_fields) if not f.endswith("_hash")}}


def erased(item: Item | None) -> bool:
    return bool(item and item.get("anonymised_at"))


# --- finders for the rules (privacy/rules.py) ------------------------------------------------------------

def at_keys(keys: Callable[[Item], list[tuple[str, str]]]) -> Finder:
    """The items at keys computed from the owner (a GetItem each; a missing one is skipped)."""
    def find(owner: Item) -> list[Item]:
        return [i for i in (db.get(*k, consistent=True) for k in keys(owner)) if i]
    return find


def at_key(key: Callable[[Item], tuple[str, str] | None]) -> Finder:
    """The one item at a key computed from the owner (GetItem)."""
    return at_keys(lambda owner: [k] if (k := key(owner)) else [])


def in_partition(pk: Callable[[Item], str | None], prefix: str) -> Finder:
    """Every item of a partition computed from the owner whose sort key starts with prefix (Query)."""
    def find(owner: Item) -> list[Item]:
        partition = pk(owner)
        if not partition:
            return []
        found: list[Item] = []
        start: Item | None = None
        while True:
            items, start = db.query(partition, prefix, limit=500, start_key=start)
            found += items
            if not start:
                return found
    return find


def through(pointers: Finder, key: Callable[[Item], tuple[str, str] | None]) -> Finder:
    """The items that pointer items (found from the owner) lead to, by a key each holds (GetItem)."""
    def find(owner: Item) -> list[Item]:
        return [i for p in pointers(owner) for i in at_key(key)(p)]
    return find


def referenced(reference: Callable[[Item], str | None]) -> Finder:
    """The record a reference code leads to (its REF item, then the record)."""
    return through(at_key(lambda o: (f"REF#{r}", "REF") if (r := reference(o)) else None),
                   lambda ref: (ref["target_pk"], ref["target_sk"]))
