"""Stored UTC times are shown to people in Beijing time."""

from __future__ import annotations

from chalicelib.core.times import shanghai_text


def test_utc_is_shown_eight_hours_ahead_across_midnight():
    assert shanghai_text("2020-02-20T06:05:00Z") == "2020-02-20 14:05"
    assert shanghai_text("2020-02-29T16:30:00+00:00") == "2020-03-01 00:30"


def test_no_time_shows_nothing():
    assert shanghai_text(None) == "" and shanghai_text("") == ""
