"""When a source is synced next: its schedule, and the backoff after a temporary failure.

Pure arithmetic over plain values (no ORM), so that it can be tested directly.
"""

from __future__ import annotations

import datetime as dt
import re

DEFAULT_SCHEDULE = "1h"
# The periodic task runs every minute: a shorter schedule could not be kept anyway.
SHORTEST = dt.timedelta(minutes=1)
LONGEST = dt.timedelta(days=31)
# The first retry after a temporary failure; each further failure doubles the wait.
FIRST_RETRY = dt.timedelta(minutes=1)

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class BadDuration(ValueError):
    pass


def parse_duration(text: str) -> dt.timedelta:
    """'15m', '1h', '1d', '2w' as a timedelta; BadDuration with the reason otherwise."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise BadDuration(
            f"'{text}' is not a duration: use a whole number and a unit, like 15m, 1h, 1d or 2w"
        )
    amount, unit = int(match.group(1)), match.group(2)
    if amount <= 0:
        raise BadDuration(f"'{text}' must be longer than zero")
    if amount > 10_000:
        raise BadDuration(f"'{text}' is too long")
    return dt.timedelta(**{_UNITS[unit]: amount})


def parse_schedule(text: str) -> dt.timedelta:
    every = parse_duration(text)
    if every < SHORTEST:
        raise BadDuration(f"schedule '{text}' is too short: the shortest is 1m")
    if every > LONGEST:
        raise BadDuration(f"schedule '{text}' is too long: the longest is 31d")
    return every


def next_sync_time(started: dt.datetime, wait: dt.timedelta) -> dt.datetime:
    """When a sync that started at `started` comes due again, `wait` later.

    Counted from the start of the minute it ran in, not from the instant it finished: the
    periodic task that finds due key results runs on each minute tick, and the sync itself
    starts a little after it (the queue, the fetch). Counting from that instant would put a
    `1m` source's next time just past the next tick, to be synced only at the one after: every
    two minutes. From the minute, `1m` runs at every tick and `1h` at the same minute each hour.
    """
    return started.replace(second=0, microsecond=0) + wait


def retry_delay(failures: int, every: dt.timedelta) -> dt.timedelta:
    """The wait after the `failures`-th temporary failure in a row: 1m, 2m, 4m, ...

    Never longer than the schedule itself: a source that is down for a while is then tried as
    often as a healthy one, no less, so it is back within one period once it recovers.
    """
    if failures < 1:
        return every
    # 2**20 minutes is two years: past any schedule, and no overflow for absurd counts.
    delay = FIRST_RETRY * (2 ** min(failures - 1, 20))
    return min(delay, every)
