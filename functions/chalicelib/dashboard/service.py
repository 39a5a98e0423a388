"""The city dashboard: for a unit and each unit directly under it, the counts of the unit's whole
subtree, never from a Scan nor a read per unit below them. Support, frontline, food-package and
session counts come from the subtree counters those domains keep in their own write transactions
(a few reads per unit shown); overdue support requests depend on the clock: per unit shown, a
COUNT of its own and its subtree's unfinished requests past due (skipped where nothing is
unfinished). With 5,000 units under the city, opening its board reads the city and the units
directly under it, whatever lies below."""

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


def dashboard(unit_id: str, by: Principal) -> Dashboard:
    orgs.scoped_path(unit_id, by)
    top, children = orgs.get_unit(unit_id), orgs.children(unit_id)
    shown = [top, *children]
    requests = {u.id: support.unit_figures(u.id) for u in shown}
    overdue = {u.id: support.overdue_in_subtree(u.id) if requests[u.id]["open"] + requests[u.id]["in_progress"]
               else 0 for u in shown}  # nothing unfinished, nothing overdue
    sessions = booking.subtree_counts([u.id for u in shown])
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
