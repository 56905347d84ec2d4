"""Template filters for scores and statuses. Status is always shown as text and a symbol,
never by colour alone. The HTML is built in okrs/web/markup.py; the filters only name it."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from okrs import numbers
from okrs.web import markup

register = template.Library()

register.filter("status_badge", markup.status_badge)
register.filter("percent", markup.percent)
register.filter("amount", numbers.amount)  # a value with its unit: 6 hours, 1,200 users
register.filter("baseline", numbers.baseline_amount)  # the same, or "no baseline"


class Measured(Protocol):
    """What a key result's numbers are read against (a KeyResult, or its presented form)."""

    unit: str
    baseline: float | None
    target: float | None


@register.filter
def forecast(value: float | None, key_result: Measured) -> str:
    """A key result's forecast, shown within what its unit allows (no negative hours)."""
    return numbers.forecast_amount(
        value, key_result.unit, baseline=key_result.baseline, target=key_result.target
    )


class Kinded(Measured, Protocol):
    kind: str


@register.filter
def reading(value: float | None, key_result: Kinded) -> str:
    """A value of this key result as people read it: a milestone's "done" or "not done",
    any other value with its unit (6 hours)."""
    return numbers.kind_amount(value, key_result.unit, key_result.kind)


@register.filter
def now_and_target(current: float | None, key_result: Kinded) -> str:
    """ "now 6 hours, target 1 hour"; for a milestone "done" or "not done"."""
    return numbers.now_and_target(current, key_result.target, key_result.unit, key_result.kind)


@register.filter
def ago(moment: dt.datetime | None) -> str:
    """ "2 minutes ago", "1 week ago"; "just now" within the minute (not "0 minutes ago")."""
    if moment is None:
        return ""
    if timezone.now() - moment < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def sentence(text: str) -> str:
    """Words as a sentence on a page: a capital first letter and a closing full stop.
    ("no merged pull request has linked ..." is how the CLI prints a finding after its rule.)
    A first word that is a name as typed (maya@acme.test, a key like lead-time) stays as it is."""
    text = text.strip()
    if not text:
        return text
    first = text.split(maxsplit=1)[0]
    if first.isalpha():
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


@register.filter
def aim(key_result: Kinded) -> str:
    """What the key result's kind asks of its value, in words: "lower is better", "stays at or
    above 99.9%"."""
    target = numbers.amount(key_result.target, key_result.unit)
    return {
        "increase": "higher is better",
        "decrease": "lower is better",
        "stay_above": f"stays at or above {target}",
        "stay_below": f"stays at or below {target}",
        "milestone": "done or not done",
    }.get(key_result.kind, "")


# The lists the dashboard and the alignment page repeat by the hundred (see markup.py).
register.filter("compliance", markup.compliance)
register.filter("objective_list", markup.objective_list)
register.filter("team_rows", markup.team_rows)
register.filter("attention_list", markup.attention_list)
register.filter("options", markup.options)
