"""Did the deliverable move the metric? Before and after an initiative's completion.

Pure arithmetic over plain values (no ORM): the caller hands over the key result's check-ins as
(time, value) pairs, the completion instant and the limits of the cycle, and gets back the
comparison and a plain-language verdict. The method is a small interrupted time series:

- The points are the check-ins in the `weeks` before the completion instant (`before`) and in
  the `weeks` from it (`after`), both limited to [limit_start, limit_end) (the cycle, and never
  past the moment of the report).
- On each side a Theil-Sen line (the median of the pairwise slopes, as the forecast uses) is
  drawn with time in weeks since completion; its slope is the side's trend per week.
- The *level change* is the jump at completion: the after line's value at the completion
  instant minus the before line's value there (their intercepts, since x = 0 is completion). A
  metric that keeps its old trend has no level change and no slope change, however far it moves.
- The *effect* is how far the after points sit, on average, from where the before line said
  they would be: level change + slope change x the mean time of the after points. It is judged
  against the noise: the median absolute distance of all points from their own side's line. An
  effect no larger than `NOISE_FACTOR` times the noise is "no clear change": with a handful of
  weekly points, a smaller one is what the scatter alone produces. Nor is an effect smaller than
  `min_effect` (the caller passes `MATERIAL_SHARE` of the distance from baseline to target): a
  change too small to matter to the key result is not news in a business review.
- With fewer than `MIN_POINTS` points on either side the answer is "too few points to tell".

This shows whether the metric changed around the completion, not that the initiative caused it:
other work, seasons and measurement changes move metrics too (see docs/reports.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from okrs.goals.scoring import median, theil_sen
from okrs.numbers import MILESTONE, change_amount, with_unit

Verdict = Literal["right_way", "wrong_way", "no_clear_change", "too_few_points", "no_direction"]

DEFAULT_WEEKS: Final = 6
# Three points make the smallest line whose slope is a median of more than one pair, the same
# minimum as the key result's forecast.
MIN_POINTS: Final = 3
_WEEK: Final = timedelta(weeks=1)
# The median absolute residual is about two thirds of a standard deviation of the scatter, and
# each side's line rests on a few points: three of them is roughly two standard deviations.
NOISE_FACTOR: Final = 3.0
# An effect under 5% of the way from baseline to target is too small to call either way.
MATERIAL_SHARE: Final = 0.05

# Which way is good for each kind: +1 up, -1 down. A milestone is done or not; it has no trend.
DIRECTION: Final[dict[str, int]] = {
    "increase": 1,
    "stay_above": 1,
    "decrease": -1,
    "stay_below": -1,
}

VERDICT_LABEL: Final[dict[str, str]] = {
    "right_way": "✓ Moved the right way",
    "wrong_way": "✕ Moved the wrong way",
    "no_clear_change": "= No clear change",
    "too_few_points": "? Too few points to tell",
    "no_direction": "\u2013 Not comparable",
}


@dataclass(frozen=True)
class Impact:
    """The before/after comparison of one initiative's key result."""

    completed_at: datetime
    weeks: int
    points_before: int
    points_after: int
    slope_before: float | None  # value units per week
    slope_after: float | None
    level_change: float | None  # the jump at completion, in value units
    effect: float | None  # mean distance of the after points from the before line's path
    noise: float | None  # median absolute distance of the points from their own line
    verdict: Verdict
    summary: str  # one plain-language sentence
    detail: str  # the numbers behind it, for a table beside the verdict's label

    @property
    def label(self) -> str:
        return VERDICT_LABEL[self.verdict]

    def as_json(self) -> dict[str, object]:
        return {
            "completed_at": self.completed_at.isoformat().replace("+00:00", "Z"),
            "window_weeks": self.weeks,
            "points_before": self.points_before,
            "points_after": self.points_after,
            "slope_before_per_week": _rounded(self.slope_before),
            "slope_after_per_week": _rounded(self.slope_after),
            "level_change": _rounded(self.level_change),
            "effect": _rounded(self.effect),
            "noise": _rounded(self.noise),
            "verdict": self.verdict,
            "summary": self.summary,
            "detail": self.detail,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def initiative_impact(
    *,
    kind: str,
    readings: Sequence[tuple[datetime, float]],
    completed_at: datetime,
    limit_start: datetime,
    limit_end: datetime,
    unit: str = "",
    weeks: int = DEFAULT_WEEKS,
    min_effect: float = 0.0,
) -> Impact:
    """Compare the key result's check-ins before and after `completed_at`.

    `readings` are (aware time, value) in any order. `limit_start`/`limit_end` bound the points
    (the cycle, and the report's moment): a check-in outside [limit_start, limit_end) is never
    used, so a report for a past date does not see the future.
    """
    if weeks <= 0:
        raise ValueError(f"weeks must be positive, got {weeks!r}")
    for name, instant in (
        ("completed_at", completed_at),
        ("limit_start", limit_start),
        ("limit_end", limit_end),
    ):
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    span = _WEEK * weeks
    first, last = max(limit_start, completed_at - span), min(limit_end, completed_at + span)
    before: list[tuple[float, float]] = []
    after: list[tuple[float, float]] = []
    for at, value in readings:
        if at.tzinfo is None:
            raise ValueError(f"reading time must be timezone-aware, got {at!r}")
        if not math.isfinite(value) or not first <= at < last:
            continue
        x = (at - completed_at) / _WEEK
        (before if at < completed_at else after).append((x, value))
    before.sort()
    after.sort()

    def answer(
        verdict: Verdict,
        summary: str,
        detail: str,
        slopes: tuple[float | None, float | None] = (None, None),
        level: float | None = None,
        effect: float | None = None,
        noise: float | None = None,
    ) -> Impact:
        return Impact(
            completed_at, weeks, len(before), len(after), slopes[0], slopes[1], level, effect,
            noise, verdict, summary, detail,
        )  # fmt: skip

    if kind == MILESTONE:
        # Its values are 0 and 1: a slope or a level of them says nothing.
        words = "a milestone is done or not: it has no trend to compare"
        return answer("no_direction", f"{_upper(words)}.", _upper(words))
    if len(before) < MIN_POINTS or len(after) < MIN_POINTS:
        counts = (
            f"{_count(len(before))} in the {weeks} weeks before completion and "
            f"{_count(len(after))} after ({MIN_POINTS} needed on each side)"
        )
        return answer("too_few_points", f"Too few points to tell: {counts}.", _upper(counts))
    line_before, line_after = theil_sen(before), theil_sen(after)
    if line_before is None or line_after is None:
        # Every check-in of a side at one instant: there is no trend to read.
        same = "the check-ins of one side are all at the same time"
        return answer("too_few_points", f"Too few points to tell: {same}.", _upper(same))
    slope_before, intercept_before = line_before
    slope_after, intercept_after = line_after
    level = intercept_after - intercept_before
    mean_after_x = math.fsum(x for x, _ in after) / len(after)
    effect = level + (slope_after - slope_before) * mean_after_x
    residuals = [abs(y - (intercept_before + slope_before * x)) for x, y in before] + [
        abs(y - (intercept_after + slope_after * x)) for x, y in after
    ]
    noise = median(residuals)
    slopes = (slope_before, slope_after)
    numbers = (
        f"slope changed from {_slope_text(slope_before, unit)} to "
        f"{_slope_text(slope_after, unit)}, {_level_text(level, unit)} "
        f"({len(before)} check-ins before, {len(after)} after)"
    )
    if not all(math.isfinite(v) for v in (level, effect, noise, slope_before, slope_after)):
        return answer("no_direction", "The values are too large to compare.", "")
    direction = DIRECTION.get(kind)
    if direction is None:
        return answer(
            "no_direction",
            f"A {kind.replace('_', ' ')} has no direction to compare; {numbers}.",
            _upper(numbers),
            slopes, level, effect, noise,
        )  # fmt: skip
    # Float rounding in the medians must not turn an exact continuation into a verdict.
    scale = max(abs(y) for _, y in [*before, *after])
    if abs(effect) <= max(NOISE_FACTOR * noise, min_effect) + 1e-9 * scale:
        return answer(
            "no_clear_change",
            f"No clear change after completion (within the scatter, or too small to matter): "
            f"{numbers}.",
            _upper(numbers),
            slopes, level, effect, noise,
        )  # fmt: skip
    good = effect * direction > 0
    return answer(
        "right_way" if good else "wrong_way",
        f"The metric moved the {'right' if good else 'wrong'} way after completion: {numbers}.",
        _upper(numbers),
        slopes, level, effect, noise,
    )  # fmt: skip


def _slope_text(slope: float, unit: str) -> str:
    """A side's trend at the unit's precision, like a level change (docs/numbers.md):
    "+0.9%/week", "+1.5 hours/week", "+20 minutes/week", "0 ms/week"; a unit that is already a
    rate takes "per week" ("+2 deploys/week per week")."""
    change = change_amount(slope, unit) or with_unit("0", unit)
    return f"{change} per week" if "/" in unit else f"{change}/week"


def _level_text(level: float, unit: str) -> str:
    """The jump at completion at the unit's precision (docs/numbers.md): "level +3.5 hours",
    "level +3 minutes", or "no level change" when it rounds to nothing."""
    change = change_amount(level, unit)
    return "no level change" if change is None else f"level {change}"


def _count(n: int) -> str:
    return f"{n} check-in{'' if n == 1 else 's'}"


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]
