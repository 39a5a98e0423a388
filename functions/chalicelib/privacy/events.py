"""The retention policy on a clock: the daily purge. It loads what it needs when it runs, not when
the app starts."""

from __future__ import annotations

from chalice.app import Blueprint, Rate

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.DAYS))
def daily_purge(event: object) -> None:
    """Once a day: remove personal data whose retention has run out (nothing until it has)."""
    from chalicelib.privacy import purge

    purge.purge()
