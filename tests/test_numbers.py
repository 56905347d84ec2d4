"""How numbers are written: the same text on every page, message, command and error."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrs.numbers import (
    NO_BASELINE,
    UnitKind,
    amount,
    baseline_amount,
    decimals,
    duration_text,
    forecast_amount,
    from_to,
    input_number,
    per_day,
    percent,
    plain_number,
    positional_number,
    rounded_amount,
    singular,
    unit_kind,
)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1200, "users", "1,200 users"),
        (4.5, "%", "4.5%"),
        (6, "hours", "6 hours"),
        (0.125, "", "0.13"),
        (-1234567.891, "", "-1,234,568"),
        (47.0, "", "47"),
        (40.375, "hours", "40.4 hours"),
        (3.88, "hours", "3.9 hours"),
        (235.4, "ms", "235 ms"),
        (99.95, "%", "99.95%"),
        (62.46, "%", "62.5%"),
        (1.25, "£M", "£1.25M"),
        (120, "£k/month", "£120k/month"),
        (2.35, "deploys/week", "2.4 deploys/week"),
        (None, "users", "\u2013"),
        (math.inf, "", "\u2013"),
        (math.nan, "%", "\u2013"),
    ],
)
def test_an_amount_reads_with_thousands_and_its_unit(
    value: float | None, unit: str, text: str
) -> None:
    assert amount(value, unit) == text


def test_a_terminal_amount_has_no_thousands_and_a_hyphen_for_none() -> None:
    assert amount(1234.5, "users", none="-", grouping=False) == "1235 users"
    assert amount(1200, "%", none="-", grouping=False) == "1200%"
    assert amount(None, "users", none="-", grouping=False) == "-"


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (76.97, False, "77"),
        (12.34, False, "12.3"),
        (1.234, False, "1.23"),
        (0.001234, False, "0.00123"),
        (-2.5, False, "\u22122.5"),
        (-0.0001, False, "\u22120.0001"),
        (3.0, True, "+3"),
        (0.0, True, "0"),
        (1234567, False, "1,234,567"),
    ],
)
def test_a_rounded_amount_keeps_three_significant_digits(
    value: float, signed: bool, text: str
) -> None:
    assert rounded_amount(value, signed=signed) == text


def test_a_rounded_amount_takes_its_unit_like_an_amount() -> None:
    assert rounded_amount(42.0, "%") == "42%"
    assert rounded_amount(-1.5, "hours", signed=True) == "\u22121.5 hours"


@pytest.mark.parametrize(
    ("value", "text"),
    [(47.0, "47"), (3.5, "3.5"), (0.1, "0.1"), (1e-7, "1e-07"), (-12, "-12"), (1e16, "1e+16")],
)
def test_a_plain_number_is_typed_as_a_person_would(value: float, text: str) -> None:
    assert plain_number(value) == text


def test_a_plain_number_says_what_stands_for_none() -> None:
    assert plain_number(None) == ""
    assert plain_number(None, none="none") == "none"


def test_a_positional_number_has_no_exponent() -> None:
    assert positional_number(1e-7) == "0.0000001"
    assert positional_number(1e15) == "1000000000000000"
    assert positional_number(2.5) == "2.5"


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_plain_and_positional_numbers_read_back_as_the_same_float(value: float) -> None:
    assert float(plain_number(value)) == value
    assert float(positional_number(value)) == value


def test_a_percentage_is_whole() -> None:
    assert percent(0.615) == "62%"
    assert percent(None) == "\u2013"
    assert percent(None, none="-") == "-"
    assert percent(1e308) == "\u2013"


@pytest.mark.parametrize(
    ("unit", "kind"),
    [
        ("%", UnitKind.PERCENT),
        ("hours", UnitKind.DURATION),
        ("ms", UnitKind.DURATION),
        ("days", UnitKind.DURATION),
        ("£M", UnitKind.CURRENCY),
        ("£k/month", UnitKind.CURRENCY),
        ("USD", UnitKind.CURRENCY),
        ("rollbacks/month", UnitKind.COUNT),
        ("teams", UnitKind.COUNT),
        ("points", UnitKind.OTHER),
        ("", UnitKind.OTHER),
        ("°C", UnitKind.OTHER),
    ],
)
def test_a_unit_says_what_it_measures(unit: str, kind: UnitKind) -> None:
    assert unit_kind(unit) is kind


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1, "hours", "1 hour"),
        (1, "rollbacks/month", "1 rollback/month"),
        (1, "opportunities", "1 opportunity"),
        (1, "processes", "1 process"),
        (1, "ms", "1 ms"),
        (1, "%", "1%"),
        (1.04, "hours", "1 hour"),  # shown as 1: read as one
        (1.5, "hours", "1.5 hours"),
        (0, "hours", "0 hours"),
        (2, "rollbacks/month", "2 rollbacks/month"),
    ],
)
def test_one_of_a_unit_is_singular(value: float, unit: str, text: str) -> None:
    assert amount(value, unit) == text


def test_singular_leaves_abbreviations_and_symbols_alone() -> None:
    assert singular("hrs") == "hrs"
    assert singular("£k/month") == "£k/month"
    assert singular("status") == "status"


def test_no_baseline_is_said_in_words() -> None:
    assert baseline_amount(None, "%") == NO_BASELINE
    assert baseline_amount(96, "hours") == "96 hours"
    assert from_to(None, 5, "%") == "to 5%, no baseline"


def test_a_span_writes_a_worded_unit_once() -> None:
    assert from_to(6, 1, "hours") == "from 6 to 1 hour"
    assert from_to(1800, 2400, "teams", grouping=False) == "from 1800 to 2400 teams"
    assert from_to(None, 2400, "teams") == "to 2,400 teams, no baseline"
    # A unit that sticks to its number stays on each end: "from 9 to 12%" would read as 9 what.
    assert from_to(9, 12, "%") == "from 9% to 12%"
    assert from_to(4.2, 5, "£M") == "from £4.2M to £5M"


def test_a_span_after_its_value_leaves_the_worded_unit_to_the_value() -> None:
    span = from_to(1800, 2400, "teams", grouping=False, after_value=True)
    assert span == "from 1800 to 2400"
    assert from_to(40.375, 6, "hours", after_value=True) == "from 40.4 to 6"
    assert from_to(None, 2400, "teams", after_value=True) == "to 2,400, no baseline"
    assert from_to(9, 12, "%", after_value=True) == "from 9% to 12%"


@pytest.mark.parametrize(
    ("forecast", "unit", "baseline", "target", "text"),
    [
        (-3.88, "hours", 96, 6, "0 hours"),
        (-2, "rollbacks/month", 4, 1, "0 rollbacks/month"),
        (104.2, "%", 80, 99, "100%"),
        (-1.5, "%", 5, 2, "0%"),
        (-7.5, "%", -2, 10, "-7.5%"),  # a growth rate may be negative
        (-3.88, "£k", 10, 5, "-£3.88k"),  # money may be
        (45.94, "hours", 96, 6, "45.9 hours"),
    ],
)
def test_a_forecast_is_shown_within_what_its_unit_allows(
    forecast: float, unit: str, baseline: float, target: float, text: str
) -> None:
    assert forecast_amount(forecast, unit, baseline=baseline, target=target) == text


UNITS = st.sampled_from(["hours", "ms", "%", "rollbacks/month", "teams", "£k", "", "points"])
VALUES = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


@given(value=VALUES, unit=st.sampled_from(["hours", "ms", "days", "rollbacks/month", "teams"]))
def test_a_forecast_of_a_duration_or_count_is_never_negative(value: float, unit: str) -> None:
    text = forecast_amount(value, unit, baseline=10, target=1)
    assert not text.startswith(("-", "\u2212")), text


@given(value=VALUES, unit=UNITS)
def test_a_shown_value_reads_back_within_its_precision(value: float, unit: str) -> None:
    """What the page shows and what the check-in field holds differ from the value by at most
    half of the last decimal shown."""
    tolerance = 0.5 * 10 ** -decimals(value, unit) * (1 + 1e-9) + abs(value) * 1e-15
    typed = input_number(value, unit)
    assert abs(float(typed) - value) <= tolerance
    shown = amount(value, unit, grouping=True)
    digits = shown.replace(",", "").replace("£", "").split(" ")[0].rstrip("%kM")
    assert abs(float(digits) - value) <= tolerance


def test_the_check_in_field_holds_the_rounded_value() -> None:
    assert input_number(40.375, "hours") == "40.4"
    assert input_number(1234.5, "users") == "1235"
    assert input_number(None, "hours") == ""
    assert input_number(99.95, "%") == "99.95"


def test_a_half_percent_rounds_up_as_people_round_it() -> None:
    # 5 of 8 key results checked in: 62.5%, which Python's round() would make 62.
    assert percent(5 / 8) == "63%"
    assert percent(0.615) == "62%" and percent(0.125) == "13%"
    assert percent(None, none="no score") == "no score"


def test_a_measured_duration_reads_in_minutes_hours_or_days() -> None:
    assert [duration_text(h) for h in (0.4, 0.9999, 2.421, 24.0, 47.9, 96.0, 69.6)] == [
        "24 min", "1 h", "2.4 h", "24 h", "47.9 h", "4 days", "2.9 days",
    ]  # fmt: skip
    assert duration_text(None, none="no failures") == "no failures"


def test_a_rate_a_day_keeps_two_significant_figures() -> None:
    assert [per_day(v) for v in (2.0, 1.6667, 0.3667, 6.1667, 0.0)] == [
        "2 per day", "1.7 per day", "0.37 per day", "6.2 per day", "0 per day",
    ]  # fmt: skip
