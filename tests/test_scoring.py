"""Scoring arithmetic: worked examples first, then properties."""

from __future__ import annotations

import math
import typing
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrs.goals.scoring import (
    KINDS,
    STATUSES,
    Kind,
    Reading,
    Status,
    Thresholds,
    clamp,
    evaluate_key_result,
    expected_fraction,
    infer_kind,
    median,
    objective_score,
    pace,
    progress,
    theil_sen,
    worst_status,
)

# A 100-day cycle in UTC, so that day N is expected = N / 100.
START = datetime(2026, 10, 1, tzinfo=UTC)
END = START + timedelta(days=100)


def day(n: float) -> datetime:
    return START + timedelta(days=n)


def human(n: float, value: float, confidence: str | None = None) -> Reading:
    return Reading(at=day(n), value=value, confidence=confidence, human=True)


def sync(n: float, value: float) -> Reading:
    return Reading(at=day(n), value=value, confidence=None, human=False)


def evaluate(
    kind: str,
    baseline: float | None,
    target: float | None,
    readings: list[Reading],
    as_of_day: float,
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen
):
    return evaluate_key_result(
        kind=kind,
        baseline=baseline,
        target=target,
        readings=readings,
        cycle_start=START,
        cycle_end=END,
        as_of=day(as_of_day),
        thresholds=thresholds,
    )


# --- the public vocabulary -------------------------------------------------------------------


def test_kinds_and_statuses_match_their_types_and_statuses_run_best_to_worst():
    assert typing.get_args(Kind) == KINDS
    assert set(STATUSES) == set(typing.get_args(Status))
    assert STATUSES == ("on_track", "at_risk", "off_track")


# --- the documented plan: lead time 96 h -> 6 h, and a change failure rate below 5% -----


def test_kind_is_inferred_from_the_direction_of_baseline_to_target():
    assert infer_kind(96, 6) == "decrease"
    assert infer_kind(10, 40) == "increase"
    assert infer_kind(5, 5) is None
    assert infer_kind(None, 5) is None
    assert infer_kind(5, None) is None


def test_lead_time_halfway_from_96_to_6_hours_scores_one_half():
    result = evaluate("decrease", 96, 6, [human(45, 51, "on_track")], as_of_day=50)
    assert result.current == 51
    assert result.progress == pytest.approx(0.5)
    assert result.score == pytest.approx(0.5)
    assert result.expected == pytest.approx(0.5)


def test_lead_time_beating_its_target_shows_overshoot_but_scores_one():
    # 3 hours is 93 of the 90 hours the team set out to cut.
    result = evaluate("decrease", 96, 6, [human(80, 3)], as_of_day=81)
    assert result.progress == pytest.approx(93 / 90)
    assert result.progress > 1
    assert result.score == 1.0


def test_lead_time_getting_worse_than_baseline_scores_zero_not_negative():
    result = evaluate("decrease", 96, 6, [human(30, 120)], as_of_day=31)
    assert result.progress == pytest.approx(-24 / 90)
    assert result.score == 0.0
    assert result.pace == "off_track"


@pytest.mark.parametrize(
    ("rate", "score"),
    [(4.2, 1.0), (5.0, 1.0), (5.1, 0.0)],
)
def test_change_failure_rate_below_five_percent_is_pass_or_fail(rate, score):
    result = evaluate("stay_below", None, 5, [sync(40, rate)], as_of_day=41)
    assert result.score == score
    assert result.pace == ("on_track" if score == 1 else "off_track")
    assert result.status == result.pace  # a sync carries no confidence


def test_stay_above_passes_at_the_target_and_fails_just_under_it():
    assert progress("stay_above", None, 99.9, 99.9) == 1.0
    assert progress("stay_above", None, 99.9, 99.89) == 0.0


def test_change_failure_rate_with_nothing_measured_yet_has_no_current_and_scores_zero():
    result = evaluate("stay_below", None, 5, [], as_of_day=5)
    assert result.current is None
    assert result.progress == 0.0
    assert result.score == 0.0
    assert result.forecast is None


def test_without_check_ins_current_is_the_baseline_and_progress_zero():
    result = evaluate("decrease", 96, 6, [], as_of_day=5)
    assert result.current == 96
    assert result.progress == 0.0


def test_increase_without_baseline_cannot_measure_distance_and_shows_zero():
    assert progress("increase", None, 100, 80) == 0.0


def test_target_equal_to_baseline_shows_zero_instead_of_dividing_by_zero():
    assert progress("increase", 50, 50, 70) == 0.0
    assert progress("decrease", 50, 50, 30) == 0.0


def test_values_near_the_float_limit_still_give_the_exact_fraction_not_nan():
    # The differences overflow to infinity; the fraction itself is an ordinary number.
    assert progress("increase", -1e308, 1e308, 0) == 0.5
    assert progress("increase", -1e308, 0, 1e308) == 2.0
    assert progress("increase", -1e308, 1e308, 1e308) == 1.0


def test_unknown_kind_is_refused_rather_than_scored_as_zero():
    with pytest.raises(ValueError, match="unknown key result kind"):
        progress("grow", 0, 1, 1)


# --- milestone ---------------------------------------------------------------------------------


def test_milestone_not_done_is_zero_and_off_track_once_past_grace():
    result = evaluate("milestone", None, None, [], as_of_day=50)
    assert result.current == 0
    assert result.score == 0.0
    assert result.pace == "off_track"


def test_milestone_done_is_one_and_on_track():
    result = evaluate("milestone", None, None, [human(20, 0), human(60, 1)], as_of_day=61)
    assert result.current == 1
    assert result.score == 1.0
    assert result.status == "on_track"


def test_milestone_half_done_counts_as_not_done():
    assert progress("milestone", None, None, 0.5) == 0.0


# --- expected and the grace period -------------------------------------------------------------


def test_expected_is_the_elapsed_fraction_and_stays_within_the_cycle():
    assert expected_fraction(START, END, day(25)) == 0.25
    assert expected_fraction(START, END, day(-5)) == 0.0
    assert expected_fraction(START, END, day(150)) == 1.0
    # A one-instant cycle (end == start) is over once it starts, never a division by zero.
    assert expected_fraction(START, START, START) == 1.0
    assert expected_fraction(START, START, day(-1)) == 0.0


def test_a_value_that_cannot_be_computed_scores_nothing():
    assert clamp(float("nan")) == 0.0
    assert clamp(1.5) == 1.0
    assert clamp(-0.5) == 0.0


def test_expected_runs_on_real_time_across_the_clocks_going_back():
    # 2026-Q4 in London: 1 October 00:00 BST to 1 January 00:00 GMT is 92 days and 1 hour.
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 10, 1, tzinfo=london).astimezone(UTC)
    end = datetime(2027, 1, 1, tzinfo=london).astimezone(UTC)
    as_of = start + timedelta(days=46, minutes=30)
    assert expected_fraction(start, end, as_of) == pytest.approx(0.5)


def test_no_progress_is_on_track_during_grace_and_off_track_right_after():
    during = evaluate("increase", 0, 100, [], as_of_day=9.99)
    after = evaluate("increase", 0, 100, [], as_of_day=10)
    assert during.pace == "on_track"
    assert during.stale is False
    assert after.pace == "off_track"
    assert after.stale is True


@pytest.mark.parametrize(
    ("value", "expected_pace"),
    [
        (35, "on_track"),  # projected 0.7 exactly
        (34, "at_risk"),
        (20, "at_risk"),  # projected 0.4 exactly
        (19, "off_track"),
    ],
)
def test_pace_projects_score_over_elapsed_time(value, expected_pace):
    # Half the cycle gone: 35% of the way projects to 0.7.
    result = evaluate("increase", 0, 100, [sync(49, value)], as_of_day=50)
    assert result.pace == expected_pace
    assert result.status == expected_pace


def test_pace_thresholds_are_organisation_settings():
    strict = Thresholds(on_track=0.9, at_risk=0.6)
    assert pace("increase", 0.4, 0.4, 0.5, strict) == "at_risk"
    assert pace("increase", 0.4, 0.4, 0.5, Thresholds()) == "on_track"


# --- confidence versus pace --------------------------------------------------------------------


def test_owners_recent_confidence_overrides_pace():
    result = evaluate("increase", 0, 100, [human(47, 5, "on_track")], as_of_day=50)
    assert result.pace == "off_track"
    assert result.confidence == "on_track"
    assert result.status == "on_track"


def test_owner_can_flag_risk_that_the_numbers_do_not_show_yet():
    result = evaluate("increase", 0, 100, [human(47, 60, "at_risk")], as_of_day=50)
    assert result.pace == "on_track"
    assert result.status == "at_risk"


def test_confidence_older_than_ten_days_no_longer_sets_status():
    readings = [human(39, 5, "on_track")]
    still = evaluate("increase", 0, 100, readings, as_of_day=49)  # exactly 10 days old
    expired = evaluate("increase", 0, 100, readings, as_of_day=49.001)
    assert still.status == "on_track"
    assert expired.confidence == "on_track"  # still reported
    assert expired.status == expired.pace == "off_track"


def test_a_sync_does_not_replace_the_owners_confidence():
    readings = [human(40, 5, "at_risk"), sync(48, 60)]
    result = evaluate("increase", 0, 100, readings, as_of_day=50)
    assert result.current == 60
    assert result.pace == "on_track"
    assert result.confidence == "at_risk"
    assert result.status == "at_risk"


def test_a_check_in_without_confidence_hands_status_back_to_pace():
    # The latest human check-in counts, even though an earlier one had a confidence.
    readings = [human(40, 5, "on_track"), human(45, 6, None)]
    result = evaluate("increase", 0, 100, readings, as_of_day=50)
    assert result.confidence is None
    assert result.status == "off_track"


# --- staleness ---------------------------------------------------------------------------------


def test_stale_only_when_the_latest_check_in_is_more_than_ten_days_old():
    readings = [human(30, 40, "on_track")]
    assert evaluate("increase", 0, 100, readings, as_of_day=40).stale is False
    assert evaluate("increase", 0, 100, readings, as_of_day=40 + 1 / 86400).stale is True


def test_a_recent_sync_keeps_a_key_result_fresh():
    readings = [human(10, 5, "on_track"), sync(45, 40)]
    assert evaluate("increase", 0, 100, readings, as_of_day=50).stale is False


def test_staleness_threshold_is_an_organisation_setting():
    readings = [human(40, 40)]
    weekly = Thresholds(stale_after_days=7)
    assert evaluate("increase", 0, 100, readings, as_of_day=48, thresholds=weekly).stale is True
    assert evaluate("increase", 0, 100, readings, as_of_day=48).stale is False


# --- which check-ins count ---------------------------------------------------------------------


def test_check_ins_after_as_of_are_ignored():
    readings = [human(60, 90, "on_track"), human(20, 10, "off_track")]
    result = evaluate("increase", 0, 100, readings, as_of_day=30)
    assert result.current == 10
    assert result.confidence == "off_track"


def test_latest_check_in_wins_whatever_the_input_order_and_later_input_breaks_ties():
    readings = [human(25, 40), human(5, 99), human(25, 30)]
    assert evaluate("increase", 0, 100, readings, as_of_day=30).current == 30


def test_a_check_in_exactly_at_as_of_counts():
    assert evaluate("increase", 0, 100, [human(30, 12)], as_of_day=30).current == 12


def test_naive_times_and_unknown_confidence_are_refused():
    naive = Reading(at=datetime(2026, 10, 1), value=1, confidence=None, human=True)
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate("increase", 0, 100, [naive], as_of_day=30)
    blank = Reading(at=START, value=1, confidence="", human=True)
    with pytest.raises(ValueError, match="confidence"):
        evaluate("increase", 0, 100, [blank], as_of_day=30)


# --- forecast ----------------------------------------------------------------------------------


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert median([4, 1, 3, 2]) == 2.5
    assert median([7, 1, 3]) == 3
    with pytest.raises(ValueError):
        median([])


def test_theil_sen_ignores_an_outlier_that_would_drag_least_squares():
    # y = 10 + 2x with one mistyped value (100 instead of 16).  Pairwise slopes sorted:
    # -82, 2, 2, 2, 2, 2, 2, 30, 44, 86 -> median 2; intercepts 10, 10, 10, 94, 10 -> 10.
    points = [(0, 10), (1, 12), (2, 14), (3, 100), (4, 18)]
    assert theil_sen(points) == (2.0, 10.0)


def test_theil_sen_takes_the_mean_of_the_middle_two_for_even_counts():
    # Slopes 3, 3/2, 4/3, 0, 1/2, 1 -> (1 + 4/3) / 2 = 7/6.
    # Intercepts y - 7x/6: 0, 11/6, 2/3, 1/2 -> (1/2 + 2/3) / 2 = 7/12.
    line = theil_sen([(0, 0), (1, 3), (2, 3), (3, 4)])
    assert line is not None
    slope, intercept = line
    assert slope == pytest.approx(7 / 6, rel=1e-15)
    assert intercept == pytest.approx(7 / 12, rel=1e-15)


def test_theil_sen_needs_two_distinct_times():
    assert theil_sen([(1, 5), (1, 7), (1, 9)]) is None
    assert theil_sen([(1, 5)]) is None


def test_forecast_projects_to_the_cycle_end_past_an_outlier():
    cycle_end = day(10)
    readings = [
        human(0, 10),
        human(1, 12),
        human(2, 14),
        human(3, 100),  # typo
        human(4, 18),
        human(-3, -500),  # before the cycle: counts for nothing in the forecast
        human(6, 1000),  # after as_of
    ]
    result = evaluate_key_result(
        kind="increase",
        baseline=10,
        target=40,
        readings=readings,
        cycle_start=START,
        cycle_end=cycle_end,
        as_of=day(5),
    )
    assert result.forecast == pytest.approx(30.0, rel=1e-12)
    assert result.forecast_score == pytest.approx(20 / 30, rel=1e-12)


def test_forecast_needs_three_check_ins_in_the_cycle():
    readings = [human(-1, 0), human(1, 10), human(2, 20)]
    result = evaluate("increase", 0, 100, readings, as_of_day=3)
    assert result.forecast is None
    assert result.forecast_score is None


def test_forecast_score_is_clamped_but_forecast_is_not():
    readings = [human(0, 0), human(10, 20), human(20, 40)]
    result = evaluate("increase", 0, 100, readings, as_of_day=20)
    assert result.forecast == pytest.approx(200.0, rel=1e-12)
    assert result.forecast_score == 1.0


def test_an_automatic_key_results_forecast_goes_through_its_synced_values_only():
    # Synced on a line to 50 at day 100; the owner's "no change" on day 21 repeats 20 and
    # gives a confidence. As a fourth point it would flatten the line (the median slope of
    # (0,0) (10,10) (20,20) (21,20) is 20/21 a day).
    synced = [sync(0, 0), sync(10, 10), sync(20, 20)]
    no_change = human(21, 20, "on_track")
    before = evaluate_key_result(
        kind="increase", baseline=0, target=100, readings=synced, cycle_start=START,
        cycle_end=END, as_of=day(21), automatic=True,
    )  # fmt: skip
    after = evaluate_key_result(
        kind="increase", baseline=0, target=100, readings=[*synced, no_change],
        cycle_start=START, cycle_end=END, as_of=day(21), automatic=True,
    )  # fmt: skip
    assert before.forecast == pytest.approx(100.0, rel=1e-12)
    assert (after.forecast, after.forecast_score) == (before.forecast, before.forecast_score)
    assert after.confidence == "on_track"  # the answer still counts as the owner's word
    # A key result without a source is forecast through every check-in, as before.
    manual = evaluate("increase", 0, 100, [*synced, no_change], as_of_day=21)
    assert manual.forecast != pytest.approx(100.0, rel=1e-6)


def test_drifting_shape_on_track_by_confidence_but_forecast_short():
    # What the drift alert is built on: the owner says on track, the trend says 0.3.
    readings = [human(0, 0), human(20, 6), human(40, 12, "on_track")]
    result = evaluate("increase", 0, 100, readings, as_of_day=42)
    assert result.status == "on_track"
    assert result.forecast_score == pytest.approx(0.3, rel=1e-12)


# --- objectives --------------------------------------------------------------------------------


def test_objective_score_weighs_key_results_and_counts_aligned_children_once_each():
    # (0.5*1 + 1.0*3 + 0.2) / (1 + 3 + 1)
    assert objective_score([(0.5, 1), (1.0, 3)], [0.2]) == pytest.approx(0.74)


def test_objective_with_nothing_to_average_has_no_score():
    assert objective_score([], []) is None
    assert objective_score([(0.8, 0)], []) is None
    assert objective_score([], [0.6]) == 0.6


def test_negative_weight_is_refused():
    with pytest.raises(ValueError, match="weight"):
        objective_score([(0.5, -1), (0.5, 2)], [])


def test_objective_status_is_the_worst_of_its_key_results():
    assert worst_status(["on_track", "off_track", "at_risk"]) == "off_track"
    assert worst_status(["on_track", None, "at_risk"]) == "at_risk"
    assert worst_status(["on_track"]) == "on_track"
    assert worst_status([]) is None
    assert worst_status([None]) is None
    with pytest.raises(ValueError):
        worst_status(["green"])


# --- properties --------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
maybe_finite = st.none() | finite
PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(st.sampled_from(KINDS), maybe_finite, maybe_finite, maybe_finite)
def test_score_is_always_between_zero_and_one(kind, baseline, target, current):
    p = progress(kind, baseline, target, current)
    assert not math.isnan(p)
    assert 0.0 <= clamp(p) <= 1.0


@PROPERTY
@given(finite, finite, finite, finite)
def test_increase_progress_never_falls_as_the_value_rises(baseline, target, c1, c2):
    low, high = sorted((baseline, target))
    if low == high:
        return
    lo_c, hi_c = sorted((c1, c2))
    assert progress("increase", low, high, lo_c) <= progress("increase", low, high, hi_c)
    assert clamp(progress("increase", low, high, lo_c)) <= clamp(
        progress("increase", low, high, hi_c)
    )


@PROPERTY
@given(finite, finite, finite, finite)
def test_decrease_progress_never_falls_as_the_value_drops(baseline, target, c1, c2):
    low, high = sorted((baseline, target))
    if low == high:
        return
    lo_c, hi_c = sorted((c1, c2))
    assert progress("decrease", high, low, lo_c) >= progress("decrease", high, low, hi_c)
    assert clamp(progress("decrease", high, low, lo_c)) >= clamp(
        progress("decrease", high, low, hi_c)
    )


@PROPERTY
@given(finite, finite, finite)
def test_increase_and_decrease_mirror_each_other(baseline, target, current):
    up = progress("increase", baseline, target, current)
    down = progress("decrease", -baseline, -target, -current)
    assert up == down or math.isclose(up, down, rel_tol=1e-12)


@PROPERTY
@given(
    st.floats(-1e6, 1e6),
    st.floats(-1e9, 1e9),
    st.lists(st.integers(0, 90 * 24 * 60), min_size=3, max_size=12, unique=True),
)
def test_forecast_is_exact_for_check_ins_on_a_straight_line(slope, intercept, minutes):
    # Minutes since the start of a 91-day cycle; x in days exactly as the forecast measures it.
    cycle_end = START + timedelta(days=91)
    at = [START + timedelta(minutes=m) for m in minutes]
    xs = [(t - START) / timedelta(days=1) for t in at]
    readings = [
        Reading(at=t, value=intercept + slope * x, confidence=None, human=False)
        for t, x in zip(at, xs, strict=True)
    ]
    result = evaluate_key_result(
        kind="increase",
        baseline=0,
        target=1,
        readings=readings,
        cycle_start=START,
        cycle_end=cycle_end,
        as_of=cycle_end,
    )
    exact = intercept + slope * 91
    scale = max(abs(intercept), abs(slope) * 91, 1.0)
    assert result.forecast is not None
    assert math.isclose(result.forecast, exact, rel_tol=1e-9, abs_tol=1e-9 * scale)


@PROPERTY
@given(
    st.floats(-1e3, 1e3),
    st.floats(-1e3, 1e3),
    st.lists(st.integers(-1000, 1000), min_size=2, max_size=10, unique=True),
)
def test_theil_sen_recovers_slope_and_intercept_of_a_line(slope, intercept, days):
    # Whole days apart, as check-ins are; x values 1e-243 apart are not a line in floats.
    fitted = theil_sen([(float(x), intercept + slope * x) for x in days])
    assert fitted is not None
    fitted_slope, fitted_intercept = fitted
    scale = max(abs(intercept), abs(slope) * 1e3, 1.0)
    assert math.isclose(fitted_slope, slope, rel_tol=1e-6, abs_tol=1e-9 * scale)
    assert math.isclose(fitted_intercept, intercept, rel_tol=1e-9, abs_tol=1e-9 * scale)


@PROPERTY
@given(
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1000)), max_size=8),
    st.lists(st.floats(0, 1), max_size=5),
)
def test_objective_score_is_the_weighted_mean(own, children):
    total = sum(Fraction(w) for _, w in own) + len(children)
    result = objective_score(own, children)
    if total == 0:
        assert result is None
        return
    exact = (sum(Fraction(s) * Fraction(w) for s, w in own) + sum(map(Fraction, children))) / total
    assert result is not None
    assert math.isclose(result, float(exact), rel_tol=1e-9, abs_tol=1e-9)
    assert 0.0 <= result <= 1.0


@PROPERTY
@given(st.lists(st.sampled_from([*STATUSES, None])))
def test_worst_status_is_the_lowest_ranked_present_status(statuses):
    present = [s for s in statuses if s is not None]
    result = worst_status(statuses)
    if not present:
        assert result is None
    else:
        assert result == max(present, key=STATUSES.index)
        assert worst_status(reversed(statuses)) == result


@PROPERTY
@given(st.floats(-50, 150), st.floats(-50, 150))
def test_expected_never_goes_backwards_and_stays_in_range(d1, d2):
    early, late = sorted((d1, d2))
    e1 = expected_fraction(START, END, day(early))
    e2 = expected_fraction(START, END, day(late))
    assert 0.0 <= e1 <= e2 <= 1.0
