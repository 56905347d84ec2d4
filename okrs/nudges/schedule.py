"""When nudges are due: pure calendar arithmetic over plain values, no ORM.

Every instant is computed from a local calendar date and a wall-clock time in an IANA zone and
only then converted to UTC, so "Monday 10:00 in London" stays 10:00 across a daylight-saving
change (adding 24-hour steps to a UTC instant would drift by an hour twice a year).

A person's cycle week starts at 00:00 on their team's check-in day, in their own timezone, and
lasts seven local days. Within it:

- the nudge is due on the first day at 10:00;
- the reminder two days later at 10:00, if something is still due;
- the team lead's digest of what is missing three days later at 10:00 (lead's timezone);
- a snoozed nudge comes back at the same wall-clock time the next day.

A message is only sent on its own local day: when no worker ran all that day (an outage, or
okrs installed mid-week), it is skipped rather than sent days late; the next week's comes on time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_CHECKIN_DAY = "monday"
NUDGE_TIME = dt.time(10, 0)
REMINDER_AFTER_DAYS = 2
DIGEST_AFTER_DAYS = 3
WEEK_DAYS = 7
# A key result checked in on by a person within this long is not asked about again.
DUE_AFTER = dt.timedelta(days=3)
# Temporary failures are retried after 30 s, 1, 2, 4 ... minutes, at most an hour apart, and
# given up (failed, with an email fallback) after this many attempts.
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
MAX_ATTEMPTS = 8


def weekday_index(name: str | None) -> int:
    """0 for Monday; an unknown or empty day means the default, Monday."""
    try:
        return WEEKDAYS.index((name or DEFAULT_CHECKIN_DAY).lower())
    except ValueError:
        return 0


def zone(name: str | None, fallback: str = "UTC") -> zoneinfo.ZoneInfo:
    """The zone by IANA name; an unknown or empty one falls back (people's data can be wrong)."""
    for candidate in (name, fallback, "UTC"):
        if not candidate:
            continue
        try:
            return zoneinfo.ZoneInfo(candidate)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    return zoneinfo.ZoneInfo("UTC")


def at_local(day: dt.date, time: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The UTC instant of a wall-clock time on a local date.

    A time skipped by a daylight-saving jump (02:30 on a spring-forward night) is read with
    the offset before the jump, which lands just after it: still the right morning.
    """
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.UTC)


def week_start(now: dt.datetime, tz: zoneinfo.ZoneInfo, checkin_day: str | None) -> dt.date:
    """The local date of the check-in day that began the cycle week running at `now`."""
    local = now.astimezone(tz).date()
    back = (local.weekday() - weekday_index(checkin_day)) % WEEK_DAYS
    return local - dt.timedelta(days=back)


@dataclass(frozen=True)
class Week:
    """One person's cycle week and the instants that matter in it (all UTC)."""

    start_date: dt.date
    start: dt.datetime
    end: dt.datetime
    nudge_at: dt.datetime
    reminder_at: dt.datetime
    digest_at: dt.datetime

    def next(self, tz: zoneinfo.ZoneInfo) -> Week:
        return week_of(self.start_date + dt.timedelta(days=WEEK_DAYS), tz)


def week_of(start_date: dt.date, tz: zoneinfo.ZoneInfo) -> Week:
    def day(offset: int, time: dt.time = NUDGE_TIME) -> dt.datetime:
        return at_local(start_date + dt.timedelta(days=offset), time, tz)

    return Week(
        start_date=start_date,
        start=day(0, dt.time()),
        end=day(WEEK_DAYS, dt.time()),
        nudge_at=day(0),
        reminder_at=day(REMINDER_AFTER_DAYS),
        digest_at=day(DIGEST_AFTER_DAYS),
    )


def current_week(now: dt.datetime, tz: zoneinfo.ZoneInfo, checkin_day: str | None) -> Week:
    return week_of(week_start(now, tz, checkin_day), tz)


def end_of_day(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Midnight after `moment`'s local date: a message late by more than that is skipped."""
    day = moment.astimezone(tz).date() + dt.timedelta(days=1)
    return at_local(day, dt.time(), tz)


def snoozed_until(now: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """The same wall-clock time tomorrow in the person's zone (23 or 25 hours over a change)."""
    local = now.astimezone(tz)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(
        dt.UTC
    )


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th temporary failure (1 -> 30 s, 2 -> 60 s, ...)."""
    exponent = max(0, min(attempts - 1, 20))
    return min(BACKOFF_BASE * (2**exponent), BACKOFF_CAP)


def is_due(last_human_checkin_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a key result should be asked about: no human check-in in the last three days."""
    return last_human_checkin_at is None or now - last_human_checkin_at >= DUE_AFTER


def choose_team(objective_team_keys: list[str | None], member_team_keys: list[str]) -> str | None:
    """The team whose check-in day a person follows.

    The team of the objectives their key results sit under (the most frequent; ties go to the
    first key in alphabetical order), else the first team they are a member of, else none.
    """
    counts: dict[str, int] = {}
    for key in objective_team_keys:
        if key:
            counts[key] = counts.get(key, 0) + 1
    if counts:
        return min(counts, key=lambda key: (-counts[key], key))
    return min(member_team_keys) if member_team_keys else None


def owner_timezone(person_tz: str, team_tz: str, organisation_tz: str) -> str:
    """Person's timezone, else their team's, else the organisation's."""
    return person_tz or team_tz or organisation_tz or "UTC"
