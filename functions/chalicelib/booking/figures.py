"""Counts of sessions and registrations for the dashboard: from the maintained counters, never a Scan."""

from __future__ import annotations

from typing import Any

from chalicelib.booking import store
from chalicelib.booking.models import KIND_LABELS, Kind

FIELDS = ("sessions", "registrations", "confirmed", "waitlisted", "cancelled", "attended")


def unit_figures(unit_id: str) -> list[dict[str, Any]]:
    """Per session kind (in the kinds' own order), the counts of the unit's subtree; kinds without a session
    left out."""
    found = {str(i["kind"]): i for i in store.counts(unit_id)}
    rows = []
    for kind in Kind:
        item = found.get(kind.value)
        if item and int(item.get("sessions", 0)):
            rows.append({"kind": kind.value, "label": KIND_LABELS[kind], **{f: int(item.get(f, 0)) for f in FIELDS}})
    return rows
