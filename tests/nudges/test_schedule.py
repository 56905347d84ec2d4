"""The calendar of nudges: 10:00 on the check-in day in the owner's own timezone, DST included."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from okrs.nudges import schedule

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")
AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_london_sunday_after_the_clocks_go_back():
    # 2026-10-25 is the Sunday BST ends (01:00 UTC): 10:00 that day is GMT, 10:00 UTC.
    week = schedule.current_week(utc(2026, 10, 25, 12), LONDON, "sunday")
    assert week.start_date == dt.date(2026, 10, 25)
    assert week.nudge_at == utc(2026, 10, 25, 10)
    # The Sunday before was still summer time: 10:00 BST is 09:00 UTC.
    before = schedule.current_week(utc(2026, 10, 24, 12), LONDON, "sunday")
    assert before.nudge_at == utc(2026, 10, 18, 9)
    # The Monday week holding the change is seven local days and 169 hours long.
    holding = schedule.current_week(utc(2026, 10, 25, 12), LONDON, "monday")
    assert holding.end - holding.start == dt.timedelta(hours=169)


def test_london_monday_nudges_around_the_change():
    assert schedule.current_week(utc(2026, 10, 20), LONDON, "monday").nudge_at == utc(
        2026, 10, 19, 9
    )
    assert schedule.current_week(utc(2026, 10, 27), LONDON, "monday").nudge_at == utc(
        2026, 10, 26, 10
    )


def test_new_york_on_the_day_daylight_saving_ends():
    # 2026-11-01: EDT (-4) ends at 06:00 UTC; 10:00 EST that day is 15:00 UTC.
    week = schedule.current_week(utc(2026, 11, 1, 20), NEW_YORK, "sunday")
    assert week.nudge_at == utc(2026, 11, 1, 15)
    # Its reminder (Tuesday) and digest (Wednesday) stay at 10:00 local too.
    assert week.reminder_at == utc(2026, 11, 3, 15)
    assert week.digest_at == utc(2026, 11, 4, 15)
    previous = schedule.current_week(utc(2026, 10, 30), NEW_YORK, "sunday")
    assert previous.nudge_at == utc(2026, 10, 25, 14)


def test_kolkata_half_hour_offset_and_auckland_across_the_date_line():
    # 10:00 IST (+05:30) on Monday 2026-11-16 is 04:30 UTC.
    assert schedule.current_week(utc(2026, 11, 16, 5), KOLKATA, "monday").nudge_at == utc(
        2026, 11, 16, 4, 30
    )
    # Auckland is on NZDT (+13) in November: Monday 10:00 there is Sunday 21:00 UTC.
    week = schedule.current_week(utc(2026, 11, 15, 22), AUCKLAND, "monday")
    assert week.start_date == dt.date(2026, 11, 16)
    assert week.nudge_at == utc(2026, 11, 15, 21)
    # Before 10:00 in Auckland on its Monday, the week has started but the nudge is not due.
    early = schedule.current_week(utc(2026, 11, 15, 12), AUCKLAND, "monday")
    assert early.start_date == dt.date(2026, 11, 16) and early.nudge_at > utc(2026, 11, 15, 12)


def test_snooze_keeps_the_wall_clock_time_across_a_change():
    # 09:30 BST on Saturday 24 October -> 09:30 GMT on Sunday: 25 hours later.
    assert schedule.snoozed_until(utc(2026, 10, 24, 8, 30), LONDON) == utc(2026, 10, 25, 9, 30)
    assert schedule.snoozed_until(utc(2026, 11, 16, 12), LONDON) == utc(2026, 11, 17, 12)


def test_backoff_doubles_up_to_an_hour():
    assert [schedule.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert schedule.backoff(30) == dt.timedelta(hours=1)


def test_choose_team_prefers_the_objectives_team_then_membership():
    assert schedule.choose_team(["platform", "checkout", "platform"], ["sre"]) == "platform"
    assert schedule.choose_team(["b", "a"], []) == "a"  # a tie goes to the first key
    assert schedule.choose_team([None], ["sre", "data"]) == "data"
    assert schedule.choose_team([], []) is None
    assert schedule.owner_timezone("", "Asia/Kolkata", "Europe/London") == "Asia/Kolkata"
    assert schedule.owner_timezone("America/Chicago", "Asia/Kolkata", "UTC") == "America/Chicago"
    assert schedule.owner_timezone("", "", "Europe/London") == "Europe/London"


ZONES = st.sampled_from(
    ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Auckland",
     "Australia/Lord_Howe", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham"]
)  # fmt: skip
DAYS = st.sampled_from(schedule.WEEKDAYS)
INSTANTS = st.datetimes(
    min_value=dt.datetime(2020, 1, 1),
    max_value=dt.datetime(2035, 12, 31),
    timezones=st.just(dt.UTC),
)


@given(INSTANTS, ZONES, DAYS)
def test_the_week_contains_now_and_its_nudge_is_at_ten_on_the_day(now, zone_name, day):
    tz = zoneinfo.ZoneInfo(zone_name)
    week = schedule.current_week(now, tz, day)
    assert week.start <= now < week.end
    local = week.nudge_at.astimezone(tz)
    assert local.strftime("%A").lower() == day
    assert (local.hour, local.minute) == (10, 0)
    assert local.date() == week.start_date
    assert week.start < week.nudge_at < week.reminder_at < week.digest_at < week.end


@given(INSTANTS, ZONES, DAYS)
def test_weeks_follow_each_other_without_gap_or_overlap(now, zone_name, day):
    tz = zoneinfo.ZoneInfo(zone_name)
    week = schedule.current_week(now, tz, day)
    following = week.next(tz)
    assert following.start == week.end
    assert schedule.current_week(week.end, tz, day) == following
    assert schedule.current_week(week.end - dt.timedelta(microseconds=1), tz, day) == week


@given(INSTANTS, ZONES)
def test_snooze_is_about_a_day_later(now, zone_name):
    until = schedule.snoozed_until(now, zoneinfo.ZoneInfo(zone_name))
    # A daylight-saving change makes the day 23 to 25 hours long (Lord Howe: half an hour).
    assert dt.timedelta(hours=22) <= until - now <= dt.timedelta(hours=26)


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_never_shrinks_and_is_capped(attempts):
    assert schedule.backoff(attempts) <= schedule.backoff(attempts + 1) <= schedule.BACKOFF_CAP
