"""Reading instants given by people (`--as-of 2026-11-15`, `?as_of=2026-11-15T09:00`), and
writing the API's instants for people ("6 Nov 2026 13:10")."""

from __future__ import annotations

import datetime as dt
import zoneinfo


def parse_instant(text: str, tz_name: str, *, date_means: str = "end") -> dt.datetime:
    """An ISO date or date-time as an aware UTC datetime.

    A bare date means the end of that day in `tz_name` (so "as of the 15th" includes the 15th's
    check-ins), or its start with `date_means="start"`. A date-time without an offset is read in
    `tz_name`. Raises ValueError with a message for people.
    """
    tz = zoneinfo.ZoneInfo(tz_name)
    text = text.strip()
    bare = is_bare_date(text)
    try:
        if bare:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO date or date-time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    start = _in_range(moment, text)
    if bare and date_means == "end":
        midnight_after = dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(), tz)
        return (midnight_after - dt.timedelta(microseconds=1)).astimezone(dt.UTC)
    return start


# Week arithmetic and time zones overflow at the ends of the calendar; no plan lives there.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


def _in_range(moment: dt.datetime, text: str) -> dt.datetime:
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"{text!r} is outside the years 1900 to 8999")
    return utc


def is_id(text: str) -> bool:
    """A numeric database id as people type it: ASCII digits, of a sane length ("²" is not)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def is_bare_date(text: str) -> bool:
    text = text.strip()
    return "T" not in text and " " not in text and len(text) <= 10


# How people read a day and a moment everywhere okrs writes one ("6 Nov 2026", "6 Nov 2026 13:10").
DAY_FORMAT = "%-d %b %Y"
MOMENT_FORMAT = DAY_FORMAT + " %H:%M"


def day_text(day: dt.date) -> str:
    return day.strftime(DAY_FORMAT)


def moment_text(iso: str | None, tz_name: str, *, none: str = "none") -> str:
    """An instant of the API ("2026-11-06T13:10:47.559945Z") as people read it, in the
    scope's time zone, to the minute: "6 Nov 2026 13:10"."""
    if iso is None:
        return none
    moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(zoneinfo.ZoneInfo(tz_name)).strftime(MOMENT_FORMAT)
