"""Counts of support requests for the dashboard: from the maintained counters, never a Scan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.core import demo, uow
from chalicelib.core.times import now_seconds
from chalicelib.support import store
from chalicelib.support.categories import CATEGORIES
from chalicelib.support.service import STATUS_LABELS, TERMINAL

WAITING = frozenset({"submitted"})


def unit_figures(unit_id: str) -> dict[str, Any]:
    """The unit's subtree: total, waiting (open), being worked (in progress), finished (done), per category."""
    figures: dict[str, Any] = {"total": 0, "open": 0, "in_progress": 0, "done": 0, "categories": []}
    for item in store.counters(unit_id):
        by_status = {s: int(item.get(s, 0)) for s in STATUS_LABELS}
        waiting = sum(n for s, n in by_status.items() if s in WAITING)
        done = sum(n for s, n in by_status.items() if s in TERMINAL)
        working = sum(n for s, n in by_status.items() if s not in WAITING and s not in TERMINAL)
        total = int(item.get("total", 0))
        code = str(item["category"])
        figures["total"] += total
        figures["open"] += waiting
        figures["in_progress"] += working
        figures["done"] += done
        if total:
            figures["categories"].append({"code": code, "label": CATEGORIES[code].label if code in CATEGORIES else code,
                                          "total": total, "unfinished": waiting + working})
    return figures


def weekly_new(unit_id: str, weeks: int, today: date) -> list[tuple[str, int]]:
    """New requests per week (Monday's date) for the last `weeks` weeks up to today's, oldest first."""
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    found = {str(i["week"]): int(i.get("new", 0)) for i in store.week_counters(unit_id, first.isoformat())}
    return [((first + timedelta(weeks=n)).isoformat(), found.get((first + timedelta(weeks=n)).isoformat(), 0))
            for n in range(weeks)]


def rebuild_due(requests: list[dict[str, Any]]) -> int:
    """The subtree's due items of every unfinished request among these (a maintenance command reads
    them all): for requests opened before those items were kept. A demo request's come marked, as
    when it was written. Returns how many requests."""
    done = 0
    for record in requests:
        if record.get("status") not in TERMINAL and record.get("due_at") and record.get("unit_path"):
            with demo.of(record):
                uow.commit(store.relist_due(record))
            done += 1
    return done


def overdue_in_subtree(unit_id: str, now: str | None = None) -> int:
    """The unfinished requests of the unit and every unit under it past their due time."""
    return store.overdue_count(unit_id, now or now_seconds(), subtree=True)
