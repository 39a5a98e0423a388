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
from chalicelib.core import audit, auth, errors
from chalicelib.core.auth import Principal
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
from chalicelib.delivery.service import today
from chalicelib.frontline import service as frontline
from chalicelib.orgs import service as orgs
from chalicelib.orgs.models import Unit
from chalicelib.support import figures as support

ROLES = ("city_admin", "unit_admin", "finance", "auditor")
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


def _figures(unit: Unit, overdue: int, campaign: dict[str, Any] | None) -> tuple[UnitFigures, dict[str, Any]]:
    s = support.unit_figures(unit.id)
    f = frontline.unit_figures(unit.id)
    d = delivery.unit_figures(unit.id, campaign, today()) if campaign else None
    totals = d["totals"] if d else {}
    row = UnitFigures(
        unit_id=unit.id, unit_name=unit.name, kind_label=unit.kind_label, support_total=s["total"],
        support_open=s["open"], support_in_progress=s["in_progress"], support_done=s["done"], support_overdue=overdue,
        frontline_persons=f["persons"], frontline_members=f["members"], frontline_uncovered=f["uncovered"],
        packages=totals.get("packages", 0), packages_last_week=d["last_week_packages"] if d else 0,
        delivered=totals.get("delivered", 0), failed=totals.get("failed", 0), refused=totals.get("refused", 0),
        pending=totals.get("pending", 0), sessions=0, registrations=0, attended=0)
    return row, {"support": s, "delivery": d}


def _summed(top: Unit, units: list[Unit], unfinished: dict[str, int]) -> tuple[dict[str, int], dict[str, Any]]:
    """Overdue requests and session counts per direct child's subtree, and the top unit's whole subtree
    under its own id. `unfinished` holds each child's unfinished count: a branch with none has nothing
    overdue."""
    child_of: dict[str, str] = {}
    counts = {top.id: 0, **{c: 0 for c in unfinished}}
    sessions: dict[str, Any] = {top.id: {}, **{c: {} for c in unfinished}}
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


def _session_totals(counts: dict[str, Any]) -> dict[str, int]:
    return {f: sum(c[f] for c in counts.values()) for f in ("sessions", "registrations", "attended")}


def dashboard(unit_id: str, by: Principal) -> Dashboard:
    try:
        path = orgs.unit_path(unit_id)
    except errors.ProblemError:
        raise errors.not_found() from None
    auth.require_in_scope(by, path)
    units = _subtree(unit_id)
    top, children = units[0], [u for u in units if u.parent_id == unit_id]
    campaign = delivery.campaign_now(today())
    shown = {u.id: _figures(u, 0, campaign) for u in [top, *children]}
    overdue, sessions = _summed(top, units, {c.id: shown[c.id][0].support_open + shown[c.id][0].support_in_progress
                                             for c in children})
    rows = {u: row.model_copy(update={"support_overdue": overdue[u], **_session_totals(sessions[u])})
            for u, (row, _) in shown.items()}
    detail = shown[top.id][1]
    d = detail["delivery"]
    return Dashboard(
        unit=rows[top.id],
        support_categories=[CategoryCount(category=c["code"], label=c["label"], total=c["total"],
                                          unfinished=c["unfinished"]) for c in detail["support"]["categories"]],
        support_weekly=[WeekCount(week_start=w, count=n) for w, n in support.weekly_new(top.id, TREND_WEEKS, today())],
        delivery=DeliveryFigures(campaign_id=campaign["id"], campaign_name=campaign["name"],
                                 current_week=d["current_week"], last_week=d["last_week"],
                                 weeks=[DeliveryWeek(**w) for w in d["weeks"]]) if campaign and d else None,
        registrations=[KindCount(**k) for k in booking.rows(sessions[top.id])],
        children=[rows[c.id] for c in children],
        as_of=audit.now_iso())
