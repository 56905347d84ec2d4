"""How okrs writes a number: for a person to read, for a number input to take back, for an
error message to quote.

Pure functions over plain values, no Django: every page, chat message, email, command and
validation message writes 1,200 users, 4.5% or 47 the same way because they all call these.
"""

from __future__ import annotations

import math
from decimal import Decimal

NONE = "\u2013"  # an en dash stands for "no value"
MINUS = "\u2212"  # a real minus sign reads better than a hyphen

# Beyond this an integer is written like any float (1e+16): its digits would run on.
LONGEST_INTEGER = 1e15


def amount(value: float | None, unit: str = "", *, none: str = NONE, grouping: bool = True) -> str:
    """A value with its unit, as people read it: 6 hours, 4.5%, 1,200 users.

    At most two decimals; `none` stands for no value (or one that is not finite). Without
    `grouping` the thousands are not separated (1200 users), as a terminal table wants.
    """
    if value is None or not math.isfinite(value):
        return none
    comma = "," if grouping else ""
    if value != int(value):
        text = f"{value:{comma}.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{int(value):{comma}}"
    return with_unit(text, unit)


def with_unit(text: str, unit: str) -> str:
    """A number's text and its unit: `%` sticks to the number, any other unit follows a space."""
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


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
    """A score as a whole percentage: 0.615 -> 62%; `none` for no score (or an overflow)."""
    if fraction is None or not math.isfinite(fraction * 100):
        return none
    return f"{round(fraction * 100)}%"
