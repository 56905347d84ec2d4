"""Template filters for scores and statuses. Status is always shown as text and a symbol,
never by colour alone. The HTML is built in okrs/web/markup.py; the filters only name it."""

from __future__ import annotations

from django import template

from okrs import numbers
from okrs.web import markup

register = template.Library()

register.filter("status_badge", markup.status_badge)
register.filter("percent", markup.percent)
register.filter("amount", numbers.amount)  # a value with its unit: 6 hours, 1,200 users
# The lists the dashboard and the alignment page repeat by the hundred (see markup.py).
register.filter("compliance", markup.compliance)
register.filter("objective_list", markup.objective_list)
register.filter("team_rows", markup.team_rows)
register.filter("attention_list", markup.attention_list)
register.filter("options", markup.options)
