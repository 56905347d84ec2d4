"""How okrs writes a number: for a person to read, for a number input to take back, for an
error message to quote.

Pure functions over plain values, no Django: every page, chat message, email, command and
validation message writes 1,200 users, 4.5% or 47 the same way because they all call these.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

NONE = "\u2013"  # an en dash stands for "no value"
MINUS = "\u2212"  # a real minus sign reads better than a hyphen
NO_BASELINE = "no baseline"

# Beyond this an integer is written like any float (1e+16): its digits would run on.
LONGEST_INTEGER = 1e15


class UnitKind(StrEnum):
    """What a key result's unit measures; it decides the precision shown and the values a
    forecast may take (docs/numbers.md)."""

    PERCENT = "percent"
    DURATION = "duration"
    CURRENCY = "currency"
    COUNT = "count"
    OTHER = "other"


CURRENCY_SYMBOLS = "£$€¥₹"
CURRENCY_CODES = frozenset({"usd", "eur", "gbp", "chf", "jpy", "cad", "aud", "sek", "nok", "dkk"})
DURATION_WORDS = frozenset({
    "ms", "millisecond", "milliseconds", "s", "sec", "secs", "second", "seconds", "min", "mins",
    "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "day", "days", "week", "weeks",
    "month", "months", "year", "years",
})  # fmt: skip
# Words that read like counted things but measure a signed quantity (an NPS of -20 points).
SIGNED_WORDS = frozenset({"point", "points", "pts", "pp", "degrees"})
# Most decimals below 10, per kind: a tenth of an hour or a percent is all anyone acts on; money
# keeps its pennies.
DECIMALS = {
    UnitKind.PERCENT: 1,
    UnitKind.DURATION: 1,
    UnitKind.COUNT: 1,
    UnitKind.CURRENCY: 2,
    UnitKind.OTHER: 2,
}


def _first_word(unit: str) -> str:
    return re.split(r"[\s/]", unit.strip(), maxsplit=1)[0]


def counted(count: int, noun: str) -> str:
    """ "1 key result", "2 key results": the count with the noun in the number it needs."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def unit_kind(unit: str) -> UnitKind:
    """The kind of a free-text unit: % a percentage, hours or ms a duration, £k or USD money,
    a counted noun (deploys/week, teams) a count; anything else (no unit, °C) other."""
    unit = unit.strip()
    word = _first_word(unit).lower()
    if not unit:
        return UnitKind.OTHER
    if unit == "%":
        return UnitKind.PERCENT
    if unit[0] in CURRENCY_SYMBOLS or word in CURRENCY_CODES:
        return UnitKind.CURRENCY
    if word in DURATION_WORDS:
        return UnitKind.DURATION
    if word.isalpha() and word not in SIGNED_WORDS:
        return UnitKind.COUNT
    return UnitKind.OTHER


def decimals(value: float, unit: str = "") -> int:
    """How many decimals a value of this unit is shown with: none from 100 on, one from 10,
    the kind's own below (1 for %, durations and counts, 2 for money and the rest); a
    percentage between 99 and 100 keeps two, so 99.95% is not written as 100%."""
    magnitude = abs(value)
    kind = unit_kind(unit)
    if kind is UnitKind.PERCENT and 99 <= magnitude < 100:
        return 2
    if magnitude >= 100:
        return 0
    if magnitude >= 10:
        return min(1, DECIMALS[kind])
    return DECIMALS[kind]


def _digits(value: float, places: int, *, grouping: bool) -> str:
    """The value rounded half away from zero to `places` decimals, trailing zeros dropped."""
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{exact:{',' if grouping else ''}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def singular(unit: str) -> str:
    """The unit for exactly one: hours -> hour, rollbacks/month -> rollback/month,
    opportunities -> opportunity; abbreviations (ms, hrs) and symbols stay as they are."""
    word = _first_word(unit)
    rest = unit[len(word) :]
    lower = word.lower()
    if not word.isalpha() or len(word) < 4 or not lower.endswith("s"):
        return unit
    if lower.endswith(("ss", "us", "is")):
        return unit
    if lower.endswith("ies"):
        return word[:-3] + "y" + rest
    if lower.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2] + rest
    return word[:-1] + rest


def amount(value: float | None, unit: str = "", *, none: str = NONE, grouping: bool = True) -> str:
    """A value with its unit, as people read it: 6 hours, 1 hour, 4.5%, 1,200 users, £1.2M.

    Rounded to the unit's precision (`decimals`), the unit singular for exactly 1, a currency
    symbol before the number; `none` stands for no value (or one that is not finite). Without
    `grouping` the thousands are not separated (1200 users), as a terminal table wants.
    """
    if value is None or not math.isfinite(value):
        return none
    text = _number_text(value, unit, grouping=grouping)
    if text in ("1", "-1"):
        unit = singular(unit)
    return with_unit(text, unit)


# A milestone key result's value is 0 or 1: done or not, never a number to read.
MILESTONE = "milestone"
NOT_DONE = "not done"
DONE = "done"


def milestone_answer(current: float | None, *, said: bool) -> str:
    """What a milestone's check-in preselects: "1" (done) or "0" (not done) when a person's
    latest check-in said it (`said`), else "" (nothing: a milestone starts at 0, which nobody
    said). Every check-in form asks the same way: the web's, Slack's modal, the Teams card."""
    if not said or current not in (0, 1):
        return ""
    return "1" if current == 1 else "0"


def kind_amount(
    value: float | None, unit: str = "", kind: str = "", *, none: str = NONE, grouping: bool = True
) -> str:
    """A key result's value as people read it for its kind: a milestone's "done" (at 1 or
    more) or "not done", any other kind's value as `amount` writes it."""
    if kind == MILESTONE:
        if value is None or not math.isfinite(value):
            return none
        return DONE if value >= 1 else NOT_DONE
    return amount(value, unit, none=none, grouping=grouping)


def now_and_target(
    current: float | None, target: float | None, unit: str = "", kind: str = ""
) -> str:
    """Where a key result stands in a line: "now 40.7 hours, target 6 hours"; a milestone's
    "done" or "not done" alone (its target, 1, is "done")."""
    if kind == MILESTONE:
        return kind_amount(current, unit, kind)
    return f"now {amount(current, unit)}, target {amount(target, unit)}"


def _number_text(value: float, unit: str, *, grouping: bool) -> str:
    if abs(value) > LONGEST_INTEGER:
        return f"{value:.3g}"
    return _digits(value, decimals(value, unit), grouping=grouping)


def unit_sticks(unit: str) -> bool:
    """Whether the unit is written as part of the number (4.5%, £1.2M), not as a word after
    it (6 hours, 1200 teams)."""
    return unit == "%" or unit[:1] in CURRENCY_SYMBOLS


def bare_amount(
    value: float | None, unit: str = "", *, none: str = NONE, grouping: bool = True
) -> str:
    """A value as `amount` writes it but without a unit written as a word: 1800 for 1800 teams,
    40.4 for 40.375 hours; a unit that sticks to the number stays (4.5%, £1.2M). For a number
    whose unit is already written beside it, so the unit is not repeated."""
    if unit_sticks(unit):
        return amount(value, unit, none=none, grouping=grouping)
    if value is None or not math.isfinite(value):
        return none
    return _number_text(value, unit, grouping=grouping)


def with_unit(text: str, unit: str) -> str:
    """A number's text and its unit: `%` sticks to the number, a currency symbol goes before it
    (with its scale: £1.2M, £120k/month), any other unit follows a space."""
    if not unit:
        return text
    if unit == "%":
        return f"{text}{unit}"
    if unit[0] in CURRENCY_SYMBOLS:
        sign, digits = (text[0], text[1:]) if text[:1] in ("-", MINUS) else ("", text)
        return f"{sign}{unit[0]}{digits}{unit[1:]}"
    return f"{text} {unit}"


def input_number(value: float | None, unit: str = "") -> str:
    """A value as a number field shows it before anyone types: rounded like `amount`, without
    unit, grouping or exponent (40.375 hours -> 40.4), so the field reads like the page."""
    if value is None or not math.isfinite(value):
        return ""
    if abs(value) > LONGEST_INTEGER:
        return plain_number(value)
    return _digits(value, decimals(value, unit), grouping=False)


def value_bounds(unit: str, *, baseline: float | None, target: float | None) -> tuple[float, float]:
    """The values a key result of this unit can take: a duration or a count never goes below
    0; a percentage whose baseline and target lie in 0-100 stays in 0-100 (a share: coverage,
    uptime), while one that does not (growth of -5% to 20%) is not bounded, like money."""
    kind = unit_kind(unit)
    if kind in (UnitKind.DURATION, UnitKind.COUNT):
        return 0.0, math.inf
    if kind is UnitKind.PERCENT:
        ends = [v for v in (baseline, target) if v is not None]
        if all(0 <= v <= 100 for v in ends):
            return 0.0, 100.0
    return -math.inf, math.inf


def forecast_amount(
    value: float | None,
    unit: str = "",
    *,
    baseline: float | None = None,
    target: float | None = None,
    none: str = NONE,
    grouping: bool = True,
) -> str:
    """A forecast as people read it: a trend line may run past what the unit allows (-3.88
    hours), the text stops at the bound (0 hours). The computed forecast is not changed."""
    if value is None or not math.isfinite(value):
        return none
    low, high = value_bounds(unit, baseline=baseline, target=target)
    return amount(min(max(value, low), high), unit, none=none, grouping=grouping)


def baseline_amount(value: float | None, unit: str = "", *, grouping: bool = True) -> str:
    """A baseline as people read it, "no baseline" when there is none."""
    return amount(value, unit, none=NO_BASELINE, grouping=grouping)


def from_to(
    baseline: float | None,
    target: float | None,
    unit: str = "",
    *,
    grouping: bool = True,
    after_value: bool = False,
) -> str:
    """A key result's span with its unit written once: "from 6 to 1 hour", "from 9% to 12%"
    (a unit that sticks to the number stays on each), or "to 5%, no baseline". `after_value`
    when the span follows the value itself, which carries the unit: `okrs status` writes
    "2297 teams (from 1800 to 2400)" (the span may stand in brackets, so it has none)."""
    start = bare_amount(baseline, unit, grouping=grouping)
    to = (bare_amount if after_value else amount)(target, unit, grouping=grouping)
    if baseline is None or not math.isfinite(baseline):
        return f"to {to}, {NO_BASELINE}"
    return f"from {start} to {to}"


def rounded_amount(value: float, unit: str = "", *, signed: bool = False) -> str:
    """A computed number (a slope, a forecast) as people read it: 3 significant digits at most,
    a real minus sign, the unit after it; `signed` writes + before a positive change."""
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 100 or magnitude == 0:
        text = f"{value:,.0f}"
    elif magnitude >= 10:
        text = f"{value:,.1f}"
    elif magnitude >= 1:
        text = f"{value:,.2f}"
    else:
        text = f"{value:.3g}"
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "0"):
        text = "0"
    if signed and not text.startswith("-") and text != "0":
        text = "+" + text
    if text.startswith("-"):
        text = MINUS + text[1:]
    return with_unit(text, unit)


def plain_number(value: float | None, *, none: str = "") -> str:
    """A value as a person types it: 47, not 47.0; 3.5 as 3.5. Reads back as the same float.

    Used for the initial value of a web form's field and for quoting a number in a message
    (`none` is what stands for no value there).
    """
    if value is None:
        return none
    if float(value).is_integer() and abs(value) <= LONGEST_INTEGER:
        return str(int(value))
    return repr(float(value))


def positional_number(value: float) -> str:
    """The exact value in positional notation, for an input that takes no exponent (Slack's
    number input): the shortest text that reads back as the same float, so saving it
    unchanged changes nothing."""
    text = f"{Decimal(repr(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(fraction: float | None, *, none: str = NONE) -> str:
    """A score as a whole percentage: 0.615 -> 62%, 0.625 -> 63%; `none` for no score (or an
    overflow)."""
    if fraction is None or not math.isfinite(fraction * 100):
        return none
    return f"{whole_percent(fraction)}%"


def whole_percent(fraction: float) -> int:
    """A fraction in whole percent, halves rounded up as people do (5 of 8 is 63%, not the 62
    of Python's round-half-to-even)."""
    return int(Decimal(repr(fraction * 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


HOUR_WORDS = frozenset({"h", "hr", "hrs", "hour", "hours"})


def change_amount(value: float, unit: str = "") -> str | None:
    """A computed change (a level shift) as people read it: signed, at the unit's precision
    (+3.5 hours, -0.1%), a change of hours under one hour in whole minutes (+3 minutes); None
    when it rounds to nothing, so the caller can say "no change" instead of "+0 hours"."""
    if not math.isfinite(value):
        return None
    places = decimals(value, unit)
    if _first_word(unit).lower() in HOUR_WORDS and abs(value) < 1:
        value, unit, places = value * 60, "minutes", 0
    text = _digits(value, places, grouping=True)
    if text == "0":
        return None
    if text in ("1", "-1"):
        unit = singular(unit)
    text = MINUS + text[1:] if text.startswith("-") else "+" + text
    return with_unit(text, unit)


def significant(value: float, digits: int = 2) -> str:
    """A rate to `digits` significant figures, trailing zeros dropped: 0.367 -> 0.37,
    6.13 -> 6.1, 12.4 -> 12, 1234 -> 1,234 (whole numbers are never cut)."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return _digits(value, places, grouping=True).replace("-", MINUS)


def duration_text(hours: float | None, *, none: str = NONE) -> str:
    """A measured duration in hours as people read it: whole minutes under an hour (24 min),
    hours under two days (2.4 h, 24 h), days from there (2.9 days); `none` for no value."""
    if hours is None or not math.isfinite(hours):
        return none
    minutes = round(hours * 60)
    if minutes < 60:
        return amount(minutes, "min")
    if hours < 48:
        return amount(hours, "h")
    return amount(hours / 24, "days")


def per_day(value: float | None, *, none: str = NONE) -> str:
    """A rate of events a day as people read it, on every page, report and command alike:
    2 significant figures, trailing zeros dropped (2 per day, 1.7 per day, 0.37 per day)."""
    if value is None or not math.isfinite(value):
        return none
    return f"{significant(value)} per day"
