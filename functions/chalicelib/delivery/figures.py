"""Counts of food packages for the dashboard: from the maintained per-unit counters, never a Scan."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.core import demo
from chalicelib.delivery import store
from chalicelib.delivery.service import PACKAGE_LABELS, week_of

STATUSES = tuple(PACKAGE_LABELS)


def campaign_now(day: date) -> dict[str, Any] | None:
    """The campaign the dashboard reports: the one running on `day`, else the latest that has
    started (a campaign set up for later has nothing to show yet); never the demo campaign."""
    items = [c for c in store.campaigns() if demo.counted(c)]
    running = [c for c in items if week_of(c, day)]
    started = [c for c in items if date.fromisoformat(c["start_date"]) <= day]
    chosen = running or started
    return chosen[0] if chosen else None


def unit_figures(unit_id: str, campaign: dict[str, Any], day: date) -> dict[str, Any]:
    """The unit's subtree in one campaign: packages per week and by status, the whole campaign and last week
    (the week before the current one; the campaign's last week with packages once it has ended)."""
    weeks = {int(i["week"]): {k: int(i.get(k, 0)) for k in ("packages", *STATUSES)}
             for i in store.week_counts(unit_id, campaign["id"])}
    totals = {k: sum(w[k] for w in weeks.values()) for k in ("packages", *STATUSES)}
    current = week_of(campaign, day)
    last = current - 1 if current else max((w for w in weeks if weeks[w]["packages"]), default=0)
    return {"weeks": [{"week": w, **weeks[w]} for w in sorted(weeks) if weeks[w]["packages"]],
            "totals": totals, "current_week": current, "last_week": last or None,
            "last_week_packages": weeks.get(last, {}).get("packages", 0)}
