"""A key result's check-ins read once and scored at any instant: the pure core of the cache.

`scoring.evaluate_key_result` looks through every reading on every call, which is right for one
key result and too slow for a whole organisation on every dashboard read. A `KeyResultHistory`
holds the readings sorted, once, with what the rules need ready to look up: at an instant it
finds the latest reading and the latest human reading by bisection and hands them to
`scoring.score_at`, the same function `evaluate_key_result` ends in. Nothing here depends on
the instant until it is asked, so one history answers for the present, a past date and the end
of a frozen cycle alike; only the Theil-Sen forecast is worth keeping between calls, and it
depends on which readings fall in the cycle, not on the instant itself.

No Django here: the cache in `okrs.goals.evaluation` builds these from database rows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from okrs.goals import scoring

WEEK = timedelta(days=7)


class Moment(NamedTuple):
    """What a key result looks like at one instant, beyond its score."""

    result: scoring.KeyResultScore
    last_checkin_at: datetime | None
    last_human_checkin_at: datetime | None
    last_note: str
    # Who told the latest check-in (an id the caller gave, None for a sync or no one known).
    last_author: int | None
    score_week_ago: float
    drifting: bool


class KeyResultHistory:
    """The check-ins of one key result in time order, with its plan values.

    Safe to share between threads once built: the only state that changes afterwards is the
    memo of forecasts, where a race computes the same value twice and stores it twice.
    """

    __slots__ = (
        "_forecasts", "_last_human", "authors", "automatic", "baseline", "initial_value", "kind",
        "notes", "readings", "rows", "target",
    )  # fmt: skip

    def __init__(
        self,
        *,
        kind: str,
        baseline: float | None,
        target: float | None,
        initial_value: float | None,
        readings: Sequence[scoring.Reading],
        notes: Sequence[str],
        authors: Sequence[int | None] | None = None,
        rows: Sequence[object] = (),
        automatic: bool = False,
    ) -> None:
        """`readings`, `notes` and `authors` (who told each one, if known) are parallel, in the
        order the database returned them.

        `rows` are what they were made from, kept for the caller to tell, next time it reads
        them, whether this history still holds (see `evaluation._read_histories`).
        `automatic`: the key result has a metric source, so its forecast goes through the
        synced readings only (`scoring.forecast_at_end`).

        They are sorted here by time with a stable sort, exactly as `evaluate_key_result`
        sorts them, so among readings at the same instant the later one given stays latest.
        """
        if authors is None:
            authors = [None] * len(readings)
        if len(readings) != len(notes) or len(readings) != len(authors):
            raise ValueError("one note and one author per reading")
        # Fail on the same inputs, with the same messages, as the uncached scoring.
        scoring.check_kind(kind)
        for reading in readings:
            scoring.check_reading(reading)
        order = sorted(range(len(readings)), key=lambda i: readings[i].at)
        self.kind = kind
        self.baseline = baseline
        self.target = target
        self.automatic = automatic
        self.rows = rows
        # The value before any check-in (the baseline, or 0 for a milestone): the model's rule.
        self.initial_value = initial_value
        self.readings = [readings[i] for i in order]
        self.notes = [notes[i] for i in order]
        self.authors = [authors[i] for i in order]
        # _last_human[n]: the index of the latest human reading among the first n, or -1.
        last_human = [-1]
        latest = -1
        for i, reading in enumerate(self.readings):
            if reading.human:
                latest = i
            last_human.append(latest)
        self._last_human = last_human
        self._forecasts: dict[
            tuple[int, int, datetime, datetime], tuple[float | None, float | None]
        ] = {}

    def known_count(self, instant: datetime) -> int:
        """How many readings were taken at or before `instant`."""
        readings = self.readings
        if not readings or readings[-1].at <= instant:
            return len(readings)  # the usual case: evaluated now, after every check-in
        return bisect_right(readings, instant, key=_reading_time)

    def at(
        self,
        as_of: datetime,
        *,
        cycle_start: datetime,
        cycle_end: datetime,
        thresholds: scoring.Thresholds,
    ) -> Moment:
        """The key result at `as_of`, as `evaluate_key_result` and the week-ago rule give it."""
        readings = self.readings
        known = self.known_count(as_of)
        latest = readings[known - 1] if known else None
        human = self._last_human[known]
        latest_human = readings[human] if human >= 0 else None
        result = scoring.score_at(
            kind=self.kind,
            baseline=self.baseline,
            target=self.target,
            latest=latest,
            latest_human=latest_human,
            forecast=self._forecast(known, cycle_start, cycle_end),
            cycle_start=cycle_start,
            cycle_end=cycle_end,
            as_of=as_of,
            thresholds=thresholds,
        )
        then = self.known_count(as_of - WEEK)
        value_then = readings[then - 1].value if then else self.initial_value
        return Moment(
            result=result,
            last_checkin_at=latest.at if latest is not None else None,
            last_human_checkin_at=latest_human.at if latest_human is not None else None,
            last_note=self.notes[known - 1] if known else "",
            last_author=self.authors[known - 1] if known else None,
            score_week_ago=scoring.clamp(
                scoring.progress(self.kind, self.baseline, self.target, value_then)
            ),
            drifting=result.status == "on_track"
            and result.forecast_score is not None
            and result.forecast_score < thresholds.on_track,
        )

    def _forecast(
        self, known: int, cycle_start: datetime, cycle_end: datetime
    ) -> tuple[float | None, float | None]:
        # Sorted by time, the readings inside the cycle and not after as_of are one slice.
        readings = self.readings
        first = bisect_left(readings, cycle_start, key=_reading_time)
        last = min(known, bisect_left(readings, cycle_end, key=_reading_time))
        key = (first, last, cycle_start, cycle_end)
        found = self._forecasts.get(key)
        if found is None:
            found = scoring.forecast_at_end(
                self.kind, self.baseline, self.target, readings[first:last], cycle_start, cycle_end,
                automatic=self.automatic,
            )  # fmt: skip
            self._forecasts[key] = found
        return found


def _reading_time(reading: scoring.Reading) -> datetime:
    return reading.at
