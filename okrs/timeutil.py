"""Reading instants given by people: `--as-of 2026-11-15`, `?as_of=2026-11-15T09:00`."""

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
    try:
        if is_bare_date(text):
            day = dt.date.fromisoformat(text)
            if date_means == "end":
                moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
                return (moment - dt.timedelta(microseconds=1)).astimezone(dt.UTC)
            return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO date or date-time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.UTC)


def is_bare_date(text: str) -> bool:
    text = text.strip()
    return "T" not in text and " " not in text and len(text) <= 10
