"""Times are stored in UTC and shown to people in Beijing time (Asia/Shanghai, no daylight saving)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_text(iso: str | None) -> str:
    """'2020-02-20T06:05:00Z' -> '2020-02-20 14:05'; empty for no time."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
