"""Stored UTC times are shown to people in Beijing time."""

from __future__ import annotations

from chalicelib.core.times import shanghai_text


def test_utc_is_shown_eight_hours_ahead_across_midnight():
    assert shanghai_text("2020-02-20T06:05:00Z") == "2020-02-20 14:05"
    assert shanghai_text("2020-02-29T16:30:00+00:00") == "2020-03-01 00:30"


def test_no_time_shows_nothing():
    assert shanghai_text(None) == "" and shanghai_text("") == ""


def test_the_day_and_year_people_mean_are_beijing_s(monkeypatch):
    from datetime import UTC, date, datetime

    from chalicelib.core import times

    assert times.local_date("2020-12-31T16:30:00.000Z").year == 2021  # already New Year's Day in Beijing
    assert times.local_date("2020-12-31T15:59:00.000Z") == date(2020, 12, 31)
    monkeypatch.setattr(times, "now", lambda: datetime(2020, 2, 18, 16, 0, tzinfo=UTC))
    assert times.today() == date(2020, 2, 19)
    assert times.now_iso() == "2020-02-18T16:00:00.000Z" and times.now_seconds() == "2020-02-18T16:00:00Z"
