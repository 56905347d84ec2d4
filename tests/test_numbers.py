"""How numbers are written: the same text on every page, message, command and error."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrs.numbers import amount, percent, plain_number, positional_number, rounded_amount


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1200, "users", "1,200 users"),
        (4.5, "%", "4.5%"),
        (6, "hours", "6 hours"),
        (0.125, "", "0.12"),
        (-1234567.891, "", "-1,234,567.89"),
        (47.0, "", "47"),
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
    assert amount(1234.5, "users", none="-", grouping=False) == "1234.5 users"
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
