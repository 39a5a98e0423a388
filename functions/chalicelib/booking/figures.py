"""Counts of sessions and registrations for the dashboard: from the maintained counters, never a Scan."""

from __future__ import annotations

from typing import Any

from chalicelib.booking import store
from chalicelib.booking.models import KIND_LABELS, Kind

FIELDS = ("sessions", "registrations", "confirmed", "waitlisted", "cancelled", "attended")


def unit_figures(unit_id: str) -> list[dict[str, Any]]:
    """Per session kind (in the kinds' own order), the counts of the unit's subtree; kinds without a session
    left out."""
    found: dict[str, dict[str, int]] = {}
    for item in store.counts(unit_id):
        sums = found.setdefault(str(item["kind"]), dict.fromkeys(FIELDS, 0))
        for field in FIELDS:
            sums[field] += int(item.get(field, 0))
    return [{"kind": kind.value, "label": KIND_LABELS[kind], **found[kind.value]}
            for kind in Kind if found.get(kind.value, {}).get("sessions")]
