"""Template filters for scores and statuses. Status is always shown as text and a symbol,
never by colour alone."""

from __future__ import annotations

import math

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

NONE = "\u2013"  # an en dash stands for "no value"

STATUS = {
    "on_track": ("✓", "On track"),
    "at_risk": ("!", "At risk"),
    "off_track": ("✕", "Off track"),
}


@register.filter
def status_badge(status: str | None) -> SafeString:
    if status not in STATUS:
        return format_html('<span class="status status-none">{} No status</span>', NONE)
    symbol, label = STATUS[status]
    return format_html(
        '<span class="status status-{}"><span aria-hidden="true">{}</span> {}</span>',
        status,
        symbol,
        label,
    )


@register.filter
def percent(value: float | None) -> str:
    if value is None or not math.isfinite(value * 100):
        return NONE
    return f"{round(value * 100)}%"


@register.filter
def amount(value: float | None, unit: str = "") -> str:
    """A value with its unit: 6 hours, 4.5%, 1,200 users."""
    if value is None or not math.isfinite(value):
        return NONE
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
