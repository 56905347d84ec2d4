"""Did the deliverable move the metric? The pure before/after comparison (okrs.insights.impact)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from okrs.insights.impact import initiative_impact

DONE = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
CYCLE_START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
CYCLE_END = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def weekly(
    values_before: list[float], values_after: list[float]
) -> list[tuple[dt.datetime, float]]:
    """Check-ins a week apart, the last of `values_before` 3 days before completion and the first
    of `values_after` 4 days after it."""
    before = [
        (DONE - dt.timedelta(days=3, weeks=len(values_before) - 1 - i), v)
        for i, v in enumerate(values_before)
    ]
    after = [(DONE + dt.timedelta(days=4, weeks=i), v) for i, v in enumerate(values_after)]
    return before + after


def impact(kind: str, readings, **kwargs):
    return initiative_impact(
        kind=kind,
        readings=readings,
        completed_at=DONE,
        limit_start=kwargs.pop("limit_start", CYCLE_START),
        limit_end=kwargs.pop("limit_end", CYCLE_END),
        unit=kwargs.pop("unit", "ms"),
        **kwargs,
    )


def test_latency_that_starts_falling_after_completion_moved_the_right_way() -> None:
    # P95 latency creeping up 0.2 ms a week, then falling 1.5 ms a week from a level 12 ms lower.
    readings = weekly([900.0, 900.2, 900.4, 900.6], [888.0 + 0.6 - 1.5 * 0.0, 887.1, 885.6, 884.1])
    result = impact("decrease", readings)
    assert result.verdict == "right_way"
    assert result.points_before == 4 and result.points_after == 4
    assert result.slope_before == pytest.approx(0.2)
    assert result.slope_after == pytest.approx(-1.5)
    assert result.summary.startswith("The metric moved the right way after completion")
    assert "from +0.2 ms/week to \u22121.5 ms/week" in result.summary
    assert "+0.2/week" not in result.summary


@pytest.mark.parametrize(
    ("unit", "before", "after"),
    [
        # A percentage at its tenth, not "+0.889/week".
        ("%", [48.0, 48.889, 49.778], "+0.9%/week to 0%/week"),
        # Hours under one hour a week in minutes; one hour is singular.
        ("hours", [10.0, 11.0, 12.0], "+1 hour/week to 0 hours/week"),
        ("hours", [10.0, 10.25, 10.5], "+15 minutes/week to 0 hours/week"),
        # A unit that is already a rate.
        ("deploys/week", [2.0, 4.0, 6.0], "+2 deploys/week per week to 0 deploys/week per week"),
    ],
)
def test_slopes_carry_the_unit_at_its_precision(unit: str, before, after: str) -> None:
    result = impact("increase", weekly(before, [60.0, 60.0, 60.0]), unit=unit)
    assert f"slope changed from {after}," in result.summary, result.summary


def test_the_same_numbers_on_an_increase_key_result_moved_the_wrong_way() -> None:
    readings = weekly([900.0, 900.2, 900.4, 900.6], [888.6, 887.1, 885.6, 884.1])
    assert impact("increase", readings).verdict == "wrong_way"


def test_level_change_is_the_jump_between_the_two_lines_at_completion() -> None:
    # Flat at 50 before, flat at 40 after: a level change of -10 and no slope on either side.
    result = impact("decrease", weekly([50.0, 50.0, 50.0], [40.0, 40.0, 40.0]))
    assert result.level_change == pytest.approx(-10.0)
    assert result.slope_before == 0 and result.slope_after == 0
    assert result.verdict == "right_way"


def test_a_trend_that_simply_continues_is_no_clear_change() -> None:
    # Down 2 a week throughout: the deliverable changed nothing about the trend.
    values = [100 - 2 * w for w in range(8)]
    readings = [
        (DONE - dt.timedelta(weeks=4) + dt.timedelta(weeks=w), v) for w, v in enumerate(values)
    ]
    result = impact("decrease", readings)
    assert result.verdict == "no_clear_change"
    assert result.level_change == pytest.approx(0.0, abs=1e-9)
    assert result.slope_before == pytest.approx(-2.0)
    assert result.slope_after == pytest.approx(-2.0)


def test_two_points_on_a_side_is_too_few_to_tell() -> None:
    result = impact("increase", weekly([1.0, 2.0], [5.0, 6.0, 7.0]))
    assert result.verdict == "too_few_points"
    assert result.summary == (
        "Too few points to tell: 2 check-ins in the 6 weeks before completion and "
        "3 check-ins after (3 needed on each side)."
    )
    assert result.slope_before is None and result.level_change is None


def test_points_outside_the_window_or_the_cycle_do_not_count() -> None:
    long_before = [(DONE - dt.timedelta(weeks=w), 1.0) for w in (7, 8, 9)]  # beyond 6 weeks
    readings = long_before + weekly([1.0, 1.0], [2.0, 2.0, 2.0])
    assert impact("increase", readings).points_before == 2
    # The cycle starting a week before completion cuts the before side down to one point.
    late_start = impact("increase", weekly([1.0, 1.0, 1.0], [2.0, 2.0, 2.0]),
                        limit_start=DONE - dt.timedelta(days=5))  # fmt: skip
    assert late_start.points_before == 1 and late_start.verdict == "too_few_points"
    # A report for an earlier moment does not see later check-ins.
    early = impact("increase", weekly([1.0, 1.0, 1.0], [2.0, 2.0, 2.0]),
                   limit_end=DONE + dt.timedelta(days=10))  # fmt: skip
    assert early.points_after == 1


def test_a_wider_window_takes_in_more_points() -> None:
    readings = [(DONE - dt.timedelta(weeks=w, days=1), float(w)) for w in range(1, 10)]
    readings += weekly([], [1.0, 1.0, 1.0])
    year = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert impact("increase", readings, weeks=6, limit_start=year).points_before == 5
    assert impact("increase", readings, weeks=9, limit_start=year).points_before == 8
    # ...but never before the cycle (here 1 October: the points up to 4 weeks and a day back).
    assert impact("increase", readings, weeks=9).points_before == 4


def test_a_milestone_has_no_direction() -> None:
    result = impact("milestone", weekly([0.0, 0.0, 0.0], [0.0, 1.0, 1.0]))
    assert result.verdict == "no_direction"
    # Done or not: a slope of 0s and 1s says nothing, so none is given.
    assert result.detail == "A milestone is done or not: it has no trend to compare"
    assert result.slope_before is None and result.slope_after is None


def test_a_change_smaller_than_the_material_share_is_no_clear_change() -> None:
    readings = weekly([50.0, 50.0, 50.0], [49.0, 49.0, 49.0])
    assert impact("decrease", readings).verdict == "right_way"
    assert impact("decrease", readings, min_effect=2.0).verdict == "no_clear_change"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        initiative_impact(
            kind="increase", readings=[], completed_at=dt.datetime(2026, 11, 2),
            limit_start=CYCLE_START, limit_end=CYCLE_END,
        )  # fmt: skip


# --- properties --------------------------------------------------------------------------------

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
sides = st.tuples(
    st.lists(values, min_size=3, max_size=6), st.lists(values, min_size=3, max_size=6)
)


@given(sides, st.floats(min_value=-1e5, max_value=1e5, allow_nan=False))
def test_adding_a_constant_changes_no_slope_and_no_level_change(data, constant) -> None:
    before, after = data
    plain = impact("increase", weekly(before, after))
    shifted = impact(
        "increase", weekly([v + constant for v in before], [v + constant for v in after])
    )
    tolerance = 1e-6 * (max(map(abs, before + after)) + abs(constant) + 1)
    assert shifted.slope_before == pytest.approx(plain.slope_before, abs=tolerance)
    assert shifted.slope_after == pytest.approx(plain.slope_after, abs=tolerance)
    assert shifted.level_change == pytest.approx(plain.level_change, abs=tolerance * 10)


@given(sides)
def test_mirrored_data_flips_the_verdict_between_increase_and_decrease(data) -> None:
    before, after = data
    readings = weekly(before, after)
    up = impact("increase", readings)
    mirrored = impact("increase", [(at, -v) for at, v in readings])
    down = impact("decrease", readings)
    flipped = {"right_way": "wrong_way", "wrong_way": "right_way"}
    # The same data read as a decrease, or mirrored data read as an increase, is the opposite
    # verdict; "no clear change" stays what it is.
    assert down.verdict == flipped.get(up.verdict, up.verdict)
    assert mirrored.verdict == down.verdict
    assert mirrored.slope_before == pytest.approx(-up.slope_before, abs=1e-6)


@given(sides, st.floats(min_value=0.01, max_value=100))
def test_scaling_the_values_keeps_the_verdict(data, factor) -> None:
    before, after = data
    assume(max(map(abs, before + after)) > 1e-3)
    plain = impact("increase", weekly(before, after))
    scaled = impact("increase", weekly([v * factor for v in before], [v * factor for v in after]))
    assume(plain.effect is not None and plain.noise is not None)
    # Away from the boundary, where float rounding could tip either way.
    assume(abs(abs(plain.effect) - 3 * plain.noise) > 1e-6 * (abs(plain.effect) + 1))
    assert scaled.verdict == plain.verdict


@given(st.lists(values, min_size=0, max_size=2), st.lists(values, min_size=0, max_size=6))
def test_fewer_than_three_points_before_is_always_too_few(before, after) -> None:
    assert impact("increase", weekly(before, after)).verdict == "too_few_points"
