"""Counts of sessions and registrations for the dashboard, from the counts each session item keeps
(one Query of a unit's session pointers and a BatchGetItem of its sessions), never a Scan."""

from __future__ import annotations

from typing import Any

from chalicelib.booking import store
from chalicelib.booking.models import KIND_LABELS, Kind
from chalicelib.core import demo

FIELDS = ("sessions", "registrations", "confirmed", "waitlisted", "cancelled", "attended")
Counts = dict[str, dict[str, int]]


def own_counts(unit_id: str) -> Counts:
    """Per session kind, the counts of the unit's own sessions (not those of units under it)."""
    found: Counts = {}
    start: dict[str, Any] | None = None
    while True:
        sessions, start = store.unit_sessions(unit_id, 100, start)
        for item in sessions:
            if not demo.counted(item):
                continue
            sums = found.setdefault(str(item["kind"]), dict.fromkeys(FIELDS, 0))
            sums["sessions"] += 1
            for field in FIELDS[1:]:
                sums[field] += int(item.get(field, 0))
        if not start:
            return found


def add(total: Counts, more: Counts) -> None:
    for kind, counts in more.items():
        sums = total.setdefault(kind, dict.fromkeys(FIELDS, 0))
        for field in FIELDS:
            sums[field] += counts[field]


def rows(counts: Counts) -> list[dict[str, Any]]:
    """One row per kind with sessions, in the kinds' own order."""
    return [{"kind": kind.value, "label": KIND_LABELS[kind], **counts[kind.value]} for kind in Kind
            if counts.get(kind.value, {}).get("sessions")]
