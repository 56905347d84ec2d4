"""Template filters for scores and statuses. Status is always shown as text and a symbol,
never by colour alone. The HTML is built in okrs/web/markup.py; the filters only name it."""

from __future__ import annotations

import math

from django import template

from okrs.web import markup

register = template.Library()

NONE = markup.NONE

register.filter("status_badge", markup.status_badge)
register.filter("percent", markup.percent)
# The lists the dashboard and the alignment page repeat by the hundred (see markup.py).
register.filter("compliance", markup.compliance)
register.filter("objective_list", markup.objective_list)
register.filter("team_rows", markup.team_rows)
register.filter("options", markup.options)


@register.filter
def amount(value: float | None, unit: str = "") -> str:
    """A value with its unit: 6 hours, 4.5%, 1,200 users."""
    if value is None or not math.isfinite(value):
        return NONE
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
