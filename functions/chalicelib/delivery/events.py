"""Food packages on a clock: the daily roster generation. Its service loads when the job runs, not
when the app starts."""

from __future__ import annotations

from chalice.app import Blueprint, Cron

from chalicelib.core import metrics
from chalicelib.core.logs import logger

bp = Blueprint(__name__)


@bp.schedule(Cron(0, 17, "*", "*", "?", "*"))  # 01:00 in Beijing, every day
def daily_rosters(event: object) -> None:
    from chalicelib.delivery import service

    for result in service.scheduled_generation():
        metrics.record(metrics.ROSTER_PACKAGES_WRITTEN, result.created)
        logger().info("roster generated", extra={"campaign": result.campaign_id, "week": result.week,
                                                 # not "created": a LogRecord attribute (logging refuses it)
                                                 "packages_created": result.created, "existing": result.existing,
                                                 "skipped": result.skipped})
