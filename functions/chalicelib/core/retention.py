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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.core import db

ERASED = "[已清除]"
CONFIG_KEY = ("CONFIG", "PRIVACY")


@dataclass(frozen=True)
class Rule:
    record_type: str  # the item's `type`
    label: str  # what the record is, in Chinese, for the person asking about their data
    personal_fields: tuple[str, ...]  # removed when anonymised
    placeholder_fields: tuple[str, ...] = ()  # kept but overwritten with ERASED (e.g. free text)
    delete: bool = False  # the whole item goes (it exists only to find a person)
    # Keys of items that exist only to find this record's person (erased together with it).
    related: Callable[[dict[str, Any]], list[tuple[str, str]]] = field(default=lambda item: [])


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    RULES[rule.record_type] = rule
    return rule


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
    return limit is not None and (today or datetime.now(UTC).date()) >= limit


def anonymise_op(item: dict[str, Any], reason: str) -> db.Op | None:
    """The write that removes this item's personal data, or None when it holds none."""
    rule = RULES.get(str(item.get("type")))
    if rule is None or item.get("anonymised_at"):
        return None
    if rule.delete:
        return db.delete(item["PK"], item["SK"])
    names: dict[str, str] = {"#at": "anonymised_at", "#why": "anonymised_reason"}
    values: dict[str, Any] = {":at": datetime.now(UTC).isoformat(timespec="seconds"), ":why": reason}
    sets = ["#at = :at", "#why = :why"]
    removes = []
    for i, name in enumerate(f for f in rule.personal_fields if f in item):
        names[f"#p{i}"] = name
        removes.append(f"#p{i}")
    for i, name in enumerate(f for f in rule.placeholder_fields if f in item):
        names[f"#t{i}"] = name
        sets.append(f"#t{i} = :erased")
        values[":erased"] = ERASED  # DynamoDB refuses a value no expression uses
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return db.update(item["PK"], item["SK"], expression, names=names, values=values)


def erase_ops(item: dict[str, Any], reason: str) -> list[db.Op]:
    """Anonymise one record now (a person's request) with the items that only serve to find them."""
    rule = RULES.get(str(item.get("type")))
    op = anonymise_op(item, reason)
    if rule is None or op is None:
        return []
    return [op, *(db.delete(pk, sk) for pk, sk in rule.related(item))]


def personal_view(item: dict[str, Any]) -> dict[str, Any]:
    """The personal data an item holds, for the person it is about."""
    rule = RULES.get(str(item.get("type")))
    if rule is None:
        return {}
    return {f: item[f] for f in (*rule.personal_fields, *rule.placeholder_fields)
            if f in item and not f.endswith("_hash")}
