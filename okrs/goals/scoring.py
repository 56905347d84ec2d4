"""The arithmetic of scores, pace, status, staleness and forecast.

Everything here is a pure function over plain values: no ORM, no settings, no clock. The caller
passes `as_of` and the cycle's bounds explicitly, so a status shown on the dashboard, printed by
`okrs status --as-of ...` and asserted in a test is the same number for the same inputs. Keeping
Django out also lets the property-based tests hammer these functions thousands of times a second.

Results are never rounded here: rounding is a presentation decision, and rounding before a
threshold comparison would move key results across status boundaries.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal, NamedTuple

Kind = Literal["increase", "decrease", "stay_above", "stay_below", "milestone"]
Status = Literal["on_track", "at_risk", "off_track"]

KINDS: Final[tuple[Kind, ...]] = ("increase", "decrease", "stay_above", "stay_below", "milestone")
# Ordered best to worst: an objective's status is the last of these that any key result has.
STATUSES: Final[tuple[Status, ...]] = ("on_track", "at_risk", "off_track")

# Kinds whose progress is a distance travelled from baseline to target, and therefore the only
# kinds for which "behind schedule" (pace against elapsed time) means anything.
_DISTANCE_KINDS: Final = frozenset({"increase", "decrease"})
_STATUS_RANK: Final[dict[str, int]] = {status: rank for rank, status in enumerate(STATUSES)}
_ONE_DAY: Final = timedelta(days=1)


@dataclass(frozen=True)
class Thresholds:
    """The organisation's scoring settings, with their defaults."""

    # Before this fraction of the cycle has passed, nobody can be behind: pace stays on track and
    # nothing is stale, so week one of a quarter is not a wall of red.
    grace: float = 0.1
    # projected = score / expected; at or above `on_track` the key result will likely land a
    # 0.7 ("achieved" for an aspirational OKR), at or above `at_risk` it is recoverable.
    on_track: float = 0.7
    at_risk: float = 0.4
    # A check-in strictly older than this no longer vouches for the key result: the owner's
    # confidence stops overriding pace and the key result is flagged stale.
    stale_after_days: float = 10


# Frozen, so one shared instance is safe as a default argument.
DEFAULT_THRESHOLDS: Final = Thresholds()


class Reading(NamedTuple):
    """One check-in reduced to what scoring needs.

    A named tuple rather than a dataclass: a whole organisation's dashboard builds tens of
    thousands of these per request, and a tuple is several times cheaper to make. They are
    checked where they are used (`evaluate_key_result`).
    """

    at: datetime  # aware; when the value was true
    value: float
    confidence: str | None  # on_track | at_risk | off_track | None
    human: bool  # False for source "sync": a sync has a value but no opinion


def check_reading(reading: Reading) -> None:
    # Fail loudly rather than let a bad row turn into a status like "" on a dashboard, or a
    # naive time silently compare against UTC.
    if reading.at.tzinfo is None:
        raise ValueError(f"reading time must be timezone-aware, got {reading.at!r}")
    if reading.confidence is not None and reading.confidence not in _STATUS_RANK:
        raise ValueError(
            f"confidence must be one of {', '.join(STATUSES)} or None, got {reading.confidence!r}"
        )


@dataclass(frozen=True)
class KeyResultScore:
    """Everything the status JSON shows for one key result at one instant."""

    current: float | None
    progress: float  # p, unclamped: overshoot shows as more than 100%
    score: float  # p clamped to [0, 1]
    expected: float  # fraction of the cycle elapsed, in [0, 1]
    pace: str
    confidence: str | None
    status: str
    stale: bool
    forecast: float | None
    forecast_score: float | None
    # The owner's confidence is recent enough to set the status (it may equal the pace or not).
    owner_vouches: bool = False


def infer_kind(
    baseline: float | None, target: float | None
) -> Literal["increase", "decrease"] | None:
    """The kind a file implies when it gives baseline and target but no kind.

    None when either is missing or they are equal: such a key result is not measurable as a
    distance, and the caller (file validator, coach) must say so rather than guess.
    """
    if baseline is None or target is None or target == baseline:
        return None
    return "increase" if target > baseline else "decrease"


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown key result kind {kind!r}; expected one of {', '.join(KINDS)}")


def progress(
    kind: str, baseline: float | None, target: float | None, current: float | None
) -> float:
    """p for one value: the fraction of the way from baseline to target, or 0/1 for the others.

    Increase and decrease share one formula, which makes them exact mirrors of each other. With
    no current value, no baseline (no distance to measure) or target == baseline (no distance at
    all), p is 0: the key result shows no progress instead of dividing by zero.
    """
    check_kind(kind)
    if current is None:
        return 0.0
    if kind == "stay_above":
        return 1.0 if target is not None and current >= target else 0.0
    if kind == "stay_below":
        return 1.0 if target is not None and current <= target else 0.0
    if kind == "milestone":
        return 1.0 if current >= 1 else 0.0
    if baseline is None or target is None or target == baseline:
        return 0.0
    return _distance_ratio(current, baseline, target)


def _distance_ratio(current: float, baseline: float, target: float) -> float:
    """(current - baseline) / (target - baseline) without overflowing in the differences.

    Near the float limit a difference of two finite values can overflow to infinity and make the
    ratio NaN. Halving is exact at those magnitudes, so the overflowing difference is taken of
    the halves and the factor of two put back in the division.
    """
    travelled = current - baseline
    distance = target - baseline
    travelled_halved = math.isinf(travelled)
    distance_halved = math.isinf(distance)
    if travelled_halved:
        travelled = current / 2 - baseline / 2
    if distance_halved:
        distance = target / 2 - baseline / 2
    ratio = travelled / distance
    if travelled_halved and not distance_halved:
        return ratio * 2
    if distance_halved and not travelled_halved:
        return ratio / 2
    return ratio


def clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """x limited to [lo, hi]; NaN becomes lo, so a value that cannot be computed scores nothing."""
    if math.isnan(x):
        return lo
    return max(lo, min(hi, x))


def expected_fraction(start: datetime, end: datetime, as_of: datetime) -> float:
    """The fraction of the cycle elapsed at as_of, in [0, 1].

    Measured on absolute time (aware datetimes), so a cycle that spans a daylight-saving change
    is as long as it really is. An empty or inverted cycle counts as fully elapsed once started.
    """
    length = end - start
    if length <= timedelta(0):
        return 1.0 if as_of >= start else 0.0
    return clamp((as_of - start) / length)


def pace(kind: str, score: float, p: float, expected: float, thresholds: Thresholds) -> Status:
    """Whether the value is where elapsed time says it should be.

    For increase and decrease, score / expected projects the score at the cycle's end if the
    rate so far continues. The other kinds are pass/fail at every instant, so there is nothing
    to project: they are on track exactly when they currently pass.
    """
    check_kind(kind)
    if kind not in _DISTANCE_KINDS:
        return "on_track" if p == 1 else "off_track"
    # The `<= 0` guard only matters when an organisation sets grace to 0.
    if expected < thresholds.grace or expected <= 0:
        return "on_track"
    projected = score / expected
    if projected >= thresholds.on_track:
        return "on_track"
    if projected >= thresholds.at_risk:
        return "at_risk"
    return "off_track"


def median(values: Sequence[float]) -> float:
    """The middle value; of an even count, the mean of the middle two (as the Theil-Sen
    forecast defines it).

        statistics.median would do, except that (a + b) / 2 overflows for two values near the float
        limit; this falls back to a / 2 + b / 2 there.
    """
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    low, high = ordered[middle - 1], ordered[middle]
    mean = (low + high) / 2
    if math.isinf(mean) and math.isfinite(low) and math.isfinite(high):
        mean = low / 2 + high / 2
    return mean


def theil_sen(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """(slope, intercept) of the Theil-Sen line through (x, y) points.

    Chosen over least squares because one mistyped check-in (96 entered as 9600) barely moves a
    median of pairwise slopes but drags a least-squares line anywhere. Pairs with the same x have
    no slope and are skipped; None when no pair is left (fewer than two distinct x). The
    three-point minimum for a forecast is the caller's rule, not this function's.
    """
    slopes = [
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(points)
        for x2, y2 in points[i + 1 :]
        if x2 != x1
    ]
    if not slopes:
        return None
    slope = median(slopes)
    intercept = median([y - slope * x for x, y in points])
    return slope, intercept


def _days_since(origin: datetime, instant: datetime) -> float:
    # Dividing timedeltas is exact integer microseconds over integer microseconds, so x carries
    # no error beyond one final rounding.
    return (instant - origin) / _ONE_DAY


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def evaluate_key_result(
    *,
    kind: str,
    baseline: float | None,
    target: float | None,
    readings: Sequence[Reading],
    cycle_start: datetime,
    cycle_end: datetime,
    as_of: datetime,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    automatic: bool = False,
) -> KeyResultScore:
    """Score, pace, confidence, status, staleness and forecast of one key result at as_of.

    `readings` may be unsorted and may include check-ins after as_of (backfills, or a report run
    for a past date) and outside the cycle; they are filtered here so that every caller gets the
    same answer from the same rows. `automatic`: the key result has a metric source, so its
    forecast is drawn through the synced readings only (see `forecast_at_end`).
    """
    check_kind(kind)
    for name, instant in (("cycle_start", cycle_start), ("cycle_end", cycle_end), ("as_of", as_of)):
        _require_aware(name, instant)

    for reading in readings:
        check_reading(reading)
    # sorted() is stable: among readings at the same instant the one given later stays later,
    # and so wins as "latest". Callers mostly pass sorted readings; checking is cheaper then.
    known = [r for r in readings if r.at <= as_of]
    if any(known[i].at > known[i + 1].at for i in range(len(known) - 1)):
        known.sort(key=lambda r: r.at)
    latest = known[-1] if known else None
    latest_human = next((r for r in reversed(known) if r.human), None)
    in_cycle = [r for r in known if cycle_start <= r.at < cycle_end]
    return score_at(
        kind=kind,
        baseline=baseline,
        target=target,
        latest=latest,
        latest_human=latest_human,
        forecast=forecast_at_end(
            kind, baseline, target, in_cycle, cycle_start, cycle_end, automatic=automatic
        ),
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        as_of=as_of,
        thresholds=thresholds,
    )


def score_at(
    *,
    kind: str,
    baseline: float | None,
    target: float | None,
    latest: Reading | None,
    latest_human: Reading | None,
    forecast: tuple[float | None, float | None],
    cycle_start: datetime,
    cycle_end: datetime,
    as_of: datetime,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> KeyResultScore:
    """The score of a key result from what its status depends on, already picked out.

    `latest` and `latest_human` are its latest check-in and latest human check-in not after
    as_of, `forecast` what `forecast_at_end` gives for its readings. `evaluate_key_result`
    picks them out of every reading; the evaluation cache keeps them ready per key result and
    calls this at each instant, so both give the same answer by construction.
    """
    if latest is not None:
        current: float | None = latest.value
    elif baseline is not None:
        current = baseline
    elif kind == "milestone":
        current = 0.0
    else:
        current = None

    p = progress(kind, baseline, target, current)
    score = clamp(p)
    expected = expected_fraction(cycle_start, cycle_end, as_of)
    key_result_pace = pace(kind, score, p, expected, thresholds)

    fresh_for = timedelta(days=thresholds.stale_after_days)
    stale = expected >= thresholds.grace and (latest is None or as_of - latest.at > fresh_for)

    confidence = latest_human.confidence if latest_human is not None else None
    # The owner's word beats the arithmetic only while it is recent: they may know that the
    # big jump lands next week, but a ten-day-old "on track" says nothing about today.
    owner_vouches = (
        latest_human is not None
        and latest_human.confidence is not None
        and as_of - latest_human.at <= fresh_for
    )
    status = confidence if owner_vouches and confidence is not None else key_result_pace

    return KeyResultScore(
        current=current,
        progress=p,
        score=score,
        expected=expected,
        pace=key_result_pace,
        confidence=confidence,
        status=status,
        stale=stale,
        forecast=forecast[0],
        forecast_score=forecast[1],
        owner_vouches=owner_vouches,
    )


def forecast_at_end(
    kind: str,
    baseline: float | None,
    target: float | None,
    in_cycle: Sequence[Reading],
    cycle_start: datetime,
    cycle_end: datetime,
    *,
    automatic: bool = False,
) -> tuple[float | None, float | None]:
    """(forecast, forecast_score): the value at the cycle end on the Theil-Sen line, its score.

    `in_cycle` are the readings inside the cycle and not after as_of, in time order. (None,
    None) with fewer than 3 of them, or when the line cannot be drawn or overflows.

    For an `automatic` key result (one with a metric source) the line goes through the synced
    readings only: a person's check-in on it gives a confidence and repeats the latest synced
    value, and counting that repeat as a measurement would bend the line towards a flat one
    each time someone answers "no change".
    """
    if automatic:
        in_cycle = [r for r in in_cycle if not r.human]
    if len(in_cycle) < 3:
        return None, None
    points = [(_days_since(cycle_start, r.at), r.value) for r in in_cycle]
    line = theil_sen(points)
    if line is None:
        return None, None
    slope, intercept = line
    projected = intercept + slope * _days_since(cycle_start, cycle_end)
    # Extreme values can overflow the line; no forecast beats a NaN on every page.
    if not math.isfinite(projected):
        return None, None
    return projected, clamp(progress(kind, baseline, target, projected))


def objective_score(own: Sequence[tuple[float, float]], children: Sequence[float]) -> float | None:
    """Weighted mean of the objective's key-result scores and its aligned children's scores.

    `own` holds (score, weight) per key result; `children` the scores of child objectives that
    align to this objective itself, each weighing 1. Children aligned to one of its key results
    are not passed here: they are shown under that key result and change no score. None when
    there is nothing to average or every weight is 0, because 0 would read as "failed".
    """
    for _, weight in own:
        # A negative weight would let the "mean" leave [0, 1]; that is corrupt data, not a score.
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"key result weight must be a finite number >= 0, got {weight!r}")
    weights = [weight for _, weight in own] + [1.0] * len(children)
    scores = [score for score, _ in own] + list(children)
    largest = max(weights, default=0.0)
    if largest == 0:
        return None
    # Weights relative to the largest: a tiny weight times a score must not underflow to 0.
    relative = [weight / largest for weight in weights]
    # fsum keeps the sums correctly rounded, so the mean of equal scores is exactly that score.
    weighted = math.fsum(score * weight for score, weight in zip(scores, relative, strict=True))
    return weighted / math.fsum(relative)


def worst_status(statuses: Iterable[str | None]) -> Status | None:
    """The worst of the given statuses (off_track > at_risk > on_track); None when none given."""
    worst: Status | None = None
    for status in statuses:
        if status is None:
            continue
        if status not in _STATUS_RANK:
            raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
        rank = _STATUS_RANK[status]
        if worst is None or rank > _STATUS_RANK[worst]:
            worst = STATUSES[rank]
    return worst
