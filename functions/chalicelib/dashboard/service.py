"""The city dashboard: for a unit and each unit directly under it, the counts of the unit's whole
subtree, never from a Scan. Support, frontline and food-package counts come from the subtree
counters those domains keep in their own write transactions (a few reads per unit shown).
Sessions keep their own counts on the session item (so a registration's transaction gains no
item), and overdue support requests depend on the clock: both are summed over the subtree's units,
one Query each (the unit's session pointers; a COUNT of its open requests past due, skipped in a
branch with nothing unfinished)."""

from __future__ import annotations

from typing import Any

from chalicelib.booking import figures as booking
from chalicelib.core import audit, roles
from chalicelib.core.auth import Principal
from chalicelib.core.times import today
from chalicelib.dashboard.models import (
    CategoryCount,
    Dashboard,
    DeliveryFigures,
    DeliveryWeek,
    KindCount,
    UnitFigures,
    WeekCount,
)
from chalicelib.delivery import figures as delivery
from chalicelib.frontline import service as frontline
from chalicelib.orgs import service as orgs
from chalicelib.orgs.models import Unit
from chalicelib.support import figures as support

ROLES = roles.FIGURES_READ
TREND_WEEKS = 12


def _subtree(unit_id: str) -> list[Unit]:
    """The unit and every unit under it, in tree order (the orgs tree index, page by page)."""
    units: list[Unit] = []
    cursor: str | None = None
    while True:
        page = orgs.subtree(unit_id, cursor)
        units += page.items
        cursor = page.next_cursor
        if not cursor:
            return units


def _row(unit: Unit, s: dict[str, Any], overdue: int, d: dict[str, Any] | None,
         sessions: booking.Counts) -> UnitFigures:
    f = frontline.unit_figures(unit.id)
    packages = d["totals"] if d else {}
    booked = {k: sum(c[k] for c in sessions.values()) for k in ("sessions", "registrations", "attended")}
    return UnitFigures(
        unit_id=unit.id, unit_name=unit.name, kind_label=unit.kind_label, support_total=s["total"],
        support_open=s["open"], support_in_progress=s["in_progress"], support_done=s["done"], support_overdue=overdue,
        frontline_persons=f["persons"], frontline_members=f["members"], frontline_uncovered=f["uncovered"],
        packages=packages.get("packages", 0), packages_last_week=d["last_week_packages"] if d else 0,
        delivered=packages.get("delivered", 0), failed=packages.get("failed", 0), refused=packages.get("refused", 0),
        pending=packages.get("pending", 0), **booked)


def _summed(top: Unit, units: list[Unit],
            unfinished: dict[str, int]) -> tuple[dict[str, int], dict[str, booking.Counts]]:
    """Overdue requests and session counts per direct child's subtree, and the top unit's whole subtree
    under its own id. `unfinished` holds each child's unfinished count: a branch with none has nothing
    overdue."""
    child_of: dict[str, str] = {}
    counts = {top.id: 0, **{c: 0 for c in unfinished}}
    sessions: dict[str, booking.Counts] = {top.id: {}, **{c: {} for c in unfinished}}
    for unit in units:
        if unit.id == top.id:
            branch = None
        elif unit.parent_id == top.id:
            branch = unit.id
        else:
            branch = child_of.get(unit.parent_id or "")
        if branch:
            child_of[unit.id] = branch
        own = booking.own_counts(unit.id)
        booking.add(sessions[top.id], own)
        if branch:
            booking.add(sessions[branch], own)
        if branch and not unfinished.get(branch):
            continue
        n = support.overdue_own(unit.id)
        counts[top.id] += n
        if branch:
            counts[branch] += n
    return counts, sessions


def dashboard(unit_id: str, by: Principal) -> Dashboard:
    orgs.scoped_path(unit_id, by)
    units = _subtree(unit_id)
    top, children = units[0], [u for u in units if u.parent_id == unit_id]
    shown = [top, *children]
    requests = {u.id: support.unit_figures(u.id) for u in shown}
    overdue, sessions = _summed(top, units, {c.id: requests[c.id]["open"] + requests[c.id]["in_progress"]
                                             for c in children})
    day = today()  # in Beijing
    campaign = delivery.campaign_now(day)
    packages = {u.id: delivery.unit_figures(u.id, campaign, day) if campaign else None for u in shown}
    rows = {u.id: _row(u, requests[u.id], overdue[u.id], packages[u.id], sessions[u.id]) for u in shown}
    d = packages[top.id]
    return Dashboard(
        unit=rows[top.id],
        support_categories=[CategoryCount(category=c["code"], label=c["label"], total=c["total"],
                                          unfinished=c["unfinished"]) for c in requests[top.id]["categories"]],
        support_weekly=[WeekCount(week_start=w, count=n) for w, n in support.weekly_new(top.id, TREND_WEEKS, day)],
        delivery=DeliveryFigures(campaign_id=campaign["id"], campaign_name=campaign["name"],
                                 current_week=d["current_week"], last_week=d["last_week"],
                                 weeks=[DeliveryWeek(**w) for w in d["weeks"]]) if campaign and d else None,
        registrations=[KindCount(**k) for k in booking.rows(sessions[top.id])],
        children=[rows[c.id] for c in children],
        as_of=audit.now_iso())
