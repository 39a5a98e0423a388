"""The one clock, and the one time zone people read times in.

Times are stored in UTC as ISO-8601 text ending in Z and shown to people in Beijing time
(Asia/Shanghai, no daylight saving). Days, weeks and years that people mean (today, a campaign
week, a budget year) are Beijing's. Every module reads the time here, so a test that moves the
clock moves it for all of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def now_iso() -> str:
    """Now as stored: '2020-02-20T06:05:00.123Z'."""
    return now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_seconds() -> str:
    """Now to the whole second ('2020-02-20T06:05:00Z'), the format of due times, so they compare as text."""
    return now().isoformat(timespec="seconds").replace("+00:00", "Z")


def today() -> date:
    """Today's date in Beijing."""
    return now().astimezone(SHANGHAI).date()


def parse(iso: str) -> datetime:
    """A stored time ('...Z' or with an offset) as an aware datetime."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def local_date(iso: str) -> date:
    """The Beijing date of a stored time."""
    return parse(iso).astimezone(SHANGHAI).date()


def shanghai_text(iso: str | None) -> str:
    """'2020-02-20T06:05:00Z' -> '2020-02-20 14:05'; empty for no time."""
    if not iso:
        return ""
    return parse(iso).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
